"""The corruption corpus: corrupted copies of the real files through ``msp data``.

For every case in :mod:`corruption_corpus` (damaged, truncated, encrypted, re-encoded,
missing tables, deleted or renamed columns, moved or relabelled headers, lost rows,
unknown codes, impossible values, formulas without values), ``msp data`` is run
in-process on a raw folder holding the bad copy (under its published name, as a bad
download would be) and one good file, with a processed folder that already holds a good
build. Each case must end one of two ways:

- ``error``: exit non-zero with a message naming the file and where (sheet, column,
  row); the rows that file gave the previous build are still there, unchanged;
- ``flag``: the build succeeds, the damaged cell is missing with its marker, and every
  other figure from that file is exactly as before.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import corruption_corpus as C

from msp_analysis import cli, store
from msp_analysis.schemas import TABLE_KEYS

pytestmark = pytest.mark.integration

BASES = sorted({c.base for c in C.CASES} | {C.NOMIS_CSV, C.CQC_CSV} | set(C.TABLES))


@pytest.fixture(scope="session")
def corpus(shared_data, tmp_path_factory) -> dict[str, Path]:
    """Every corrupted copy, written once per session, each in its own folder."""
    root = tmp_path_factory.mktemp("corpus")
    return {c.name: C.write(c, shared_data, root / c.name) for c in C.CASES}


@pytest.fixture(scope="session")
def previous(shared_data, tmp_path_factory) -> Path:
    """A good build of every base file: the tables a bad file must not disturb."""
    raw = tmp_path_factory.mktemp("corpus_good_raw")
    for name in BASES:
        (raw / name).symlink_to(shared_data / name)
    out = tmp_path_factory.mktemp("corpus_previous")
    result = store.build(raw, out, progress=False)
    assert result.ok, result.failures
    return out


def _rows_from(folder: Path, table: str, file: str) -> pd.DataFrame:
    path = store.resolve(folder) / f"{table}.parquet"
    if not path.exists():
        return pd.DataFrame()
    frame = pd.read_parquet(path)
    frame = frame[frame["source_file"] == file]
    # in the order of their keys (a column inserted before a figure moves its source column)
    keys = [k for k in TABLE_KEYS[table] if k in frame]
    order = keys + [c for c in ("source_sheet", "source_row", "source_column") if c in frame]
    frame = frame.sort_values(order).reset_index(drop=True)
    # Compared as published values: a column's dtype may differ with the other files built.
    return frame.astype(object).where(frame.notna(), None)


def _run(case: C.Case, copy: Path, shared: Path, previous: Path, tmp: Path, capsys, caplog):
    """``msp data`` on the files of the previous build, the case's base file replaced by
    its corrupted copy."""
    raw = tmp / "raw"
    raw.mkdir()
    if not case.absent:
        shutil.copy(copy, raw / case.filename())
    for name in BASES:
        if name != case.base:
            (raw / name).symlink_to(shared / name)
    out = tmp / "processed"
    shutil.copytree(previous, out)
    code = cli.main(["data", "--raw", str(raw), "--out", str(out), "--quiet", *case.args])
    captured = capsys.readouterr()
    # what the command printed, and what it logged (pytest holds the log handlers)
    return code, captured.out + captured.err + caplog.text, out


@pytest.mark.parametrize("case", C.CASES, ids=[c.name for c in C.CASES])
def test_corrupted_copy(case, corpus, previous, shared_data, tmp_path, capsys, caplog):
    code, output, out = _run(
        case, corpus[case.name], shared_data, previous, tmp_path, capsys, caplog
    )
    if case.expect == "error":
        assert code != 0, f"{case.name} built with exit 0:\n{output}"
        failed = output[output.index("FAILED") :] if "FAILED" in output else output
        assert f"file '{case.filename()}'" in failed, failed
        for where in case.where:
            assert where in failed, f"{where!r} not in:\n{failed}"
        assert "this is a bug" not in failed, failed
        for table in C.TABLES[case.base]:
            before = _rows_from(previous, table, case.base)
            after = _rows_from(out, table, case.base)
            assert len(before), f"the good build has no {table} rows from {case.base}"
            pd.testing.assert_frame_equal(after, before)
    elif case.expect == "same":
        assert code == 0, output
        for words in case.where:
            assert words in output, f"{words!r} not in:\n{output}"
        for table in C.TABLES[case.base]:
            before = _rows_from(previous, table, case.base).drop(columns=list(case.moves))
            after = _rows_from(out, table, case.filename()).drop(columns=list(case.moves))
            assert len(before), f"the good build has no {table} rows from {case.base}"
            pd.testing.assert_frame_equal(
                after.drop(columns="source_file"), before.drop(columns="source_file")
            )
    elif case.expect == "warn":
        assert code == 0, output
        for words in case.where:
            assert words in output, f"{words!r} not in:\n{output}"
        listed = store.manifest(out)["unpublished"]
        assert [u["file"] for u in listed] == [case.filename()]
        assert listed[0]["published_sha256"] != listed[0]["sha256"]
    else:
        assert code == 0, output
        changed = 0
        for table in C.TABLES[case.base]:
            before = _rows_from(previous, table, case.base)
            after = _rows_from(out, table, case.base)
            assert len(after) == len(before)
            flagged = after["marker"].eq("[no cached value]")
            changed += int(flagged.sum())
            assert after.loc[flagged, "value"].isna().all()  # None: missing, never a number
            assert after.loc[flagged, "suppressed"].all()
            pd.testing.assert_frame_equal(
                after[~flagged.to_numpy()].reset_index(drop=True),
                before[~flagged.to_numpy()].reset_index(drop=True),
            )
        # T43 G160 (Wiltshire, 18-64 residential) is the one formula cell.
        assert changed == 1


def test_corpus_covers_every_category_and_format():
    categories = {c.category for c in C.CASES}
    assert {
        "truncated",
        "zero-byte",
        "encrypted",
        "missing-table",
        "encoding",
        "delimiter",
        "column-deleted",
        "column-renamed",
        "header-moved",
        "header-year",
        "rows-dropped",
        "code",
        "negative",
        "magnitude",
        "formula",
        "column-label",
        "no-figures-column",
        "code-case",
        "extension",
        "file-gone",
        "not-published",
    } <= categories
    assert {c.fmt for c in C.CASES} == {"xlsx", "xls", "ods", "csv"}
    for fmt in ("xlsx", "xls", "ods", "csv"):
        assert len({c.category for c in C.CASES if c.fmt == fmt}) >= 5, fmt
