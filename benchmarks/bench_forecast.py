"""`make bench`: forecast every council under every scenario, and run the backtest; write the timings.

Writes benchmarks/results/bench_forecast.json. Councils whose base year is missing (for
example a council that did not submit SALT) are counted, with the reason, not hidden.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from collections import Counter
from pathlib import Path

from msp_analysis import store
from msp_analysis.forecast import backtest, run
from msp_analysis.forecast.scenarios import default_dir
from msp_analysis.tables import MissingSource, Tables

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", default=str(ROOT.parent / "shared" / "data"))
    args = ap.parse_args()
    tables = Tables.load(store.ensure(args.raw))
    files = sorted(default_dir().glob("*.yml"))
    salt = tables.get("salt")
    councils = sorted(
        salt.loc[
            (salt["table_ref"] == "T34") & (salt["area_type"] == "council"), "la_code"
        ].unique()
    )
    start = time.perf_counter()
    ok, failed = 0, Counter()
    for la in councils:
        try:
            run.run(tables, la, files)
            ok += 1
        except (MissingSource, ValueError) as exc:
            failed[str(exc).split(":")[0][:80]] += 1
    forecast_s = time.perf_counter() - start
    start = time.perf_counter()
    bt = backtest.backtest(tables)
    backtest_s = time.perf_counter() - start
    summary = backtest.summary(bt)
    result = {
        "raw_dir": Path(args.raw).name,
        "councils": len(councils),
        "scenarios": len(files),
        "councils_forecast": ok,
        "councils_not_forecast": dict(failed),
        "forecast_all_s": round(forecast_s, 1),
        "per_council_all_scenarios_s": round(forecast_s / max(len(councils), 1), 2),
        "backtest_s": round(backtest_s, 1),
        "backtest_rows": len(bt),
        "backtest_councils": int(bt["la_code"].nunique()),
        "backtest_summary": summary.round(2).to_dict(orient="records"),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    out = ROOT / "benchmarks" / "results" / "bench_forecast.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(
        json.dumps(
            {k: v for k, v in result.items() if k != "backtest_summary"}, indent=2, default=str
        )
    )


if __name__ == "__main__":
    main()
