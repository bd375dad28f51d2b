"""`make bench`: one council's plan (HTML + PDF) on a warm data cache, a batch of councils, and
how fast a mistake is answered; medians of 3, the machine's load, and where the time goes.

Writes ``benchmarks/results/bench_report.json``. The batch is the command itself (``msp report
--all``), its process tree sampled every 0.2 s for the peak memory of each process (parent, the
short-lived process computing what all plans share, workers, kernels, Chromium) and of each
worker with its kernel and browser. ``--all`` times every council (``all_councils_measured``);
``--sample N`` times N councils and extrapolates. The batch ends with the national insights
report (``national_report_s``, as the batch printed it); ``msp insights`` is then timed again
on the batch's plans (``insights_s_median_of_3``: reading every plan's stored facts, HTML and
PDF). ``--keep DIR`` keeps the batch's plans and national report in DIR (to look at them).
``--cold`` first removes this code version's
derived results (``<processed>/derived/<code key>/``), so the batch computes them, as the first
batch after a data or code change does. ``--before FILE`` copies the
"after" block of an earlier run (for example one made on the commit before a change, in the
same session) into "before", so one file shows both.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from msp_analysis import cache, report

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


def _kind(cmdline: list[str]) -> str:
    text = " ".join(cmdline)
    if "chromium" in text or "chrome" in text:
        return "chromium"
    if "ipykernel" in text:
        return "kernel"
    if "spawn_main" in text:
        return "worker"
    return "other"


def _run_sampled(argv: list[str]) -> dict:
    """Run ``argv``; sample its process tree's memory every 0.2 s; peaks per process and tree."""
    import psutil

    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    root = psutil.Process(proc.pid)
    peak: dict[int, int] = {}
    info: dict[int, tuple[str, int]] = {}
    tree_peak = 0
    worker_peak: dict[int, int] = {}  # a worker with its kernel and browser, at one moment
    worker_pss: dict[int, int] = {}  # the same in PSS: shared pages split between sharers
    while proc.poll() is None:
        try:
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            break
        now: dict[int, int] = {}
        now_pss: dict[int, int] = {}
        for p in procs:
            try:
                rss = p.memory_info().rss
                with contextlib.suppress(AttributeError, psutil.Error):  # Linux: PSS
                    now_pss[p.pid] = p.memory_full_info().pss
                if p.pid not in info:
                    kind = "parent" if p.pid == proc.pid else _kind(p.cmdline())
                    info[p.pid] = (kind, p.ppid())
            except psutil.Error:
                continue
            now[p.pid] = rss
            peak[p.pid] = max(peak.get(p.pid, 0), rss)
        tree_peak = max(tree_peak, sum(now.values()))
        for pid in now:
            if info[pid][0] == "worker":
                top, total, total_pss = pid, 0, 0
                for q, rss in now.items():
                    up = q
                    while up in info and up != top:
                        up = info[up][1]
                    total += rss if up == top else 0
                    total_pss += now_pss.get(q, 0) if up == top else 0
                worker_peak[pid] = max(worker_peak.get(pid, 0), total)
                worker_pss[pid] = max(worker_pss.get(pid, 0), total_pss)
        time.sleep(0.2)
    out, err = proc.communicate()
    seconds = time.perf_counter() - start
    mib = 1 << 20
    children: dict[int, list[int]] = {}
    for pid, (_, ppid) in info.items():
        children.setdefault(ppid, []).append(pid)
    by_kind: dict[str, list[float]] = {}
    for pid, rss in peak.items():
        kind = info[pid][0]
        if kind == "worker" and not children.get(pid):  # no kernel: what all plans share
            kind = "shared results (before the workers)"
        by_kind.setdefault(kind, []).append(round(rss / mib, 1))

    workers = [pid for pid, (kind, _) in info.items() if kind == "worker" and children.get(pid)]
    worker_trees = sorted((round(worker_peak[w] / mib, 1) for w in workers), reverse=True)
    worker_trees_pss = sorted((round(worker_pss[w] / mib, 1) for w in workers), reverse=True)
    national = [line for line in out.splitlines() if line.startswith("National insights:")]
    return {
        "returncode": proc.returncode,
        "seconds": round(seconds, 1),
        "last_line": out.strip().splitlines()[0] if out.strip() else err.strip()[-300:],
        "national_line": national[0] if national else None,
        "processes": len(peak),
        "pids": sorted(info),  # the batch's processes (not written: see _browsers_left)
        "peak_rss_mib_by_process_kind": {
            k: sorted(v, reverse=True)[:8] for k, v in by_kind.items()
        },
        # RSS summed over a worker, its kernel and its Chromium processes at the same moment
        # (pages shared between Chromium's processes are counted in each: an upper bound)
        "peak_rss_mib_per_worker_tree": worker_trees,
        # the same in PSS (each shared page split between the processes sharing it): the
        # memory a worker's tree really takes
        "peak_pss_mib_per_worker_tree": worker_trees_pss,
        "peak_rss_mib_whole_tree": round(tree_peak / mib, 1),
    }


def _browsers_left(pids: list[int]) -> list[int]:
    """Browser processes still running that a process of the batch started: each names its
    profile folder ``msp-chromium-<pid>-...`` after the run's process (other people's
    plans on a shared machine are not counted)."""
    found = subprocess.run(["pgrep", "-af", "msp-chromium-"], capture_output=True, text=True)
    ours = set(pids)
    left = []
    for line in found.stdout.splitlines():
        pid, _, cmd = line.partition(" ")
        m = re.search(r"msp-chromium-(\d+)-", cmd)
        if m and int(m.group(1)) in ours:
            left.append(int(pid))
    return left


def _drop_derived(raw: str) -> bool:
    """Remove this code version's derived results for ``raw`` (a cold start); True if any."""
    import shutil

    from msp_analysis import store

    folder = cache.derived_dir(store.ensure(raw))
    existed = folder.exists()
    shutil.rmtree(folder, ignore_errors=True)
    return existed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--la", default="E06000054")
    ap.add_argument(
        "--sample", type=int, default=0, help="time this many councils and extrapolate (0 = all)"
    )
    ap.add_argument("--all", action="store_true", help="time every council's plan (no sample)")
    ap.add_argument(
        "--cold", action="store_true", help="start the batch with no derived results stored"
    )
    ap.add_argument("--before", help="an earlier bench_report.json whose 'after' is the baseline")
    ap.add_argument("--keep", help="write the batch's plans and national report here (kept)")
    args = ap.parse_args()
    if args.all:
        args.sample = 0
    res: dict = {"load_average_start": _load(), "cores": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="msp-bench-") as out:
        # the batch first (from a cold derived cache with --cold), as `msp report --all` runs
        councils = report.councils_in(args.raw)
        chosen = councils[: args.sample] if args.sample else councils
        cold = _drop_derived(args.raw) if args.cold else False
        batch_dir = Path(args.keep) if args.keep else Path(out) / "all"
        # --force: every plan built, even in a --keep folder that holds plans of this build
        batch_cmd = [MSP, "report", "--all", "--force", "--raw", args.raw, "--out", str(batch_dir)]
        if args.sample:
            batch_cmd += ["--la-list", ",".join(chosen)]
        batch = _run_sampled(batch_cmd)
        batch_s = batch["seconds"]
        left = _browsers_left(batch.pop("pids"))
        built = [p.parent.name for p in batch_dir.glob("*/summary.json")]
        timings = [
            json.loads((batch_dir / c / "summary.json").read_text()).get("timings_s", {})
            for c in built
        ]
        national_s = re.search(r" in ([\d.]+) s$", batch.get("national_line") or "")
        # the national report again, from the plans' stored facts (no plan re-rendered)
        insights_median, insights_runs = _median_run(
            [MSP, "insights", "--reports", str(batch_dir), "--out", str(Path(out) / "national")]
        )
        per_plan = {
            phase: round(statistics.median(t[phase] for t in timings if phase in t), 2)
            for phase in ("notebook", "html", "pdf")
            if timings
        }
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
                "batch_built": len(built),
                "batch_failed": sorted(set(chosen) - set(built)),
                "batch_s": round(batch_s, 1),
                "batch_cold_derived_cache": bool(args.cold),
                "batch_derived_cache_removed_first": cold,
                "batch_median_per_plan_s": per_plan,
                "national_report_s": float(national_s.group(1)) if national_s else None,
                "insights_s_median_of_3": insights_median,
                "insights_runs_s": insights_runs,
                "batch_memory": batch,
                "all_councils": len(councils),
                "all_councils_s": round(batch_s * len(councils) / max(len(chosen), 1), 0),
                "all_councils_measured": not args.sample,
                "peak_rss_mib_largest_child": max(
                    (v for vs in batch["peak_rss_mib_by_process_kind"].values() for v in vs),
                    default=0,
                ),
                "browser_processes_left": len(left),
            },
            "goals": {
                "one_council_s": 10,
                "all_councils_s": 300,
                "worker_rss_mib": 1024,
                "national_report_s": 10,
            },
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
