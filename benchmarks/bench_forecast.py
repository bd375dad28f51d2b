"""`make bench`: forecast every council under every scenario, and run the backtest; write the timings.

Writes benchmarks/results/bench_forecast.json: every one of the 153 councils under every
scenario (each with the local evidence it would use by default: figures from public
documents for Wiltshire), the count of output rows that are negative or missing (must be 0),
of councils whose base is not their published outturn line to the £ thousand (must be 0
where the line is published), the median change by scenario and scaling to the ledger,
Wiltshire's figures, and the backtest's record. Councils that cannot be forecast (a council
that did not submit SALT) are counted with the reason, not hidden.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from collections import Counter
from pathlib import Path

import pandas as pd

from msp_analysis import geography, store
from msp_analysis.forecast import backtest, run
from msp_analysis.forecast.scenarios import default_dir
from msp_analysis.indicators.local import evidence_for
from msp_analysis.tables import MissingSource, Tables

ROOT = Path(__file__).resolve().parents[1]


def _load() -> float | None:
    """The machine's one-minute load average (None where the system has none)."""
    getloadavg = getattr(os, "getloadavg", None)
    return round(getloadavg()[0], 2) if getloadavg else None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", default=str(ROOT.parent / "shared" / "data"))
    args = ap.parse_args()
    tables = Tables.load(store.ensure(args.raw))
    files = sorted(default_dir().glob("*.yml"))
    councils = sorted(geography.councils()["la_code"])
    load_start = _load()
    start, cpu = time.perf_counter(), time.process_time()
    ok, failed, bad_rows, runs = 0, Counter(), 0, []
    off_line, untied, shifts = [], [], []
    for la in councils:
        try:
            res = run.run(tables, la, files, evidence=evidence_for(la, demo=tables.demo))
        except (MissingSource, ValueError) as exc:
            failed[str(exc).split(":")[0][:80]] += 1
            continue
        ok += 1
        v = res.forecast[["value", "lower_80", "upper_80", "lower_95", "upper_95"]]
        bad_rows += int((v.isna() | (v < 0)).any(axis=1).sum())
        bad_rows += int(res.decomposition["change_gbp"].isna().sum())
        r0 = res.runs.iloc[0]
        if pd.isna(r0["base_line_gbp"]):
            untied.append(la)
        elif round(r0["base_spend_gbp"] / 1000) != round(r0["base_line_gbp"] / 1000):
            off_line.append(la)
        if len(res.shift_effects):
            se = res.shift_effects.groupby("scenario")["spend_change"].sum()
            shifts.append(se.rename(la))
        runs.append(res.runs)
    forecast_s, forecast_cpu = time.perf_counter() - start, time.process_time() - cpu
    allruns = pd.concat(runs, ignore_index=True) if runs else pd.DataFrame()
    start = time.perf_counter()
    bt = backtest.backtest(tables)
    backtest_s = time.perf_counter() - start
    summary = backtest.summary(bt)
    by_scenario = (
        allruns.groupby("scenario")[["people_change_pct", "spend_change_pct"]]
        .median()
        .round(1)
        .to_dict(orient="index")
        if len(allruns)
        else {}
    )
    wilts = allruns[allruns["la_code"] == "E06000054"] if len(allruns) else allruns
    result = {
        "raw_dir": Path(args.raw).name,
        "councils": len(councils),
        "scenarios": len(files),
        "councils_forecast": ok,
        "councils_not_forecast": dict(failed),
        "forecast_rows_negative_or_nan": bad_rows,
        "base_not_the_outturn_line": off_line,
        "base_with_no_outturn_line": untied,
        "ledger_scale_quartiles": allruns.drop_duplicates("la_code")["ledger_scale"]
        .quantile([0.25, 0.5, 0.75])
        .round(3)
        .tolist()
        if len(allruns)
        else [],
        "shift_spend_change_gbp_median": pd.concat(shifts, axis=1).median(axis=1).round(0).to_dict()
        if shifts
        else {},
        "shift_lowers_spend_councils": (pd.concat(shifts, axis=1) < 0).sum(axis=1).to_dict()
        if shifts
        else {},
        "median_change_by_scenario_pct": by_scenario,
        "wiltshire": wilts[
            [
                "scenario",
                "base_year",
                "base_people",
                "horizon_people",
                "people_change_pct",
                "base_spend_gbp",
                "horizon_spend_gbp",
                "spend_change_pct",
                "unserved_people_horizon",
            ]
        ]
        .round(1)
        .to_dict(orient="records")
        if len(wilts)
        else [],
        "forecast_all_s": round(forecast_s, 1),
        "per_council_all_scenarios_s": round(forecast_s / max(len(councils), 1), 2),
        # CPU time: the machine is shared, so wall time moves with others' load
        "forecast_all_cpu_s": round(forecast_cpu, 1),
        "per_council_all_scenarios_cpu_s": round(forecast_cpu / max(len(councils), 1), 2),
        "load_average_1min": [load_start, _load()],  # at the start and the end
        "backtest_s": round(backtest_s, 1),
        "backtest_rows": len(bt),
        "backtest_councils": int(bt["la_code"].nunique()) if len(bt) else 0,
        "backtest_latest_origin": backtest.headline(summary),
        "backtest_summary": summary[summary["model"] == "model"].round(2).to_dict(orient="records"),
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
