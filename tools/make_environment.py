"""Write environment.yml (for conda users) from requirements.lock, the pinned dependency list.

The one list of dependencies is pyproject.toml; `make lock` pins it into requirements.lock; this
script derives environment.yml from the lock so the two cannot drift (a unit test checks it).

    python tools/make_environment.py            # rewrite environment.yml
    python tools/make_environment.py --check    # exit 1 if environment.yml is out of date
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = """\
# For conda users: `conda env create -f environment.yml && conda activate msp-analysis`.
# Generated from requirements.lock by tools/make_environment.py (`make lock`): do not edit.
# conda provides Python and pip; every package is installed by pip at the locked version,
# exactly as `make setup` installs them into .venv.
"""


def pins(lock_text: str) -> list[str]:
    """The 'name==version' lines of a pip-compile / uv lock file, in order."""
    out = []
    for line in lock_text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            out.append(line)
    return out


def render(lock_text: str) -> str:
    lines = [HEADER.rstrip("\n"), "name: msp-analysis", "channels:", "  - conda-forge"]
    lines += ["dependencies:", "  - python=3.11", "  - pip", "  - pip:"]
    lines += [f"      - {p}" for p in pins(lock_text)]
    lines += ["      - -e ."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if stale")
    args = parser.parse_args(argv)
    lock = (ROOT / "requirements.lock").read_text()
    text = render(lock)
    target = ROOT / "environment.yml"
    if args.check:
        if target.read_text() != text:
            sys.stderr.write("environment.yml is out of date: run `make lock`\n")
            return 1
        return 0
    target.write_text(text)
    sys.stderr.write(f"wrote {target.name} ({len(pins(lock))} packages)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
