"""Section 2 facts about money: the base on the ledger, weekly costs, first-year prices and
what a shift of placements does. Every figure comes from the forecast run's tables
(:class:`msp_analysis.forecast.run.ForecastResult`), each with its source.
"""

from __future__ import annotations

import pandas as pd

from msp_analysis.forecast import scenarios as S
from msp_analysis.forecast.ledger import INCOME
from msp_analysis.narrative import render
from msp_analysis.sources._parsing import fy_label

#: What each cost basis means, for the weekly cost table.
BASIS_WORDS = {
    "returns": "the returns",
    "council": "council's own",
    "council_count": "the returns and the council's count",
    "default": "assumption",
    "scenario": "scenario",
}


def _thousands(v) -> str:
    """£ thousands as the outturn publishes them: '302,194'; '' for a blank."""
    if v is None or pd.isna(v):
        return ""
    return f"{v / 1000:,.0f}"


def base_facts(result) -> dict:
    """The base year's spend line by line, from the returns to the published outturn line."""
    runs = result.runs.iloc[0]
    rec = getattr(result, "reconciliation", pd.DataFrame())
    line_gbp = runs.get("base_line_gbp")
    tied = line_gbp is not None and pd.notna(line_gbp)
    rows = []
    for r in rec.itertuples():
        rows.append(
            {
                "line": r.line,
                "returns": _thousands(r.returns_year_gbp),
                "brought_forward": _thousands(r.brought_forward_gbp),
                "base": _thousands(r.base_gbp),
                "in_model": r.in_model,
                "source": r.source,
                "cell": r.source_cell,
                "total": str(r.line).startswith(("Total", "Published line", "Net current")),
            }
        )
    net = (
        rec.loc[rec["line"].str.startswith("Net current"), "base_gbp"]
        if len(rec)
        else pd.Series(dtype=float)
    )
    scale = float(runs.get("ledger_scale", 1.0))
    base_year = int(runs["base_year"])
    outside = rec[rec["in_model"].astype(str).str.startswith("no")] if len(rec) else rec
    return {
        "tied": bool(tied),
        "line_words": runs.get("base_line", ""),
        "line_gbp": float(line_gbp) if tied else None,
        "net_gbp": float(net.iloc[0]) if len(net) else None,
        "base_gbp": float(runs["base_spend_gbp"]),
        "scale": scale,
        "scale_text": f"{scale:.4f}",
        "scale_pct_abs": abs(scale - 1) * 100,
        "scale_side": "above" if scale >= 1 else "below",
        "returns_year_label": fy_label(int(runs["salt_year"])),
        "base_year_label": fy_label(int(runs["base_year"])),
        "outside_gbp": float(outside["base_gbp"].sum()) if len(outside) else 0.0,
        "outside_share_pct": float(outside["base_gbp"].sum()) / float(runs["base_spend_gbp"]) * 100
        if len(outside) and runs["base_spend_gbp"]
        else 0.0,
        "rows": rows,
        "files": [f for f in dict.fromkeys(rec["source_file"]) if f] if len(rec) else [],
        "year_before": year_before_facts(rec, base_year),
    }


def year_before_facts(rec: pd.DataFrame, base_year: int) -> dict | None:
    """The published line, other income and net current expenditure the year before the base
    year, beside the base year's, so a reader sees how the line moved into the base (None where
    the year before is not published)."""
    if "year_before_gbp" not in rec or "measure" not in rec:
        return None
    by = rec[rec["measure"] != ""].set_index("measure")
    if "total_expenditure" not in by.index or pd.isna(
        by.loc["total_expenditure", "year_before_gbp"]
    ):
        return None

    def pair(measure: str) -> dict | None:
        if measure not in by.index or pd.isna(by.loc[measure, "year_before_gbp"]):
            return None
        sign = -1 if measure in INCOME else 1
        before = sign * float(by.loc[measure, "year_before_gbp"])
        now = sign * float(by.loc[measure, "base_gbp"])
        pct = (now / before - 1) * 100 if before else None
        return {
            "before_gbp": before,
            "base_gbp": now,
            "change_pct": pct,
            "moved": "was unchanged"
            if pct is None or abs(pct) < 0.05
            else f"{'rose' if pct > 0 else 'fell'} {abs(pct):.1f}%",
        }

    return {
        "year_label": fy_label(base_year - 1),
        "source": str(by.loc["total_expenditure", "year_before_source"]).split(",")[0],
        "line": pair("total_expenditure"),
        "other_income": pair("other_income"),
        "charges": pair("sales_fees_and_charges"),
        "net": pair("net_current_expenditure"),
    }


def cost_facts(result) -> dict:
    """Weekly costs by setting and age band (people-weighted over client groups), and the
    supported-living and learning disability residential costs with their sources."""
    w = getattr(result, "weekly_costs", pd.DataFrame())
    if w.empty:
        return {"rows": [], "supported_living": None}
    rows = []
    for (age, setting), g in w.groupby(["age_band", "setting"], sort=False):
        people = g["people_base"]
        weight = people if people.sum() > 0 else pd.Series(1.0, index=g.index)
        ret = float((g["weekly_returns_year_gbp"] * weight).sum() / weight.sum())
        base = float((g["weekly_base_gbp"] * weight).sum() / weight.sum())
        basis = g["basis"].iloc[0]
        if basis == "council" and str(g["source"].iloc[0]).startswith("ASC-FR"):
            basis = "council_count"  # the returns' spend over the council's count of people
        rows.append(
            {
                "who": S.AGE_BAND_WORDS.get(age, age),
                "setting": S.setting_words(setting),
                "returns": ret,
                "base": base,
                "people": round(float(people.sum())),
                "basis": BASIS_WORDS.get(basis, basis),
                "source": g["source"].iloc[0],
            }
        )
    sl = w[(w["setting"] == "Supported living") & (w["age_band"] == "18 to 64")]
    ld = w[
        (w["setting"] == "Residential")
        & (w["age_band"] == "18 to 64")
        & (w["client_group"] == "Learning Disability Support")
    ]
    first = w.iloc[0]
    return {
        "rows": rows,
        "returns_year_label": fy_label(int(first["returns_year"])),
        "base_year_label": fy_label(int(first["base_year"])),
        "supported_living": {
            "weekly": float(sl["weekly_returns_year_gbp"].iloc[0]),
            "basis": sl["basis"].iloc[0],
            "source": sl["source"].iloc[0],
            "people": float(sl["people_base"].sum()),
        }
        if len(sl)
        else None,
        "ld_residential": {
            "who": S.people_words("18 to 64", "Learning Disability Support"),
            "weekly": float(ld["weekly_returns_year_gbp"].iloc[0]),
            "source": ld["source"].iloc[0],
        }
        if len(ld)
        else None,
    }


def first_year_facts(result, scenario: str = "market_unchanged") -> dict | None:
    """Prices in the first projected year: the council's own uplifts by market and the national
    pay and price path by setting (for a scenario that does not hold prices)."""
    u = getattr(result, "uplifts", pd.DataFrame())
    if u.empty:
        return None
    names = list(dict.fromkeys(u["scenario"]))
    pick = (
        scenario
        if scenario in names
        else next(
            (n for n in names if (u.loc[u["scenario"] == n, "basis"] != "scenario").all()), None
        )
    )
    if pick is None:
        return None
    mine = u[u["scenario"] == pick]
    council = mine[mine["basis"] == "council"]
    national = mine[mine["basis"] == "national"]
    by_market = []
    for (market, pct), g in council.groupby(["market", "growth_pct"], sort=False):
        settings = S.and_list([S.setting_words(s) for s in dict.fromkeys(g["setting"])])
        by_market.append(f"{pct:.2f}% for {market} ({settings})")
    by_setting = []
    for (setting, pct), g in national.groupby(["setting", "growth_pct"], sort=False):
        ages = sorted(set(g["age_band"]))
        who = "" if len(ages) == 2 else f" for {S.AGE_BAND_WORDS.get(ages[0], ages[0])}"
        by_setting.append(f"{S.setting_words(setting)}{who} {pct:.1f}%")
    return {
        "year_label": fy_label(int(mine["year"].iloc[0])),
        "scenario": S.scenario_words(pick),
        "council": S.and_list(by_market),
        "council_sources": sorted(set(council["source"])),
        "national": S.and_list(by_setting),
        "uses_council": not council.empty,
    }


def shift_sentences(result, scenario: str, council: str) -> list[str]:
    """One sentence for each thing a shift of placements changes in the horizon year, whatever
    its sign, and one for the net effect on spend against the same run without the shift."""
    se = getattr(result, "shift_effects", pd.DataFrame())
    se = se[se["scenario"] == scenario] if not se.empty else se
    if se.empty:
        return []
    year = fy_label(int(se["year"].iloc[0]))
    runs = result.runs.set_index("scenario")
    total_spend = float(runs.loc[scenario, "horizon_spend_gbp"])
    scaled = pd.notna(runs.loc[scenario].get("base_line_gbp"))
    prices = f"{year} prices, scaled to the outturn line" if scaled else f"{year} prices"
    out = []
    # by age band and setting over client groups: people, spend and the cost a person
    se = se.assign(weeks_change=se["people_change"] * se["weeks_per_person"])
    g = se.groupby(["age_band", "setting"], sort=False)
    by = g[["people_change", "spend_change", "weeks_change"]].sum()
    groups = g["client_group"].agg(lambda s: list(dict.fromkeys(s)))
    moved = by[by["people_change"].abs() >= 0.5]
    moved = moved.assign(a=moved["spend_change"].abs()).sort_values("a", ascending=False)
    texts = render.money_among([abs(v) for v in moved["spend_change"]])
    for ((age, setting), r), amount in zip(moved.iterrows(), texts, strict=True):
        cg = groups[(age, setting)]
        who = S.people_words(age, cg[0] if len(cg) == 1 else None)
        more = r["people_change"] > 0
        n = round(abs(float(r["people_change"])))
        weekly = abs(float(r["spend_change"]) / float(r["weeks_change"]))
        out.append(
            f"{render.number(n)} {'more' if more else 'fewer'} {who}"
            f" {'is' if n == 1 else 'are'} in {S.setting_words(setting)} in {year}: {amount}"
            f" {'more' if more else 'less'} a year, at about £{weekly:,.0f} a week each"
            f" ({prices})."
        )
    rest = by[by["people_change"].abs() < 0.5]
    if len(rest) and abs(rest["spend_change"].sum()) >= 5e4:
        v = float(rest["spend_change"].sum())
        out.append(
            f"Other settings cost {render.money(abs(v))} {'more' if v > 0 else 'less'}, as"
            " people moved leave their new setting at its own rate and new placements replace them."
        )
    net = float(se["spend_change"].sum())
    base = total_spend - net
    out.append(
        f"Altogether {council}'s spend in {year} is {render.money(abs(net))}"
        f" {'higher' if net > 0 else 'lower'} than if new placements went where they go today"
        f" ({abs(net) / base * 100:.1f}% of {render.money(base)})."
        if base > 0
        else f"Altogether spend in {year} changes by {render.money(net)}."
    )
    return out
