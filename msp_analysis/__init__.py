"""msp-analysis: public adult social care returns -> Market Sustainability Plan evidence."""

from importlib.metadata import PackageNotFoundError, version

try:
    # Set from git by setuptools-scm when the package is built or installed, e.g.
    # "0.1.dev212+g3528278" (212 commits, at commit 3528278; ".d<date>" if the tree was dirty).
    __version__ = version("msp-analysis")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0.0.0+unknown"
