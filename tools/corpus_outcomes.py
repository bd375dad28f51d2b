"""What ``msp data`` does with each case of the corruption corpus (run by hand).

Classifies every case of ``tests/corruption_corpus.py`` by what the build did, whatever the
case expects: ``error`` (exit 1 naming the file; ``error, rows lost`` when the rows the file
gave the previous build are gone), ``same`` (exit 0, every row from the file as before),
``flag`` (exit 0, only flagged cells differ) or ``silent`` (exit 0, rows wrong or gone,
nothing said). Run it on another checkout's code to see the outcomes before a change:

    PYTHONPATH=/path/to/other/checkout python tools/corpus_outcomes.py ../shared/data OUT.csv

Prints one line per case and the counts; writes them to OUT.csv when given.
"""

from __future__ import annotations

import contextlib
import io
import logging
import shutil
import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def _rows(folder: Path, table: str, file: str) -> pd.DataFrame:
    from msp_analysis import store

    path = store.resolve(folder) / f"{table}.parquet"
    if not path.exists():
        return pd.DataFrame()
    frame = pd.read_parquet(path)
    frame = frame[frame["source_file"] == file]
    drop = [c for c in ("source_file", "source_column") if c in frame]
    frame = frame.drop(columns=drop)
    return frame.sort_values(list(frame.columns[:12])).reset_index(drop=True).astype(object)


def outcome(case, copy: Path, shared: Path, previous: Path, tmp: Path) -> tuple[str, str]:
    """(outcome, the build's last line of output) for one case."""
    import corruption_corpus as C

    from msp_analysis import cli

    raw = tmp / "raw"
    raw.mkdir()
    if copy is not None and not case.absent:
        shutil.copy(copy, raw / case.filename())
    bases = sorted({c.base for c in C.CASES} | set(C.TABLES))
    for name in bases:
        if name != case.base:
            (raw / name).symlink_to(shared / name)
    out = tmp / "processed"
    shutil.copytree(previous, out, symlinks=True)  # as the checkout's own code left it
    text = io.StringIO()
    handler = logging.StreamHandler(text)
    logging.getLogger().addHandler(handler)
    try:
        with contextlib.redirect_stdout(text), contextlib.redirect_stderr(text):
            code = cli.main(["data", "--raw", str(raw), "--out", str(out), "--quiet", *case.args])
    finally:
        logging.getLogger().removeHandler(handler)
    said = text.getvalue()
    tables = C.TABLES[case.base]
    before = {t: _rows(previous, t, case.base) for t in tables}
    after = {t: _rows(out, t, case.filename()) for t in tables}
    if code != 0:
        named = f"'{case.filename()}'" in said
        kept = all(before[t].equals(_rows(out, t, case.base)) for t in tables)
        kind = "error" if named else "error, file not named"
        return (kind if kept else f"{kind}, rows lost"), _last(said)
    if all(before[t].equals(after[t]) for t in tables):
        return "same", _last(said)
    flagged_only = all(
        len(before[t]) == len(after[t])
        and before[t]
        .drop(columns=["value", "suppressed", "marker"])
        .equals(after[t].drop(columns=["value", "suppressed", "marker"]))
        and (before[t]["value"].ne(after[t]["value"]) & after[t]["value"].notna()).sum() == 0
        for t in tables
    )
    if flagged_only:
        return "flag", _last(said)
    return ("warn" if "not the published file" in said else "silent"), _last(said)


def _last(text: str) -> str:
    lines = [x for x in text.strip().splitlines() if x.strip()]
    problems = [x for x in lines if "error" in x.lower() or x.startswith("  - ") or "warn" in x]
    return (problems or lines or [""])[-1][:160]


def main(shared: Path, csv: Path | None = None) -> None:
    import corruption_corpus as C

    from msp_analysis import store

    logging.basicConfig(level=logging.WARNING)
    root = Path(tempfile.mkdtemp(prefix="corpus-"))
    try:
        good = root / "good"
        good.mkdir()
        for name in sorted({c.base for c in C.CASES} | set(C.TABLES)):
            (good / name).symlink_to(shared / name)
        previous = root / "previous"
        store.build(good, previous, progress=False)
        rows = []
        for case in C.CASES:
            folder = root / case.name
            copy = C.write(case, shared, folder / "copy")
            got, said = outcome(case, copy, shared, previous, folder)
            rows.append(
                {"case": case.name, "category": case.category, "outcome": got, "said": said}
            )
            print(f"{case.name:<32} {got:<24} {said}", flush=True)
            shutil.rmtree(folder, ignore_errors=True)
        table = pd.DataFrame(rows)
        print(table["outcome"].value_counts().to_string())
        if csv:
            table.to_csv(csv, index=False)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None)
