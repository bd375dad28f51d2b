"""One table from every file's piece, and the written rule for which release wins where two
files publish the same observation (:func:`release_of`); observations whose figures differ
are reported as conflicts."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from msp_analysis.schemas import TABLE_KEYS

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

_REVISION = re.compile(
    r"(?:^|[^a-z0-9])(?:v(?:ersion)?[\s_-]?(\d{1,2})|(revised|revision|corrected|updated))(?=$|[^a-z0-9])",
    re.I,
)
_PUBLISHED = re.compile(
    r"(?:published|released|publication date)\D{0,12}(\d{1,2}\s+[A-Z][a-z]+\s+\d{4}|\d{4}-\d{2}-\d{2})",
)


def revision_of(text: str) -> int:
    """Revision marker in a file name or title: 'v2' -> 2, 'revised'/'corrected' -> 1, else 0.

    >>> revision_of("ascof_measures_2020-21_open_data_v2.xlsx"), revision_of("T34 (revised)")
    (2, 1)
    """
    best = 0
    for m in _REVISION.finditer(str(text)):
        best = max(best, int(m.group(1)) if m.group(1) else 1)
    return best


def release_of(frame: pd.DataFrame, file: str, titles: list[str] | tuple = ()) -> tuple:
    """The written rule for which of two files publishing the same observation wins.

    Compared in order, the larger wins:

    1. the latest data year the file covers (a 2022-23 release that repeats 2021-22
       figures supersedes the 2021-22 release);
    2. its publication date, where the file states one (a ``publication_date`` or
       ``release_date`` column a reader kept, or 'Published 12 May 2023' in one of the
       file's table titles);
    3. its revision marker: 'v2', 'version 3', 'revised', 'corrected', 'updated' in the
       file name or a table title (v2 beats v1 beats none).

    ``titles`` are the titles of the file's tables as published (the ``title`` column of
    a reader's raw frame, or its ``attrs['title']``; the build records them per file).

    When all three tie, neither file says which is later: the build keeps the first by
    content hash (stable, never by name) and reports the conflict as undecided.

    Returns:
        A tuple ``(latest_year, publication_date ISO text or '', revision)``.
    """
    import pandas as pd

    years = frame["year"].dropna() if "year" in frame else pd.Series(dtype="Int64")
    latest = int(years.max()) if len(years) else 0
    published = ""
    if "release_date" in frame:  # a file-level release date a reader kept
        dates = pd.to_datetime(frame["release_date"], errors="coerce").dropna()
        if len(dates):
            published = dates.max().date().isoformat()
    titles = [str(t) for t in titles]
    for t in titles:
        m = _PUBLISHED.search(t)
        if m:
            date = pd.to_datetime(m.group(1), errors="coerce", dayfirst=True)
            if pd.notna(date):
                published = max(published, date.date().isoformat())
    revision = max([revision_of(file), *(revision_of(t) for t in titles)])
    return (latest, published, revision)


def merge(table: str, parts: list) -> tuple[pd.DataFrame, dict[str, int], list[dict]]:
    """One table from every file's piece; where files share an observation, the later
    release (:func:`release_of`) wins and differing figures are reported."""
    import pandas as pd

    keys = TABLE_KEYS[table]
    # the winning release first; content hash (never the name) only orders exact ties
    ordered = sorted(parts, key=lambda p: (p[0], p[1]), reverse=True)
    if len(ordered) == 1:
        return ordered[0][2].reset_index(drop=True), {}, []
    frame = pd.concat([p[2] for p in ordered], ignore_index=True)
    dup = repeated(frame, keys, [len(p[2]) for p in ordered])
    if not dup.any():
        return frame, {}, []
    superseded = frame.loc[dup, "source_file"].value_counts().to_dict()
    conflicts = _conflicts(
        table, frame, keys, dup, {p[2]["source_file"].iat[0]: p[0] for p in ordered if len(p[2])}
    )
    log.info(
        "%s: %d observations also in a later release; the later release is kept",
        table,
        int(dup.sum()),
    )
    return frame[~dup].reset_index(drop=True), {k: int(v) for k, v in superseded.items()}, conflicts


def repeated(frame: pd.DataFrame, keys: list[str], sizes: list[int]) -> pd.Series:
    """``frame.duplicated(keys, keep="first")`` for a frame of parts stacked in order (each
    part's keys unique, as its schema checked), looking only at rows that can repeat: those
    whose year and table (cheap labels to group by) more than one part publishes."""
    import numpy as np
    import pandas as pd

    block = [k for k in ("year", "table_ref", "form") if k in keys]
    if not block or len(sizes) < 2 or not len(frame):
        return frame.duplicated(keys, keep="first")
    part = np.repeat(np.arange(len(sizes)), sizes)
    group = np.zeros(len(frame), dtype="int64")
    for k in block:
        codes = pd.factorize(frame[k], use_na_sentinel=False)[0]
        group = pd.factorize(group * (codes.max() + 1) + codes)[0]
    shared = pd.Series(part).groupby(group).nunique().to_numpy()[group] > 1
    dup = np.zeros(len(frame), dtype=bool)
    if shared.any():
        dup[shared] = frame.loc[shared, keys].duplicated(keep="first").to_numpy()
    return pd.Series(dup, index=frame.index)


def _conflicts(table, frame, keys, dup, releases) -> list[dict]:
    """Pairs of files that publish the same observations with different figures."""
    winners = frame[~dup & frame.duplicated(keys, keep=False)]
    losers = frame[dup]
    if not len(losers) or "value" not in frame:
        return []
    cols = [*keys, "source_file", "value"]
    pair = losers[cols].merge(winners[cols], on=keys, suffixes=("_lost", "_won"))
    same = (pair["value_lost"] == pair["value_won"]) | (
        pair["value_lost"].isna() & pair["value_won"].isna()
    )
    differ = pair[~same]
    out = []
    for (lost, won), g in differ.groupby(["source_file_lost", "source_file_won"]):
        rule = _which_rule(releases.get(won), releases.get(lost))
        ex = g.iloc[0]
        out.append(
            {
                "table": table,
                "kept": won,
                "dropped": lost,
                "observations": len(g),
                "rule": rule,
                "example": {
                    **{k: (None if pd_isna(ex[k]) else str(ex[k])) for k in keys},
                    "value_kept": None if pd_isna(ex["value_won"]) else float(ex["value_won"]),
                    "value_dropped": None if pd_isna(ex["value_lost"]) else float(ex["value_lost"]),
                },
            }
        )
        log.warning(
            "%s: %s and %s publish %d of the same observations with different figures; "
            "kept %s (%s)",
            table,
            won,
            lost,
            len(g),
            won,
            rule,
        )
    return out


def pd_isna(v) -> bool:
    import pandas as pd

    return bool(pd.isna(v))


def _which_rule(won, lost) -> str:
    if won is None or lost is None:
        return "undecided: release unknown"
    names = ("later data year", "later publication date", "later revision marker")
    for name, a, b in zip(names, won, lost, strict=True):
        if a != b:
            return f"{name} ({a} over {b})"
    return "undecided: neither file says which is later (kept the first by content hash)"
