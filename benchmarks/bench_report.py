"""`make bench`: one council's plan (HTML + PDF) on a warm data cache, a batch of councils, and
how fast a mistake is answered; medians of 3, the machine's load, and where the time goes.

Writes ``benchmarks/results/bench_report.json``. ``--sample N`` times N councils of the batch
and extrapolates to all of them (the JSON says which was done). ``--before FILE`` copies the
"after" block of an earlier run (for example one made on the commit before a change, in the
same session) into "before", so one file shows both.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from msp_analysis import report

ROOT = Path(__file__).resolve().parents[1]
MSP = str(Path(sys.executable).with_name("msp"))


def _load() -> list[float]:
    """1-, 5- and 15-minute load averages (the machine is shared while we measure)."""
    return [round(x, 2) for x in os.getloadavg()]


def _median_run(argv: list[str], n: int = 3) -> tuple[float, list[float]]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, text=True, check=False)
        times.append(round(time.perf_counter() - start, 2))
    return statistics.median(times), times


def _cell_profile(notebook: Path) -> list[dict]:
    nb = json.loads(notebook.read_text())
    rows = []
    for cell in nb["cells"]:
        seconds = (cell.get("metadata", {}).get("papermill") or {}).get("duration")
        if seconds and seconds >= 0.05:
            first = "".join(cell["source"]).strip().splitlines()
            rows.append({"cell": first[-1][:60] if first else "", "seconds": round(seconds, 2)})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--la", default="E06000054")
    ap.add_argument(
        "--sample", type=int, default=0, help="time this many councils and extrapolate (0 = all)"
    )
    ap.add_argument("--before", help="an earlier bench_report.json whose 'after' is the baseline")
    args = ap.parse_args()
    res: dict = {"load_average_start": _load(), "cores": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="msp-bench-") as out:
        # warm the processed-table cache and the derived backtest, then time the command itself
        warm = report.build(args.la, raw_dir=args.raw, out_dir=out)
        one_cmd = [MSP, "report", "--la", args.la, "--raw", args.raw, "--out", out]
        one_median, one_runs = _median_run(one_cmd)
        summary = json.loads((Path(out) / args.la / "summary.json").read_text())
        profile = {
            "phases_s": summary.get("timings_s"),
            "notebook_cells_s": _cell_profile(Path(out) / args.la / "plan.ipynb"),
        }
        # mistakes answered before any kernel starts
        mistakes = {
            "unknown council": [MSP, "report", "--la", "Wiltshir3", "--raw", args.raw],
            "horizon 0": [MSP, "report", "--la", args.la, "--horizon", "0"],
            "missing raw folder": [MSP, "market", "--la", args.la, "--raw", "/nonexistent"],
            "real council on DEMO fallback": [MSP, "market", "--la", args.la],
        }
        mistake_s = {k: _median_run(v)[0] for k, v in mistakes.items()}
        councils = report.councils_in(args.raw)
        chosen = councils[: args.sample] if args.sample else councils
        start = time.perf_counter()
        result = report.build_all(
            raw_dir=args.raw, out_dir=Path(out) / "all", councils=chosen, progress=False
        )
        batch_s = time.perf_counter() - start
        left = subprocess.run(
            ["pgrep", "-f", "msp-chromium-"], capture_output=True, text=True
        ).stdout.split()
    res.update(
        {
            "raw_dir": Path(args.raw).name,
            "one_council": args.la,
            "one_council_pdf": bool(warm["pdf"]),
            "after": {
                "one_council_s_median_of_3": one_median,
                "one_council_runs_s": one_runs,
                "one_council_profile": profile,
                "mistake_answer_s_median_of_3": mistake_s,
                "batch_councils": len(chosen),
                "batch_built": result["built"],
                "batch_failed": [f["la_code"] for f in result["failed"]],
                "batch_s": round(batch_s, 1),
                "all_councils": len(councils),
                "all_councils_s": round(batch_s * len(councils) / max(len(chosen), 1), 0),
                "all_councils_measured": not args.sample,
                "peak_rss_mib_largest_child": round(
                    resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
                ),
                "browser_processes_left": len(left),
            },
            "goals": {"one_council_s": 10, "all_councils_s": 300, "worker_rss_mib": 1024},
            "load_average_end": _load(),
        }
    )
    path = ROOT / "benchmarks" / "results" / "bench_report.json"
    if args.before:
        res["before"] = json.loads(Path(args.before).read_text()).get("after")
    elif path.exists():
        res["before"] = json.loads(path.read_text()).get("before")
    path.write_text(json.dumps(res, indent=2) + "\n")
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
