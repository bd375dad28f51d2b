"""A batch that resumes: a plan already built for the same data build, scenarios, settings
and code is kept (``msp report --all`` says how many; ``--force`` rebuilds every one).

Each plan's ``summary.json`` records the key it was built under (:func:`plan_key`): the data
build's version (its name is the fingerprint of every file's content and the readers'
code), the content of the scenario, actions and evidence files, the horizon, whether a PDF
was printed and a Word draft written, and the package's code (every file, templates and notebook included).
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

#: the summary field holding the key a plan was built under
KEY = "build_key"


@lru_cache(maxsize=1)
def package_key() -> str:
    """The plans' code key: the path and content of every file of the package (code, the
    plan's templates, styles and notebook, shipped workbooks; about 10 ms), by the rule of
    :mod:`msp_analysis.cache`, never sizes or modification times: a fresh install or a copy
    of the same code keeps the plans, any edit builds them again. (The ``package`` key of
    derived results leaves out templates and styles, which change no figure.)"""
    from msp_analysis.cache import PACKAGE_DIR

    h = hashlib.sha256()
    files = (p for p in PACKAGE_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for p in sorted(files, key=lambda p: p.relative_to(PACKAGE_DIR).as_posix()):
        h.update(p.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def _content(path: str | Path | None) -> str:
    if not path:
        return "-"
    p = Path(path)
    return f"{p.name}:{hashlib.sha256(p.read_bytes()).hexdigest()}" if p.is_file() else str(p)


def plan_key(
    *,
    data_version: str,
    scenarios: list[str] | None,
    actions_file: str | Path | None,
    evidence_file: str | Path | None,
    horizon: int,
    pdf: bool,
    docx: bool = True,
) -> str:
    """The key of a plan built from this data build, with these settings, by this code."""
    from msp_analysis import resources
    from msp_analysis.forecast.scenarios import default_dir

    files = [Path(s) for s in scenarios] if scenarios else sorted(default_dir().glob("*.yml"))
    parts = [
        f"data={data_version}",
        f"code={package_key()}",
        *(f"scenario={_content(f)}" for f in files),
        f"actions={_content(actions_file or resources.actions_file())}",
        f"evidence={_content(evidence_file)}",
        f"horizon={horizon}",
        f"pdf={bool(pdf)}",
        f"docx={bool(docx)}",
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:20]


def kept(out_dir: Path, la_code: str, key: str, *, pdf: bool, docx: bool = True) -> dict | None:
    """The summary of ``<out_dir>/<la_code>`` when that plan was built under ``key`` and its
    files are all there, the PDF and Word draft too when they are wanted (``pdf``: a PDF
    engine is there to print it); None otherwise: it is built again."""
    folder = out_dir / la_code
    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if summary.get(KEY) != key or not (folder / str(summary.get("html") or "plan.html")).is_file():
        return None
    for wanted, field in ((pdf, "pdf"), (docx, "docx")):
        # wanted but not written (its printing failed) or gone since: built again
        if wanted and not (summary.get(field) and (folder / summary[field]).is_file()):
            return None
    return summary
