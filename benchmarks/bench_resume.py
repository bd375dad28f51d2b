"""`make bench`: a stopped batch resumes, and a killed one leaves nothing behind (DEMO data).

Writes ``benchmarks/results/bench_resume.json``. Everything runs ``msp report --all`` as a user
runs it, on the DEMO data (5 councils; ``--raw`` for another folder) with its own processed
folder and temporary folder:

- ``full_s``: every plan built (``--force``);
- ``resume_all_kept_s``: the same command again (every plan kept: what a re-run costs when
  nothing is missing);
- ``resume_after_kill_s``: a batch killed with SIGKILL (main process alone) once ``--after``
  plans are in place, then run again: the re-run's time and how many plans it kept and built;
- ``kills``: ``--kills N`` batches (``--force``, so each has every plan to build) killed at
  random moments (seeded) between starting and the full batch's time, alternately the main
  process alone and the whole process group. For each: the processes of the batch still
  running 20 s after the kill (``orphans``), and whether the next command waited on a
  folder the killed one held (``blocked``: it said "waiting" or did not finish). A last,
  uninterrupted run must exit 0; then the hidden plan folders left in ``--out`` and the
  killed runs' folders (browser profiles, kernel files) left in the temporary folders;
- ``swaps``: ``--swaps N`` pairs of ``msp report --la`` runs for one council into one
  ``--out``, started together (both finish their plan at about the same moment and swap
  it into place): how many runs failed, and what was left beside the plan.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from msp_analysis.report.leftovers import run_folders, still_running

ROOT = Path(__file__).resolve().parents[1]
MSP = str(Path(sys.executable).with_name("msp"))
#: how long a killed batch's processes may take to end
GRACE_S = 20


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _batch(raw: str, out: Path, *options: str) -> list[str]:
    return [MSP, "report", "--all", "--raw", raw, "--out", str(out), *options]


def _timed(argv: list[str], env: dict, timeout: float = 1800) -> dict:
    start = time.perf_counter()
    r = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout)
    return {
        "seconds": round(time.perf_counter() - start, 1),
        "returncode": r.returncode,
        "first_line": (r.stdout.strip().splitlines() or [""])[0],
        "waited": "waiting" in r.stderr,
        "stderr_tail": r.stderr.strip()[-300:] if r.returncode else "",
    }


def _counts(line: str) -> dict:
    built = re.search(r"Built (\d+) plans?", line)
    kept = re.search(r"kept (\d+)", line)
    return {
        "built": int(built.group(1)) if built else None,
        "kept": int(kept.group(1)) if kept else 0,
    }


def _kill(
    argv: list[str],
    env: dict,
    *,
    after_s: float | None,
    after_plans: int | None,
    out: Path,
    group: bool,
) -> dict:
    """Start ``argv``; SIGKILL it ``after_s`` seconds in (or once ``after_plans`` plans are in
    place); the processes still running ``GRACE_S`` after (then killed)."""
    import psutil

    err = out.parent / f"stderr-{time.monotonic_ns()}.txt"
    with err.open("w") as sink:
        proc = subprocess.Popen(
            argv, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=sink
        )
    start = time.monotonic()
    before = {p.parent.name: p.stat().st_mtime_ns for p in out.glob("E*/summary.json")}

    def plans_done() -> int:  # plans put in place by this run
        done = 0
        for p in out.glob("E*/summary.json"):
            with contextlib.suppress(OSError):  # swapped out as it is looked at
                done += before.get(p.parent.name) != p.stat().st_mtime_ns
        return done

    family: list[int] = []
    while proc.poll() is None:
        with contextlib.suppress(psutil.Error):
            family = [p.pid for p in psutil.Process(proc.pid).children(recursive=True)]
        if after_s is not None and time.monotonic() - start >= after_s:
            break
        if after_plans is not None and plans_done() >= after_plans:
            break
        time.sleep(0.05)
    finished = proc.poll() is not None
    if not finished:
        if group:
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    said = err.read_text(errors="replace")
    orphans = still_running(family, GRACE_S)
    for pid in orphans:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return {
        "killed_at_s": round(time.monotonic() - start, 1),
        "how": "process group" if group else "main process alone",
        "finished_before_the_kill": finished,
        "processes": len(family) + 1,
        "orphans": len(orphans),
        "waited": "waiting" in said,
        "pids": [proc.pid, *family],
    }


def _left(out: Path, temps: list[Path], pids: set[int]) -> dict:
    hidden = [p.name for p in out.iterdir() if p.name.startswith(".")] if out.is_dir() else []
    return {"hidden_in_out": hidden, "run_folders_in_temp": run_folders(temps, pids)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", help="a raw data folder (default: the DEMO data, written fresh)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--after", type=int, default=2, help="plans in place before the timed kill")
    ap.add_argument("--kills", type=int, default=6)
    ap.add_argument("--swaps", type=int, default=3)
    ap.add_argument("--la", default="E10900001", help="the council of the swap probe")
    ap.add_argument("--no-pdf", action="store_true")
    args = ap.parse_args()
    res: dict = {"load_average_start": _load(), "cores": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="msp-bench-resume-") as tmp:
        base = Path(tmp)
        temp = base / "tmp"
        temp.mkdir()
        env = {**os.environ, "TMPDIR": str(temp), "MSP_PROCESSED_DIR": str(base / "processed")}
        if args.raw:
            raw = args.raw
        else:
            from msp_analysis import demo

            demo.write(base / "raw")
            raw = str(base / "raw")
        opts = ["--workers", str(args.workers)] + (["--no-pdf"] if args.no_pdf else [])
        out = base / "reports"
        temps = [temp, Path("/tmp")]
        # a first batch builds the processed tables and what all plans share (not timed)
        first = _timed(_batch(raw, out, *opts), env)
        full = _timed(_batch(raw, out, *opts, "--force"), env)
        kept = _timed(_batch(raw, out, *opts), env)
        killed = _kill(
            _batch(raw, out, *opts, "--force"),
            env,
            after_s=None,
            after_plans=args.after,
            out=out,
            group=False,
        )
        rerun = _timed(_batch(raw, out, *opts), env)
        res.update(
            raw_dir="DEMO" if not args.raw else Path(args.raw).name,
            workers=args.workers,
            pdf=not args.no_pdf,
            councils=_counts(full["first_line"])["built"],
            first_run_ok=first["returncode"] == 0,
            full_s=full["seconds"],
            resume_all_kept_s=kept["seconds"],
            resume_all_kept=_counts(kept["first_line"]),
            resume_after_kill_s=rerun["seconds"],
            resume_after_kill={
                **_counts(rerun["first_line"]),
                "killed_at_s": killed["killed_at_s"],
                "orphans": killed["orphans"],
                "returncode": rerun["returncode"],
            },
        )
        # kills at random moments, each followed by the next command
        rng = random.Random(24)
        probes, pids = [], set(killed["pids"])
        for i in range(args.kills):
            at = round(rng.uniform(0.5, full["seconds"]), 1)
            k = _kill(
                _batch(raw, out, *opts, "--force"),
                env,
                after_s=at,
                after_plans=None,
                out=out,
                group=bool(i % 2),
            )
            pids.update(k.pop("pids"))
            probes.append(k)
        final = _timed(_batch(raw, out, *opts), env)
        left = _left(out, temps, pids)
        res["kills"] = {
            "n": args.kills,
            "orphans": sum(p["orphans"] for p in probes),
            "finished_before_the_kill": sum(p["finished_before_the_kill"] for p in probes),
            # a run that waited on a folder a killed run held, or a last run that failed
            "blocked": sum(p["waited"] for p in probes[1:])
            + int(final["waited"] or final["returncode"] != 0),
            "final_run": {
                **_counts(final["first_line"]),
                "returncode": final["returncode"],
                "seconds": final["seconds"],
                "stderr_tail": final["stderr_tail"],
            },
            "hidden_in_out_after": len(left["hidden_in_out"]),
            "killed_runs_folders_in_temp_after": len(left["run_folders_in_temp"]),
            "left": left,
            "each": probes,
        }
        # two runs of one council finishing at once
        swap_out = base / "swap"
        failures, runs = 0, []
        for _ in range(args.swaps):
            cmd = [
                MSP,
                "report",
                "--la",
                args.la,
                "--raw",
                raw,
                "--out",
                str(swap_out),
                "-q",
                *(["--no-pdf"] if args.no_pdf else []),
            ]
            procs = [
                subprocess.Popen(
                    cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
                )
                for _ in range(2)
            ]
            for p in procs:
                _, err = p.communicate(timeout=900)
                failures += p.returncode != 0
                runs.append({"returncode": p.returncode, "stderr_tail": err.strip()[-200:]})
        res["swaps"] = {
            "pairs": args.swaps,
            "runs": 2 * args.swaps,
            "failed": failures,
            "beside_the_plan": sorted(p.name for p in swap_out.iterdir() if p.name != args.la),
            "plan_files": sorted(p.name for p in (swap_out / args.la).iterdir()),
            "failed_runs": [r for r in runs if r["returncode"]],
        }
    res["load_average_end"] = _load()
    path = ROOT / "benchmarks" / "results" / "bench_resume.json"
    path.write_text(json.dumps(res, indent=2) + "\n")
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
