"""`make bench`: time `msp data` cold, warm and with one file changed, against a bare read.

Writes benchmarks/results/bench_data.json. The bare read opens every file a reader could
know with pandas alone (every sheet of every workbook with python-calamine, every CSV as
text, no cleaning): the floor any reader has to pay. Builds run as `msp data` in a fresh
process, as a user runs them, so their times include Python start-up and imports (also
measured alone). The raw folder is copied to a temporary folder first, so one file can be
changed without touching the published files; nothing is written outside that folder and
benchmarks/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SPREADSHEETS = {".xlsx", ".xlsm", ".xls", ".ods"}
#: the file changed for the one-file-changed build: a CSV saved with Unix line ends, which
#: changes its content hash (so it must be read again) but none of its figures
CHANGED = "cqc_lincolnshire_prefiltered.csv"


def _files(raw: Path) -> list[Path]:
    return sorted(p for p in raw.iterdir() if p.suffix.lower() in SPREADSHEETS | {".csv"})


def _bare_read_one(p: Path) -> None:
    if p.suffix.lower() in SPREADSHEETS:
        pd.read_excel(p, sheet_name=None, header=None, engine="calamine")
    else:
        try:
            pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except UnicodeDecodeError:
            pd.read_csv(p, dtype=str, keep_default_na=False, encoding="cp1252")


def bare_read(raw: Path) -> tuple[float, float]:
    """Wall and CPU seconds of the bare read (one process)."""
    start, cpu = time.perf_counter(), time.process_time()
    for p in _files(raw):
        _bare_read_one(p)
    return time.perf_counter() - start, time.process_time() - cpu


def _tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants now (Linux /proc; 0 elsewhere)."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                total += next(int(ln.split()[1]) for ln in fh if ln.startswith("VmRSS:"))
            for task in Path(f"/proc/{p}/task").iterdir():
                stack += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, StopIteration, ValueError):
            continue
    return total


def run_build(raw: Path, out: Path, *, sample: bool = False) -> dict:
    """Wall time, peak RSS (MiB: the largest process and, with ``sample``, the whole process
    tree sampled every 20 ms) and exit code of `msp data` in a fresh process. Timed runs do
    not sample: on 2 cores the sampler's /proc reads take CPU from the build's processes
    (its cold build measured about 0.2 s slower)."""
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "msp_analysis.cli",
            "data",
            "-q",
            "--raw",
            str(raw),
            "--out",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    tree = 0
    if sample:
        while proc.poll() is None:
            tree = max(tree, _tree_rss_kib(proc.pid))
            time.sleep(0.02)
    proc.wait()
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):  # 1: built, with some files listed as failed
        raise SystemExit(f"msp data failed with exit code {proc.returncode}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {
        "s": wall,
        "cpu": cpu,  # user + system seconds of the command and its workers
        "rss": after.ru_maxrss / 1024,
        "tree": tree / 1024,
        "exit": proc.returncode,
    }


def profile(raw: Path, dest: Path) -> None:
    """Where a cold build's time goes, written to ``dest``: first a cold build as `msp data`
    runs it (files read in parallel processes), its time line from its own log (when each
    file was read, in which process, how long the merge and the Parquet writes took); then
    a cold build in one process under cProfile: seconds per file to recognise it (every
    reader's detect) and to read, clean and validate it, and the functions with the most
    time of their own."""
    import cProfile
    import io
    import logging
    import pstats

    sys.path.insert(0, str(ROOT))
    from msp_analysis import sources, store

    class Lines(logging.Handler):
        def __init__(self) -> None:
            super().__init__(logging.INFO)
            self.start = time.perf_counter()
            self.lines: list[str] = []

        def emit(self, record: logging.LogRecord) -> None:
            msg = record.getMessage()
            if any(w in msg for w in ("read in", "reading ", "files in", "merged", "wrote")):
                self.lines.append(f"{time.perf_counter() - self.start:6.2f} s  {msg}")

    store_log = logging.getLogger("msp_analysis.store")
    level = store_log.level
    capture, quiet = Lines(), logging.NullHandler()  # quiet: readers' warnings not printed
    store_log.addHandler(capture)
    logging.getLogger().addHandler(quiet)
    store_log.setLevel(logging.INFO)
    try:
        with tempfile.TemporaryDirectory(prefix="msp-profile-") as out:
            capture.start = time.perf_counter()
            store.build(raw, out, progress=False)
            pooled = time.perf_counter() - capture.start
    finally:
        store_log.removeHandler(capture)
        logging.getLogger().removeHandler(quiet)
        store_log.setLevel(level)
    timeline = [
        f"cold build in process, files read in parallel (as `msp data`): {pooled:.2f} s",
        *[ln.replace(str(ROOT.parent), "") for ln in capture.lines],
        "",
    ]
    logging.disable(logging.WARNING)

    times: dict[str, list[float]] = {}

    def timed(name, fn):
        def wrapper(path, *args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(path, *args, **kwargs)
            finally:
                times.setdefault(Path(path).name, [0.0, 0.0])[name] += time.perf_counter() - start

        return wrapper

    detect, read = sources.readers_for, store.pieces.read_file
    sources.readers_for = timed(0, detect)
    store.pieces.read_file = timed(1, read)
    prof = cProfile.Profile()
    with tempfile.TemporaryDirectory(prefix="msp-profile-") as out:
        start = time.perf_counter()
        prof.enable()
        store.build(raw, out, progress=False, workers=1)
        prof.disable()
        total = time.perf_counter() - start
    sources.readers_for, store.pieces.read_file = detect, read
    bare = {}  # the bare read of each file alone (no profiler), for the same table
    for p in _files(raw):
        start = time.perf_counter()
        _bare_read_one(p)
        bare[p.name] = time.perf_counter() - start
    lines = [*timeline, f"cold build in one process (under cProfile): {total:.2f} s", ""]
    lines.append(f"{'file':<48} {'detect s':>9} {'read+clean+validate s':>22} {'bare read s':>12}")
    for name, (d, r) in sorted(times.items(), key=lambda kv: -sum(kv[1])):
        lines.append(f"{name:<48} {d:>9.2f} {r:>22.2f} {bare.get(name, 0):>12.2f}")
    d_all, r_all = (sum(t[i] for t in times.values()) for i in (0, 1))
    lines.append(f"{'all files':<48} {d_all:>9.2f} {r_all:>22.2f} {sum(bare.values()):>12.2f}")
    lines.append(f"store itself (hashing, pieces, merge, Parquet): {total - d_all - r_all:.2f} s")
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(25)
    text = buf.getvalue()
    text = text[text.index("ncalls") :] if "ncalls" in text else text
    lines += ["", "top 25 functions by own time:", text.replace(str(ROOT.parent), "")]
    dest.write_text("\n".join(lines) + "\n")
    print("\n".join(lines[: len(timeline) + len(times) + 6]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--repeat", type=int, default=2, help="cold builds and bare reads (min kept)")
    ap.add_argument(
        "--profile",
        action="store_true",
        help="also profile a cold build: benchmarks/results/bench_data_profile.txt",
    )
    ap.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="leave files matching GLOB out of the copy (repeatable): time a build on the "
        "files of an earlier baseline",
    )
    ap.add_argument(
        "--name",
        default="",
        help="results file benchmarks/results/bench_data_NAME.json (default bench_data.json)",
    )
    args = ap.parse_args()
    src = Path(args.raw)
    with tempfile.TemporaryDirectory(prefix="msp-bench-") as tmp:
        raw = Path(tmp) / src.name
        shutil.copytree(src, raw, ignore=shutil.ignore_patterns(*args.exclude))
        for p in raw.rglob("*"):
            p.chmod(0o644 if p.is_file() else 0o755)
        bare, cold = [], []
        load_start = os.getloadavg()[0]  # others share the machine: say how busy it was
        for i in range(args.repeat):
            bare.append(bare_read(raw))
            cold.append(run_build(raw, Path(tmp) / f"cold{i}"))
        out = Path(tmp) / "cold0"
        # memory: one more cold build, sampled (not timed: sampling slows it)
        sampled = run_build(raw, Path(tmp) / "cold-sampled", sample=True)
        warm = [run_build(raw, out) for _ in range(3)]
        changed = raw / CHANGED
        changed.write_bytes(changed.read_bytes().replace(b"\r\n", b"\n"))
        one = run_build(raw, out)
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", "import msp_analysis.store, msp_analysis.cli"], check=True
        )
        startup = time.perf_counter() - start
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import pandas, msp_analysis.sources"], check=True)
        startup_readers = time.perf_counter() - start
        sys.path.insert(0, str(ROOT))
        from msp_analysis import store

        m = store.manifest(out)
        files = _files(raw)
    bare_s = min(b[0] for b in bare)
    cold_s = min(c["s"] for c in cold)
    result = {
        "raw_dir": src.name,
        "files": len(files),
        "excluded": args.exclude,
        "files_built": len({f["file"] for f in m["files"]}),
        "files_failed": len(m["failures"]),
        "files_skipped": len(m["skipped"]),
        "bare_pandas_read_s": round(bare_s, 2),
        "msp_data_cold_s": round(cold_s, 2),
        "bare_read_cpu_s": round(min(b[1] for b in bare), 2),
        "msp_data_cold_cpu_s": round(min(c["cpu"] for c in cold), 2),
        "msp_data_cold_while_sampling_memory_s": round(sampled["s"], 2),
        "load_average_1min": [round(load_start, 2), round(os.getloadavg()[0], 2)],  # start, end
        "msp_data_warm_s": round(min(w["s"] for w in warm), 2),
        "msp_data_one_file_changed_s": round(one["s"], 2),
        "one_file_changed": CHANGED,
        "msp_data_startup_s": round(startup, 2),
        "startup_with_pandas_and_readers_s": round(startup_readers, 2),
        "ratio": round(cold_s / bare_s, 2),
        "ratio_excluding_startup": round((cold_s - startup_readers) / bare_s, 2),
        "peak_rss_mib": round(max(c["rss"] for c in [*cold, sampled, *warm, one]), 1),
        "peak_rss_tree_mib": round(sampled["tree"], 1),  # the sampled cold build
        "goal_ratio": 2.0,
        "goal_warm_s": 1.0,
        "repeat": args.repeat,
    }
    dest = (
        ROOT
        / "benchmarks"
        / "results"
        / (f"bench_data_{args.name}.json" if args.name else "bench_data.json")
    )
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    if args.profile:
        profile(src, dest.parent / "bench_data_profile.txt")


if __name__ == "__main__":
    main()
