"""msp-analysis: public adult social care returns -> Market Sustainability Plan evidence.

A plan is made in four stages, each a function of :mod:`msp_analysis.pipeline` (thin, over
the modules that do the work, which the command line calls too)::

    from msp_analysis import pipeline as msp

    tables = msp.load("data/raw")       # 1. published files -> tidy tables    (store, tables)
    msp.assess(tables, "Wiltshire")     # 2. Section 1: the market now         (indicators)
    msp.forecast(tables, "Wiltshire")   # 3. Section 2: people and spend ahead (forecast)
    msp.plan("Wiltshire", "data/raw")   # 4. the plan: HTML, PDF and Word      (narrative, report)

They live in ``pipeline``, not here, so that importing the package (and ``msp --help``)
loads no pandas, and because ``msp_analysis.forecast`` is the package of forecasting models.

Two small values every stage shares are here at the front door (neither loads pandas):

    from msp_analysis import council_of, financial_year

    council_of("E06000054")   # Council(code, name, region, type, boundary history), looked up once
    financial_year(2023)      # '2023-24': the one label for a financial year (April to March)
"""

from importlib.metadata import PackageNotFoundError, version

from msp_analysis.council import Council, council_of
from msp_analysis.years import financial_year

__all__ = ["Council", "__version__", "council_of", "financial_year"]

try:
    # Set from git by setuptools-scm when the package is built or installed, e.g.
    # "0.1.dev212+g3528278" (212 commits, at commit 3528278; ".d<date>" if the tree was dirty).
    __version__ = version("msp-analysis")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0.0.0+unknown"
