"""Forecast runs: one council, one or more scenarios -> forecast and decomposition tables.

Every output row carries the scenario name, and each run records the scenario file's
hash, the data manifest's hash, the base year, the population source and the trend
method with the number of years of history it rests on.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from msp_analysis import geography
from msp_analysis.forecast import scenarios as S
from msp_analysis.forecast import spend
from msp_analysis.tables import Tables

FORECAST_COLUMNS = [
    "la_code",
    "year",
    "scenario",
    "setting",
    "client_group",
    "age_band",
    "measure",
    "value",
    "lower_80",
    "upper_80",
    "lower_95",
    "upper_95",
    "base_year",
    "method",
    "history_years",
]


def manifest_hash(tables: Tables) -> str:
    files = sorted((f["file"], f["sha256"]) for f in tables.manifest.get("files", []))
    return hashlib.sha256(json.dumps(files).encode()).hexdigest()


def _rows(
    frame: pd.DataFrame, measure: str, info: dict, scenario: str, la_code: str
) -> pd.DataFrame:
    col = "people" if measure == "people" else "spend"
    prefix = "people" if measure == "people" else "spend"
    cells = pd.DataFrame(
        {
            "la_code": la_code,
            "year": frame["year"],
            "scenario": scenario,
            "setting": frame["setting"],
            "client_group": frame["client_group"],
            "age_band": frame["age_band"],
            "measure": measure,
            "value": frame[col],
            **{
                f"{s}_{lvl}": frame[f"{prefix}_{s}_{lvl}"]
                for s in ("lower", "upper")
                for lvl in (80, 95)
            },
        }
    )
    base = info["base"].assign(value=info["base"]["people" if measure == "people" else "spend"])
    base_rows = pd.DataFrame(
        {
            "la_code": la_code,
            "year": info["base_year"],
            "scenario": scenario,
            "setting": base["setting"],
            "client_group": base["client_group"],
            "age_band": base["age_band"],
            "measure": measure,
            "value": base["value"],
            **{f"{s}_{lvl}": base["value"] for s in ("lower", "upper") for lvl in (80, 95)},
        }
    )
    out = pd.concat([base_rows, cells], ignore_index=True)
    # totals: bounds are added across groups, treating their errors as moving together (cautious)
    total = out.groupby(["la_code", "year", "scenario", "measure"], as_index=False)[
        ["value", "lower_80", "upper_80", "lower_95", "upper_95"]
    ].sum()
    total[["setting", "client_group", "age_band"]] = "All"
    out = pd.concat([out, total], ignore_index=True)
    out["base_year"] = info["base_year"]
    out["method"] = info["rate_methods"]
    out["history_years"] = info["history_years"]
    return out[FORECAST_COLUMNS]


def run(
    tables: Tables,
    la_code: str,
    scenario_files: list[str | Path],
    horizon: int = 5,
    base: int | None = None,
) -> dict:
    """Forecast people and spend for each scenario; returns forecast, decomposition, runs, assumptions."""
    if geography.council_name(la_code) is None:
        raise ValueError(f"{la_code} is not a council code this tool knows")
    forecasts, decomps, runs, assumptions = [], [], [], []
    for path in scenario_files:
        sc = S.load(path)
        frame, info = spend.project_spend(tables, la_code, sc, horizon, base)
        forecasts += [
            _rows(frame, "people", info, sc.name, la_code),
            _rows(frame, "spend", info, sc.name, la_code),
        ]
        last = int(frame["year"].max())
        d = spend.decompose(frame, info, last).assign(
            la_code=la_code, scenario=sc.name, base_year=info["base_year"]
        )
        decomps.append(d)
        end_spend = float(frame.loc[frame["year"] == last, "spend"].sum())
        runs.append(
            {
                "scenario": sc.name,
                "scenario_file": sc.file,
                "scenario_sha256": sc.sha256,
                "version": sc.version,
                "data_manifest_sha256": manifest_hash(tables),
                "data_label": tables.manifest.get("label", ""),
                "la_code": la_code,
                "base_year": info["base_year"],
                "horizon_year": last,
                "population_source": info["population"],
                "rate_method": info["rate_methods"],
                "history_years": info["history_years"],
                "pooled_growth": info["pooled"],
                "base_people": info["base_people"],
                "base_spend_gbp": info["base_spend_gbp"],
                "horizon_spend_gbp": end_spend,
                "spend_change_pct": (end_spend / info["base_spend_gbp"] - 1) * 100,
                "unserved_people_horizon": float(
                    frame.loc[frame["year"] == last, "people_unserved"].sum()
                ),
            }
        )
        assumptions.append(S.assumption_table(sc))
    return {
        "forecast": pd.concat(forecasts, ignore_index=True),
        "decomposition": pd.concat(decomps, ignore_index=True),
        "runs": pd.DataFrame(runs),
        "assumptions": pd.concat(assumptions, ignore_index=True),
    }


def headline(result: dict, scenario: str) -> dict:
    """Facts for 'spend grows N% over H years; X% of the increase comes from ...' (all computed)."""
    r = result["runs"].set_index("scenario").loc[scenario]
    d = result["decomposition"]
    d = d[d["scenario"] == scenario]
    by_group = (
        d.groupby(["setting", "client_group"])["change_gbp"].sum().sort_values(ascending=False)
    )
    increase = by_group[by_group > 0]
    total_change = d["change_gbp"].sum()
    top = increase.head(2)
    drivers = d.groupby("driver")["change_gbp"].sum().reindex(spend.DRIVERS).fillna(0.0)
    return {
        "scenario": scenario,
        "base_year": int(r["base_year"]),
        "horizon_year": int(r["horizon_year"]),
        "years": int(r["horizon_year"] - r["base_year"]),
        "spend_change_pct": float(r["spend_change_pct"]),
        "base_spend_gbp": float(r["base_spend_gbp"]),
        "horizon_spend_gbp": float(r["horizon_spend_gbp"]),
        "top_groups": [f"{s.lower()} care for {c.lower()}" for s, c in top.index],
        "top_groups_share_pct": float(top.sum() / total_change * 100)
        if total_change > 0
        else np.nan,
        "driver_share_pct": (drivers / total_change * 100).to_dict() if total_change else {},
        "history_years": int(r["history_years"]),
    }


def write(result: dict, out_dir: str | Path) -> list[Path]:
    """forecast.csv, decomposition.csv, assumptions.csv and runs.json into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [
        out / "forecast.csv",
        out / "decomposition.csv",
        out / "assumptions.csv",
        out / "runs.json",
    ]
    result["forecast"].to_csv(paths[0], index=False)
    result["decomposition"].to_csv(paths[1], index=False)
    result["assumptions"].to_csv(paths[2], index=False)
    paths[3].write_text(result["runs"].to_json(orient="records", indent=2))
    return paths


def headline_sentence(h: dict, council: str) -> str:
    """'If the market is unchanged, spend rises N% over Y years; X% of the increase comes from ...'."""
    start = f"{h['base_year']}-{(h['base_year'] + 1) % 100:02d}"
    end = f"{h['horizon_year']}-{(h['horizon_year'] + 1) % 100:02d}"
    change = h["spend_change_pct"]
    verb = "rises" if change > 0.05 else ("falls" if change < -0.05 else "is unchanged")
    text = (
        f"Under '{h['scenario'].replace('_', ' ')}', {council}'s long-term care spend {verb}"
        + (f" {abs(change):.1f}%" if verb != "is unchanged" else "")
        + f" over {h['years']} years, from £{h['base_spend_gbp'] / 1e6:,.1f}m in {start} to £{h['horizon_spend_gbp'] / 1e6:,.1f}m in {end}"
    )
    if change > 0.05 and h["top_groups"] and pd.notna(h["top_groups_share_pct"]):
        text += f"; {h['top_groups_share_pct']:.0f}% of the increase comes from {' and '.join(h['top_groups'])}"
    return text + f" (rates rest on {h['history_years']} years of history)."
