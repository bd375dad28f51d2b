"""Write the evidence workbooks the package ships (msp_analysis/resources/templates/*.xlsx).

The empty template and the filled DEMO example are generated, never edited by hand: the example's
figures come from local_evidence_example.yml, the rows and units from the declaration of the
measures (msp_analysis/indicators/local.py). The bytes depend on the content only (fixed time
stamps), so a unit test can check the shipped files are current.

    python tools/make_evidence_workbooks.py            # rewrite them
    python tools/make_evidence_workbooks.py --check    # exit 1 if either is out of date
"""

from __future__ import annotations

import argparse
import sys
import tempfile

from msp_analysis import resources
from msp_analysis.indicators.evidence_workbook import write_shipped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check the shipped files")
    args = parser.parse_args(argv)
    target = resources.packaged("templates")
    with tempfile.TemporaryDirectory() as tmp:
        stale = []
        for made in write_shipped(tmp):
            shipped = target / made.name
            if not shipped.exists() or shipped.read_bytes() != made.read_bytes():
                stale.append(made.name)
                if not args.check:
                    shipped.write_bytes(made.read_bytes())
    if args.check and stale:
        print(f"out of date: {', '.join(stale)} (run python tools/make_evidence_workbooks.py)")
        return 1
    print(("rewrote " + ", ".join(stale)) if stale else "the shipped workbooks are current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
