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
    """The package's code, templates and shipped files (path, size and modification time of
    each: cheap, and changed by any edit or new install)."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            st = p.stat()
            h.update(f"{p.relative_to(root).as_posix()}|{st.st_size}|{st.st_mtime_ns}\n".encode())
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
    files are all there (None otherwise: it is built again)."""
    folder = out_dir / la_code
    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if summary.get(KEY) != key or not (folder / str(summary.get("html") or "plan.html")).is_file():
        return None
    for wanted, field in ((pdf, "pdf"), (docx, "docx")):
        if wanted and summary.get(field) and not (folder / summary[field]).is_file():
            return None
    return summary
