"""`make bench`: time one council's plan (HTML + PDF) and a batch of councils on this machine.

The full all-council batch takes a long time on two cores; ``--sample N`` times N councils
and extrapolates to all of them, and the JSON says which was done.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path

from msp_analysis import report

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--la", default="E06000054")
    ap.add_argument(
        "--sample", type=int, default=0, help="time this many councils and extrapolate (0 = all)"
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as out:
        report.build(args.la, raw_dir=args.raw, out_dir=out)  # warm the processed-table cache
        start = time.perf_counter()
        one = report.build(args.la, raw_dir=args.raw, out_dir=out)
        one_s = time.perf_counter() - start
        councils = report.councils_in(args.raw)
        chosen = councils[: args.sample] if args.sample else councils
        start = time.perf_counter()
        result = report.build_all(
            raw_dir=args.raw, out_dir=Path(out) / "all", councils=chosen, progress=False
        )
        batch_s = time.perf_counter() - start
    res = {
        "raw_dir": Path(args.raw).name,
        "one_council": args.la,
        "one_council_s": round(one_s, 1),
        "one_council_pdf": bool(one["pdf"]),
        "cores": os.cpu_count(),
        "batch_councils": len(chosen),
        "batch_built": result["built"],
        "batch_failed": [f["la_code"] for f in result["failed"]],
        "batch_s": round(batch_s, 1),
        "all_councils": len(councils),
        "all_councils_s": round(batch_s * len(councils) / len(chosen), 0),
        "all_councils_measured": not args.sample,
        "goal_one_council_s": 60,
        "goal_all_councils_s": 600,
        "peak_rss_mib_children": round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
        ),
    }
    path = ROOT / "benchmarks" / "results" / "bench_report.json"
    path.write_text(json.dumps(res, indent=2) + "\n")
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
