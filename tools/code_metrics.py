"""Size and tidiness figures of the package, for the before/after tables of a clean-up.

Counts, over every ``.py`` file under ``msp_analysis/`` (or the folder given):

- files and lines (every line, blank and comment lines included, as ``wc -l`` counts them);
- modules over 500 lines, largest first;
- functions and methods over 80 lines (``def`` line to last line, decorators excluded), longest first;
- imports inside a function body (``import``/``from ... import`` anywhere under a ``def``);
- with ``--duplicates``, the pairs the ``duplicates`` command lists for the folder, if it is on PATH.

    python tools/code_metrics.py                   # summary + the largest modules and functions
    python tools/code_metrics.py --json            # the same figures as JSON
    python tools/code_metrics.py --duplicates      # add the duplicates pair count
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULE_LINES_LIMIT = 500
FUNCTION_LINES_LIMIT = 80


@dataclass
class Metrics:
    files: int = 0
    lines: int = 0
    modules_over_limit: list[tuple[str, int]] = field(default_factory=list)
    functions_over_limit: list[tuple[str, int]] = field(default_factory=list)
    local_imports: int = 0
    duplicate_pairs: int | None = None


def _functions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Every def, nested helpers too (each is read on its own)."""
    return [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def measure(package: Path) -> Metrics:
    m = Metrics()
    for path in sorted(package.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        n_lines = len(text.splitlines())
        rel = path.relative_to(package.parent).as_posix()
        m.files += 1
        m.lines += n_lines
        if n_lines > MODULE_LINES_LIMIT:
            m.modules_over_limit.append((rel, n_lines))
        tree = ast.parse(text, filename=str(path))
        for fn in _functions(tree):
            length = (fn.end_lineno or fn.lineno) - fn.lineno + 1
            if length > FUNCTION_LINES_LIMIT:
                m.functions_over_limit.append((f"{rel}:{fn.name}", length))
        m.local_imports += _count_local_imports(tree)
    m.modules_over_limit.sort(key=lambda t: -t[1])
    m.functions_over_limit.sort(key=lambda t: -t[1])
    return m


def _count_local_imports(tree: ast.AST) -> int:
    """Imports under any def, each counted once even when defs nest."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for sub in ast.walk(node):
                if isinstance(sub, (ast.Import, ast.ImportFrom)):
                    inside.add(id(sub))
    return len(inside)


def duplicate_pairs(package: Path) -> int | None:
    """The pair count of the ``duplicates`` command on the folder (None when it is not installed)."""
    exe = shutil.which("duplicates")
    if exe is None:
        return None
    out = subprocess.run(
        [exe, "--most", "1", "--seconds", "120"],
        cwd=package,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    first = out.splitlines()[0] if out else ""
    if first.startswith("no duplicates"):
        return 0
    match = re.match(r"(\d+) pairs? of places", first)
    return int(match.group(1)) if match else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", nargs="?", type=Path, default=ROOT / "msp_analysis")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--duplicates", action="store_true", help="count duplicates pairs too")
    parser.add_argument("--top", type=int, default=10, help="largest modules/functions to list")
    args = parser.parse_args(argv)
    m = measure(args.package)
    if args.duplicates:
        m.duplicate_pairs = duplicate_pairs(args.package)
    if args.json:
        print(json.dumps(asdict(m), indent=1))
        return 0
    print(
        f"files {m.files}  lines {m.lines:,}  modules>{MODULE_LINES_LIMIT} "
        f"{len(m.modules_over_limit)}  functions>{FUNCTION_LINES_LIMIT} "
        f"{len(m.functions_over_limit)}  local imports {m.local_imports}"
        + (f"  duplicates pairs {m.duplicate_pairs}" if m.duplicate_pairs is not None else "")
    )
    for title, rows in (
        ("largest modules", m.modules_over_limit),
        ("longest functions", m.functions_over_limit),
    ):
        print(f"{title}:")
        for name, n in rows[: args.top]:
            print(f"  {n:5d}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
