"""`make bench`: time `msp data` on a folder of published files against a bare pandas read.

Writes benchmarks/results/bench_data.json. The bare read opens every file the readers
know with pandas alone (all sheets, no cleaning): the floor any reader has to pay.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def bare_read(raw: Path) -> float:
    start = time.perf_counter()
    for p in sorted(raw.iterdir()):
        if p.suffix.lower() in {".xlsx", ".xls", ".ods"}:
            pd.read_excel(p, sheet_name=None, header=None, engine="calamine")
        elif p.suffix.lower() == ".csv":
            pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return time.perf_counter() - start


def run_build(raw: Path) -> tuple[float, float]:
    """Wall time and peak RSS (MiB) of `msp data` in a fresh process."""
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "msp_analysis.cli",
                "data",
                "--raw",
                str(raw),
                "--out",
                out,
                "-q",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        wall = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, peak_kib / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    raw = Path(args.raw)
    bare = min(bare_read(raw) for _ in range(args.repeat))
    builds = [run_build(raw) for _ in range(args.repeat)]
    wall = min(b[0] for b in builds)
    peak = max(b[1] for b in builds)
    # the build's own import and start-up, measured separately
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "import msp_analysis.store, msp_analysis.cli"], check=True
    )
    startup = time.perf_counter() - start
    result = {
        "raw_dir": raw.name,
        "files": len(
            [p for p in raw.iterdir() if p.suffix.lower() in {".xlsx", ".xls", ".ods", ".csv"}]
        ),
        "bare_pandas_read_s": round(bare, 2),
        "msp_data_s": round(wall, 2),
        "msp_data_startup_s": round(startup, 2),
        "ratio": round(wall / bare, 2),
        "ratio_excluding_startup": round((wall - startup) / bare, 2),
        "peak_rss_mib": round(peak, 1),
        "goal_ratio": 2.0,
        "repeat": args.repeat,
    }
    out = ROOT / "benchmarks" / "results" / "bench_data.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
