"""The README's table of rows per processed table, kept in step with a real build.

The README says how many rows each tidy table holds on the shared published files. Those counts
change whenever a reader learns a file or a layout, so they are written by this script from a
build's manifest, never typed, and an integration test fails when they drift.

    python tools/readme_counts.py --raw ../shared/data            # rewrite the README's counts
    python tools/readme_counts.py --raw ../shared/data --check    # exit 1 if they differ
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
#: a row of the table: | `salt` | ... | 23,886 |   or   | `a` / `b` | ... | 1 / - |
ROW = re.compile(
    r"^\| (?P<names>`[a-z_]+`(?: / `[a-z_]+`)*) \|(?P<middle>.*)\| (?P<counts>[^|]+) \|$"
)


def counts(readme_text: str) -> dict[str, int | None]:
    """Rows per table as the README states them (None for '-': not built from the shared files)."""
    out: dict[str, int | None] = {}
    for line in readme_text.splitlines():
        m = ROW.match(line)
        if not m:
            continue
        names = re.findall(r"`([a-z_]+)`", m["names"])
        values = [v.strip() for v in m["counts"].split("/")]
        if len(values) != len(names):
            continue
        for name, value in zip(names, values):
            out[name] = None if value == "-" else int(value.replace(",", ""))
    return out


def rewrite(readme_text: str, rows: dict[str, int]) -> str:
    """The README with every table row's counts set from ``rows`` ('-' for a table not built)."""

    def fix(line: str) -> str:
        m = ROW.match(line)
        if not m:
            return line
        names = re.findall(r"`([a-z_]+)`", m["names"])
        if len([v for v in m["counts"].split("/")]) != len(names):
            return line
        new = " / ".join(f"{rows[n]:,}" if rows.get(n) else "-" for n in names)
        return f"| {m['names']} |{m['middle']}| {new} |"

    return "\n".join(fix(line) for line in readme_text.splitlines()) + "\n"


def built_rows(raw: Path) -> dict[str, int]:
    from msp_analysis import store

    return {name: t["rows"] for name, t in store.manifest(store.ensure(raw))["tables"].items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    text = README.read_text(encoding="utf-8")
    new = rewrite(text, built_rows(args.raw))
    if new == text:
        print("the README's row counts match the build")
        return 0
    if args.check:
        print("the README's row counts differ from the build: run python tools/readme_counts.py")
        return 1
    README.write_text(new, encoding="utf-8")
    print("rewrote the README's row counts from the build")
    return 0


if __name__ == "__main__":
    sys.exit(main())
