"""What was loaded and how complete it is, for the data-quality notebook and reviewers."""

from __future__ import annotations

import pandas as pd

from msp_analysis import geography
from msp_analysis.tables import Tables


def files_loaded(tables: Tables) -> pd.DataFrame:
    """One row per file and reader: layout, table, rows read, kept, suppressed; short hash."""
    files = pd.DataFrame(tables.manifest.get("files", []))
    if files.empty:
        return files
    files["sha256"] = files["sha256"].str[:12]
    cols = [
        "file",
        "reader",
        "layout",
        "table",
        "rows_read",
        "rows_kept",
        "rows_suppressed",
        "sha256",
    ]
    return files[cols].sort_values(["table", "file"]).reset_index(drop=True)


def council_completeness(tables: Tables, la_code: str) -> pd.DataFrame:
    """Per table: rows for the council, how many suppressed or missing, and the share across all councils."""
    rows: list[dict[str, object]] = []
    for name, frame in tables.frames.items():
        if "value" not in frame or "la_code" not in frame:
            continue
        councils = frame[frame["area_type"] == "council"] if "area_type" in frame else frame
        mine = councils[councils["la_code"] == la_code]
        all_missing = councils["value"].isna().mean() * 100 if len(councils) else float("nan")
        rows.append(
            {
                "table": name,
                "rows_for_council": len(mine),
                "suppressed": int(mine["suppressed"].sum()) if "suppressed" in mine else 0,
                "missing_not_suppressed": int(
                    (mine["value"].isna() & ~mine.get("suppressed", False)).sum()
                ),
                "pct_missing_council": mine["value"].isna().mean() * 100
                if len(mine)
                else float("nan"),
                "pct_missing_all_councils": all_missing,
                "years": ", ".join(str(int(y)) for y in sorted(mine["year"].dropna().unique()))
                if "year" in mine
                else "",
            }
        )
    return pd.DataFrame(rows)


def non_submitters(tables: Tables) -> pd.DataFrame:
    """Councils with cells marked not submitted ([x]) by table and year, with counts.

    The ASC-FR CSV files' ':' means "not applicable or not available" cell by cell, not a
    missing return, so it is not counted here.
    """
    pieces = []
    for name in ("ascfr", "salt", "ascof", "outturn"):
        f = tables.get(name)
        if f is None or "marker" not in f:
            continue
        x = f[(f["area_type"] == "council") & (f["marker"] == "[x]")]
        if x.empty:
            continue
        g = x.groupby(["la_code", "year"]).size().reset_index(name="cells_not_available")
        g["table"] = name
        pieces.append(g)
    if not pieces:
        return pd.DataFrame(columns=["table", "la_code", "la_name", "year", "cells_not_available"])
    out = pd.concat(pieces, ignore_index=True)
    out["la_name"] = out["la_code"].map(geography.council_name)
    return out[["table", "la_code", "la_name", "year", "cells_not_available"]].sort_values(
        ["table", "cells_not_available"], ascending=[True, False]
    )


def boundary_notes(la_code: str) -> pd.DataFrame:
    """Boundary changes in which the council is predecessor or successor."""
    return geography.boundary_changes_for(la_code)[
        ["effective", "predecessor_name", "successor_name", "change", "series_rule", "note"]
    ]


def series_coverage(tables: Tables, la_code: str) -> pd.DataFrame:
    """Every registered series for one council: years, gaps and how each figure was obtained.

    One row per measure (its ``Total`` breakdown; the number of other breakdowns is
    counted): first and last year, years with a value, the years that are gaps (and
    why, in short), the count of each basis, and the sources. A measure whose table is
    not loaded is listed with the reason, never dropped.
    """
    from msp_analysis import series
    from msp_analysis.sources._parsing import year_ranges
    from msp_analysis.tables import MissingSource

    rows: list[dict[str, object]] = []
    for name in series.measures():
        try:
            s = series.series(tables, name, la_code=la_code)
        except MissingSource as exc:
            rows.append({"measure": name, "years": "", "gaps": str(exc).split(":")[0]})
            continue
        total = s[s["breakdown"] == "Total"] if (s["breakdown"] == "Total").any() else s
        have = total[total["value"].notna()]
        gaps = total[total["value"].isna()]
        bases = total["basis"].value_counts()
        labels = dict(zip(total["year"], total["year_label"]))
        rows.append(
            {
                "measure": name,
                "unit": total["unit"].iloc[0] if len(total) else "",
                "years": f"{total['year_label'].min()} to {total['year_label'].max()}"
                if len(total)
                else "",
                "years_with_value": int(have["year"].nunique()),
                "gaps": "; ".join(
                    f"{year_ranges(g['year'], labels.get)} ({b})"
                    for b, g in gaps.groupby("basis", sort=False)
                ),
                "basis": "; ".join(f"{b} {n}" for b, n in bases.items()),
                "other_breakdowns": int(s.loc[s["breakdown"] != "Total", "breakdown"].nunique()),
                "sources": ", ".join(sorted(set(have["source"]) - {""})),
            }
        )
    return pd.DataFrame(rows)
