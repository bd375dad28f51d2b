"""Build ``msp_analysis/data/nhsd_column_labels.csv`` from ASC-FR and SALT tables workbooks
(run by hand when a new release comes out).

The publisher fixes the column labels of the tables the ``ascfr`` and ``salt`` readers take
from the "ASC-FR and SALT data tables" workbook: each label is a value of a dimension
(support setting, primary support reason, ...). The readers refuse a label no release has
used, so a renamed column is an error, not rows that move to a new name. This tool reads
every label of every table the readers take from the workbooks given and writes them, one
per dimension, with the tables and the file each was read from. Labels already in the CSV
stay (an older release's spelling is still that release's).

Usage: ``python tools/make_nhsd_column_labels.py WORKBOOK.xlsx [WORKBOOK ...]``
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

OUT = Path(__file__).resolve().parents[1] / "msp_analysis" / "data" / "nhsd_column_labels.csv"


def main(paths: list[Path]) -> None:
    from msp_analysis.sources import _nhsd_workbook as W
    from msp_analysis.sources import ascfr, salt

    found = []
    for path in paths:
        for reader in (ascfr, salt):
            raw = W.read_tables(path, reader.SPECS)
            labels = W.column_labels(raw, reader.SPECS)
            found.append(labels.rename(columns={"table": "tables"}).assign(source=path.name))
    new = pd.concat(found, ignore_index=True)
    new = new[new["label"] != "Total"]
    old = pd.read_csv(OUT, dtype=str, keep_default_na=False) if OUT.exists() else new.iloc[:0]
    both = pd.concat([old, new], ignore_index=True)
    both["key"] = both["label"].map(W.label_key)
    out = (
        both.groupby(["dimension", "key"], sort=True)
        .agg(
            label=("label", "first"),
            tables=("tables", lambda t: " ".join(sorted(set(" ".join(t).split()), key=_order))),
            source=("source", lambda s: "; ".join(dict.fromkeys("; ".join(s).split("; ")))),
        )
        .reset_index()
    )
    out[["dimension", "label", "tables", "source"]].to_csv(OUT, index=False)
    print(f"wrote {len(out)} labels to {OUT}")


def _order(ref: str) -> tuple[int, str]:
    return (int(ref[1:]) if ref[1:].isdigit() else 999, ref)


if __name__ == "__main__":
    main([Path(a) for a in sys.argv[1:]])
