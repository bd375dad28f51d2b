"""Costs: a weekly cost per person for every setting and client group, and the price path.

Costs are set in the year of the returns (the SALT and ASC-FR year), by age band x client
group x setting, each with its source and basis (``basis``):

- **returns** (``returns``): nursing and residential care cost ASC-FR gross current
  expenditure there (T43/T44, £ thousands) over the people supported there during the year
  (SALT T34); within an age band client groups are weighted by their weekly unit costs
  (T53/T54, spend over weeks of care) and re-scaled so the published spend is kept. The
  weekly cost is that cost over the weeks of care a person had (ASC-FR weeks, spend over
  the T52 unit cost, per person supported). Community support is its spend (direct
  payments, home care, supported accommodation, other long-term care) over its clients,
  a year of support each.
- **council** (``council``): the council's own figures from its local evidence file override
  the returns for their market: a fee rate in £ a week for care homes for older people
  (``care_home_65``, residential care 65+) or supported living; a home care fee in £ an
  hour scales the home care part of community spend by the fee over the ASC-FR hourly
  rate (T51); a count of people in supported living turns the ASC-FR supported-living
  spend (T43) into a weekly cost. A fee in £ a week is the council's cost: the base year
  keeps it (it is not scaled to the outturn line, :mod:`msp_analysis.forecast.ledger`).
- **default** (``default``): where neither the returns nor the council give a cost, a
  sourced default said as an assumption: supported living costs what the council's
  community support for adults 18-64 costs a client (ASC-FR T43 community spend, supported
  living included, over SALT T34 community clients); Shared Lives its scenario's stated
  weekly cost (``setting_costs``, with its source).

The price path (:func:`price_index`): each year a cost rises by its pay share x the
National Living Wage uprating plus the rest x CPI (published figures for past years, the
scenario's stated assumption after them); a fee uplift the council gave for a year
(local evidence ``fee_uplift_pct``, per market) replaces that blend for its cells, and a
scenario's own ``fee_uplift_pct`` replaces both for every cell, and ``hold_prices`` holds
every price at the base year (the Baseline). Then real growth, and a workforce pay uplift through the pay share where the
scenario sets one. Costs are carried from the returns' year to the base year on the path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd

from msp_analysis import geography
from msp_analysis.forecast.returns import ascfr_rows, people_by_setting, source_code
from msp_analysis.forecast.scenarios import Scenario, price_history
from msp_analysis.sources._parsing import fy_label, fy_start
from msp_analysis.tables import MissingSource, Tables

GCE_GROUPS = {
    "Nursing": "Nursing",
    "Residential": "Residential",
    "Supported Accommodation": "Community",
    "Community: Direct Payments": "Community",
    "Community: Home Care": "Community",
    "Community: Supported Living": "Supported living",
    "Community: Other Long Term Care": "Community",
}
CELL = ["age_band", "client_group", "setting"]
WEEKS = 52.0

#: The cells a market's figures apply to: settings, and the age band and client group where
#: the market names one (None: every one).
MARKET_CELLS: dict[str, tuple[tuple[str, ...], str | None, str | None]] = {
    "care_home_65": (("Residential", "Nursing"), "65 and over", None),
    "home_care_18": (("Community",), None, None),
    "supported_living": (("Supported living",), None, None),
    "learning_disability": (
        ("Nursing", "Residential", "Community", "Supported living", "Shared Lives"),
        None,
        "Learning Disability Support",
    ),
    "mental_health": (
        ("Nursing", "Residential", "Community", "Supported living", "Shared Lives"),
        None,
        "Mental Health Support",
    ),
    "all": (
        ("Nursing", "Residential", "Community", "Supported living", "Shared Lives"),
        None,
        None,
    ),
}
#: A market in words, for the plan ('care homes for older people').
MARKET_WORDS = {
    "care_home_65": "care homes for older people",
    "home_care_18": "home care",
    "supported_living": "supported living",
    "learning_disability": "learning disability support",
    "mental_health": "mental health support",
    "all": "every setting",
}


@dataclass(frozen=True)
class Uplift:
    """A fee uplift the council gave a market for one financial year."""

    market: str
    year: int
    pct: float
    source: str

    def applies(self, setting: str, age_band: str, client_group: str) -> bool:
        settings, age, group = MARKET_CELLS[self.market]
        return (
            setting in settings
            and (age is None or age == age_band)
            and (group is None or group == client_group)
        )


@dataclass
class CouncilFigures:
    """What the council's local evidence says about costs: uplifts, fees, people counted."""

    uplifts: list[Uplift] = field(default_factory=list)
    fees: list[dict] = field(default_factory=list)  # market, unit, value, year, source
    supported_living_people: dict | None = None  # value, period, source
    notes: list[str] = field(default_factory=list)

    @classmethod
    def from_evidence(cls, evidence, la_code: str) -> CouncilFigures:
        """The cost figures of a :class:`~msp_analysis.indicators.local.LocalEvidence`."""
        out = cls()
        if evidence is None:
            return out
        if evidence.la_code and evidence.la_code != la_code:
            return out
        for f in evidence.figures:
            src = f"{f.source} ({f.period})"
            year = fy_start(f.period)
            if f.measure == "fee_uplift_pct":  # its year is said with it: no period again
                src = f.source
                if f.market not in MARKET_CELLS:
                    out.notes.append(
                        f"The fee uplift for {f.market.replace('_', ' ')} ({f.value:g}%) names no"
                        " setting of the projection, so it is not used."
                    )
                elif year is None:
                    out.notes.append(
                        f"The fee uplift for {MARKET_WORDS[f.market]} ({f.value:g}%) gives no"
                        f" financial year ('{f.period}'), so it is not used."
                    )
                else:
                    out.uplifts.append(Uplift(f.market, year, float(f.value), src))
            elif f.measure == "fee_rate" and f.market in (
                "care_home_65",
                "home_care_18",
                "supported_living",
            ):
                if year is None:
                    out.notes.append(
                        f"The {MARKET_WORDS[f.market]} fee rate gives no financial year"
                        f" ('{f.period}'), so the returns' cost stands."
                    )
                else:
                    out.fees.append(
                        {
                            "market": f.market,
                            "unit": f.unit,
                            "value": float(f.value),
                            "year": year,
                            "source": src,
                        }
                    )
            elif f.measure == "people_supported" and f.market == "supported_living" and f.value > 0:
                out.supported_living_people = {
                    "value": float(f.value),
                    "period": f.period,
                    "source": f.source,
                    "note": f.note,
                }
        return out

    def fee(self, market: str, unit: str) -> dict | None:
        found = [f for f in self.fees if f["market"] == market and f["unit"] == unit]
        return max(found, key=lambda f: f["year"]) if found else None

    def uplift_for(
        self, setting: str, age_band: str, client_group: str, year: int
    ) -> Uplift | None:
        """The council's uplift for a cell in a year; the narrowest market wins."""
        found = [
            u for u in self.uplifts if u.year == year and u.applies(setting, age_band, client_group)
        ]
        width = {"all": 3, "learning_disability": 2, "mental_health": 2}
        return min(found, key=lambda u: width.get(u.market, 1)) if found else None

    def uplift(self, setting: str, age_band: str, client_group: str, year: int) -> float | None:
        """The council's uplift (%) for a cell in a year, or None."""
        u = self.uplift_for(setting, age_band, client_group, year)
        return None if u is None else u.pct


NO_FIGURES = CouncilFigures()


@cache
def _published(year: int) -> tuple[float | None, float | None]:
    """The published National Living Wage uprating and CPI for a year (None where not yet)."""
    h = price_history()
    return h["pay_uplift_pct"]["values"].get(year), h["cpi_pct"]["values"].get(year)


def national_growth(scenario: Scenario, setting: str, year: int) -> float:
    """The pay and price blend for a setting in ``year`` (fraction), ignoring any fee uplift."""
    v = scenario.value("price_path")
    published_pay, published_cpi = _published(year)
    pay = v["pay_uplift_pct"].get(year, published_pay)
    cpi = v["cpi_pct"].get(year, published_cpi)
    pay = v["pay_uplift_pct"]["default"] if pay is None else pay
    cpi = v["cpi_pct"]["default"] if cpi is None else cpi
    share = v["pay_share"].get(setting, v["pay_share"].get("default", 0.0))
    return (share * pay + (1 - share) * cpi) / 100


def yearly_growth(
    scenario: Scenario, setting: str, year: int, council_pct: float | None = None
) -> float:
    """Price growth (fraction) of a cost in ``year``: the scenario's fee uplift for every
    setting, else the council's own uplift for the cell, else the pay and price blend."""
    v = scenario.value("price_path")
    if year in v["fee_uplift_pct"]:
        return v["fee_uplift_pct"][year] / 100
    if council_pct is not None:
        return council_pct / 100
    return national_growth(scenario, setting, year)


def price_index(
    scenario: Scenario,
    setting: str,
    start: int,
    end: int,
    council: dict[int, float] | None = None,
) -> float:
    """Cumulative price factor from ``start`` to ``end`` (1 when equal; inverse when end <
    start); ``council`` holds the council's own uplifts (%) by year for the cell."""
    council = council or {}
    f = 1.0
    for y in range(min(start, end) + 1, max(start, end) + 1):
        f *= 1 + yearly_growth(scenario, setting, y, council.get(y))
    return f if end >= start else 1 / f


def _national_index(scenario: Scenario, setting: str, start: int, end: int) -> float:
    f = 1.0
    for y in range(min(start, end) + 1, max(start, end) + 1):
        f *= 1 + national_growth(scenario, setting, y)
    return f if end >= start else 1 / f


def council_uplifts(figures: CouncilFigures, cells: pd.DataFrame, years) -> pd.Series:
    """Per cell (index aligned with ``cells``): {year: the council's uplift %} where given."""
    out = []
    for r in cells[CELL].itertuples(index=False):
        found = {}
        for y in years:
            pct = figures.uplift(r.setting, r.age_band, r.client_group, y)
            if pct is not None:
                found[y] = pct
        out.append(found)
    return pd.Series(out, index=cells.index, dtype=object)


# ---- supported living: the weekly cost that sizes it -------------------------------------


def _gce(a: pd.DataFrame, code: str, year: int, tables: tuple[str, ...] = ("T43", "T44")):
    return a[a["table_ref"].isin(tables) & (a["la_code"] == code) & (a["year"] == year)]


def supported_living_weekly(
    tables: Tables,
    la_code: str,
    year: int,
    scenario: Scenario,
    figures: CouncilFigures = NO_FIGURES,
) -> dict:
    """The weekly cost of supported living in ``year`` (the returns' year) prices.

    In order: the scenario's own stated cost; the council's fee in £ a week; ASC-FR
    supported-living spend (T43, adults 18-64) over the council's count of people in
    supported living; else the council's cost of community support for adults 18-64 a client
    (T43 community spend, supported living included, over SALT T34 community clients).

    Returns weekly_gbp, basis, source (words), and spend_gbp/people where they were used.
    """
    sc = scenario.value("setting_costs")["weekly_cost_gbp"]
    if "Supported living" in sc:
        weekly = sc["Supported living"] * price_index(
            scenario,
            "Supported living",
            scenario.value("setting_costs")["price_year"],
            year,
        )
        return {
            "weekly_gbp": weekly,
            "basis": "scenario",
            "source": "the scenario's stated weekly cost (setting_costs)",
        }
    fee = figures.fee("supported_living", "£ per week")
    if fee is not None:
        weekly = fee["value"] * _national_index(scenario, "Supported living", fee["year"], year)
        return {
            "weekly_gbp": weekly,
            "basis": "council",
            "source": f"the council's fee, £{fee['value']:,.0f} a week in {fy_label(fee['year'])}"
            f" ({fee['source']}), brought to {fy_label(year)} prices on the national pay and price path",
            "fixed": True,
        }
    a = ascfr_rows(tables)
    code, share, _ = source_code(tables, la_code)
    t43 = _gce(a, code, year, ("T43",))
    sl = t43.loc[t43["support_setting"] == "Community: Supported Living", "value"].sum(min_count=1)
    sl_spend = 0.0 if pd.isna(sl) else float(sl) * 1000 * share
    people = figures.supported_living_people
    if people is not None and sl_spend > 0:
        weekly = sl_spend / people["value"] / WEEKS
        return {
            "weekly_gbp": weekly,
            "basis": "council",
            "source": f"ASC-FR {fy_label(year)} T43 supported-living spend for adults 18-64"
            f" (£{sl_spend / 1e6:,.1f}m) over the council's {people['value']:,.0f} people in"
            f" supported living ({people['source']}, {people['period']})",
            "spend_gbp": sl_spend,
            "people": people["value"],
        }
    where = "the council's"
    spend, clients = _community_18_64(a, tables, code, year)
    if pd.isna(spend) or not clients or pd.isna(clients):
        # no return of its own: its region's, as for its other costs
        region = str(geography.region_of(code))
        spend, clients = _community_18_64(a, tables, region, year)
        where = f"{geography.REGIONS.get(region, region)}'s (no return of the council's own)"
    if pd.isna(spend) or not clients or pd.isna(clients):
        raise MissingSource(
            f"no ASC-FR community spend (T43) or SALT community clients (T34) for {la_code} or"
            f" its region in {fy_label(year)}: supported living cannot be costed; give its fee"
            " or count in the local evidence file"
        )
    weekly = float(spend) * 1000 / float(clients) / WEEKS
    return {
        "weekly_gbp": weekly,
        "basis": "default",
        "source": f"assumed to cost what {where} community support for adults 18-64 costs"
        f" a client: ASC-FR {fy_label(year)} T43 community spend, supported living included"
        f" (£{float(spend) / 1e3:,.1f}m), over SALT T34 community clients ({float(clients):,.0f}),"
        " a year of support each; a council should give its own fee or count of people",
    }


def _community_18_64(a: pd.DataFrame, tables: Tables, code: str, year: int) -> tuple:
    """ASC-FR T43 community spend for adults 18-64, supported living included (£ thousands),
    and SALT T34 community clients 18-64, for any area code (once per data set and area)."""
    key = ("community_18_64", code, year)
    if key not in tables.cache:
        tables.cache[key] = _community_spend_clients(a, tables, code, year)
    return tables.cache[key]


def _community_spend_clients(a: pd.DataFrame, tables: Tables, code: str, year: int) -> tuple:
    t43 = _gce(a, code, year, ("T43",))
    community = t43[t43["support_setting"].map(GCE_GROUPS).isin(["Community", "Supported living"])]
    spend = community["value"].sum(min_count=1)
    clients = people_by_setting(tables, code, year).get(("18 to 64", "Community"), np.nan)
    return spend, clients


# ---- cost per person in the returns' year ------------------------------------------------


def cost_per_person(
    tables: Tables,
    la_code: str,
    year: int,
    people: pd.DataFrame,
    scenario: Scenario,
    sl_weekly: dict,
    figures: CouncilFigures = NO_FIGURES,
) -> pd.DataFrame:
    """Annual £ per person by CELL in ``year`` (the returns' year), with its weekly cost,
    weeks of care a person, basis and source; the returns' cells reproduce published spend.

    Returns CELL, cost (annual £ a person supported during the year), weekly_gbp,
    weeks_per_person, basis, source, fixed (a council fee in £ a week: not scaled to the
    outturn line). ``attrs['note']`` says when the region's costs stand in.
    """
    a = ascfr_rows(tables)
    code, share, _ = source_code(tables, la_code)
    g = _gce(a, code, year)
    g = g[g["support_setting"].isin(GCE_GROUPS)]
    ppl = people.groupby(["age_band", "setting"])["people"].sum()
    where = f"{fy_label(year)}"
    if g.empty or g["value"].isna().all():
        # the council made no ASC-FR return: its region's cost per person (said in the notes)
        region = geography.region_of(code)
        g = _gce(a, str(region), year)
        g = g[g["support_setting"].isin(GCE_GROUPS)]
        if g.empty or g["value"].isna().all():
            raise MissingSource(
                f"no ASC-FR expenditure by setting (T43/T44) for {la_code} or its region in {year}"
            )
        share = 1.0
        ppl = people_by_setting(tables, str(region), year).groupby(["age_band", "setting"]).sum()
        note = (
            f"{geography.council_name(la_code)} made no ASC-FR return for {fy_label(year)}:"
            f" costs per person are its region's ({geography.REGIONS.get(str(region), region)})."
        )
        code = str(region)
        where += f", {geography.REGIONS.get(code, code)}"
    else:
        note = ""
    gce = (
        g.assign(setting=g["support_setting"].map(GCE_GROUPS))
        .groupby(["age_band", "setting"])["value"]
        .sum(min_count=1)
        * 1000
        * share
    ).copy()
    # supported living spend where no one is counted in supported living stays in community
    for age in gce.index.get_level_values(0).unique():
        key = (age, "Supported living")
        if key in gce.index and ppl.get(key, 0.0) <= 0:
            gce[(age, "Community")] = np.nansum([gce.get((age, "Community"), np.nan), gce[key]])
            gce = gce.drop(key)
    per = (gce / ppl.where(ppl > 0)).rename("cost_cell")
    out = people.merge(per.reset_index(), on=["age_band", "setting"], how="left")
    out = out.merge(_reason_weights(a, code, year), on=CELL, how="left")
    out["weight"] = out["weight"].fillna(1.0)
    wp = out.assign(wp=out["weight"] * out["people"]).groupby(["age_band", "setting"])
    norm = wp[["wp", "people"]].transform("sum")
    scale = np.where(norm["wp"] > 0, norm["people"] / norm["wp"].where(norm["wp"] > 0, 1), 1.0)
    out["cost"] = out["cost_cell"] * out["weight"] * scale
    weeks = _weeks_per_person(a, code, year, gce, ppl)
    out["weeks_per_person"] = [
        weeks.get((r.age_band, r.setting), WEEKS) for r in out[["age_band", "setting"]].itertuples()
    ]
    out["basis"] = "returns"
    out["fixed"] = False
    table = {"18 to 64": "T43", "65 and over": "T44"}
    out["source"] = [
        f"ASC-FR {where} {table.get(age, 'T43/T44')} spend on {st.lower()} care over SALT T34"
        " people supported there, weighted by the T53/T54 unit costs by support reason"
        if st in ("Nursing", "Residential")
        else f"ASC-FR {where} {table.get(age, 'T43/T44')} community spend (direct payments,"
        " home care, supported accommodation, other long-term care) over SALT T34 community clients"
        for age, st in zip(out["age_band"], out["setting"])
    ]
    sl = out["setting"] == "Supported living"
    out.loc[sl, "cost"] = sl_weekly["weekly_gbp"] * WEEKS
    out.loc[sl, "weeks_per_person"] = WEEKS
    out.loc[sl, "basis"] = sl_weekly["basis"]
    out.loc[sl, "source"] = sl_weekly["source"]
    out.loc[sl, "fixed"] = bool(sl_weekly.get("fixed", False))
    stated = scenario.value("setting_costs")
    shared = out["setting"] == "Shared Lives"
    weekly = stated["weekly_cost_gbp"].get("Shared Lives")
    if weekly is not None:
        to_year = price_index(scenario, "Shared Lives", stated["price_year"], year)
        out.loc[shared, "cost"] = weekly * to_year * WEEKS
        out.loc[shared, "weeks_per_person"] = WEEKS
        out.loc[shared, "basis"] = "default"
        out.loc[shared, "source"] = (
            f"the scenario's stated weekly cost, £{weekly:,.0f} in {fy_label(stated['price_year'])}"
            " prices (setting_costs)"
        )
    out = _council_fees(out, a, code, year, scenario, figures)
    # a cell with no published cost takes its age band's average (never NaN)
    band_avg = (
        out.dropna(subset=["cost"])
        .assign(sp=lambda d: d["cost"] * d["people"])
        .groupby("age_band")[["sp", "people"]]
        .sum()
    )
    avg = band_avg["sp"] / band_avg["people"].where(band_avg["people"] > 0)
    out["cost"] = out["cost"].fillna(out["age_band"].map(avg)).fillna(0.0)
    out["weekly_gbp"] = out["cost"] / out["weeks_per_person"]
    out = out[[*CELL, "cost", "weekly_gbp", "weeks_per_person", "basis", "source", "fixed"]]
    out.attrs["note"] = note
    return out


def _weeks_per_person(a, code, year, gce, ppl) -> dict:
    """Weeks of care a person supported during the year had, in nursing and residential
    care: ASC-FR weeks (spend over the T52 unit cost) over SALT T34 people."""
    t52 = a[(a["table_ref"] == "T52") & (a["la_code"] == code) & (a["year"] == year)]
    out = {}
    for r in t52.itertuples():
        key = (r.age_band, r.support_setting)
        if key in gce.index and r.value and r.value > 0 and ppl.get(key, 0) > 0:
            out[key] = min(float(gce[key]) / float(r.value) / float(ppl[key]), WEEKS)
    return out


def _council_fees(out, a, code, year, scenario, figures: CouncilFigures) -> pd.DataFrame:
    """The council's own fees override the returns for their market (see the module doc)."""
    fee = figures.fee("care_home_65", "£ per week")
    if fee is not None:
        cells = (out["setting"] == "Residential") & (out["age_band"] == "65 and over")
        weekly = fee["value"] * _national_index(scenario, "Residential", fee["year"], year)
        w = out.loc[cells]
        mean_weekly = (w["cost"] / w["weeks_per_person"] * w["people"]).sum() / max(
            w["people"].sum(), 1e-9
        )
        if mean_weekly > 0:
            out.loc[cells, "cost"] = w["cost"] * weekly / mean_weekly
            out.loc[cells, "basis"] = "council"
            out.loc[cells, "fixed"] = True
            out.loc[cells, "source"] = (
                f"the council's fee for care homes for older people, £{fee['value']:,.0f} a week in"
                f" {fy_label(fee['year'])} ({fee['source']}), brought to {fy_label(year)} prices on"
                " the national pay and price path, with the returns' weeks of care a person and"
                " differences between support reasons"
            )
    fee = figures.fee("home_care_18", "£ per hour")
    if fee is not None:
        g = _gce(a, code, year)
        rate = a[
            (a["table_ref"] == "T51")
            & (a["la_code"] == code)
            & (a["year"] == year)
            & (a["provision"] == "External")
        ]["value"]
        hourly = fee["value"] * _national_index(scenario, "Community", fee["year"], year)
        for age in ("18 to 64", "65 and over"):
            rows = g[g["age_band"] == age]
            home = rows.loc[rows["support_setting"] == "Community: Home Care", "value"].sum()
            comm = rows.loc[rows["support_setting"].map(GCE_GROUPS) == "Community", "value"].sum()
            if rate.empty or not rate.iloc[0] or comm <= 0:
                continue
            factor = (home * hourly / float(rate.iloc[0]) + (comm - home)) / comm
            cells = (out["setting"] == "Community") & (out["age_band"] == age)
            out.loc[cells, "cost"] = out.loc[cells, "cost"] * factor
            out.loc[cells, "basis"] = "council"
            out.loc[cells, "source"] = (
                f"{out.loc[cells, 'source'].iloc[0] if cells.any() else ''}; its home care part at"
                f" the council's fee, £{fee['value']:,.2f} an hour in {fy_label(fee['year'])}"
                f" ({fee['source']}), against the ASC-FR external hourly rate (T51)"
            )
    return out


def _reason_weights(a: pd.DataFrame, la_code: str, year: int) -> pd.DataFrame:
    t = a[a["table_ref"].isin(["T53", "T54"]) & (a["la_code"] == la_code) & (a["year"] == year)]
    t = t[t["support_setting"].isin(["Nursing", "Residential"])]
    if t.empty:
        return pd.DataFrame(columns=[*CELL, "weight"])
    t = t[t["value"] > 0]  # a published unit cost of zero or less carries no weight
    t = t.assign(setting=t["support_setting"], client_group=t["primary_support_reason"])
    mean = t.groupby(["age_band", "setting"])["value"].transform("mean")
    return t.assign(weight=t["value"] / mean)[[*CELL, "weight"]].dropna()


def cost_path(
    scenario: Scenario,
    cost_base: pd.DataFrame,
    base: int,
    years: list[int],
    figures: CouncilFigures = NO_FIGURES,
) -> pd.DataFrame:
    """Cost factors by year and CELL from the base: prices (the council's own uplifts for the
    cells and years it gave them), real growth and workforce pay."""
    real = scenario.value("unit_cost_real_growth_pct")
    wf = scenario.value("workforce")
    pay_share = scenario.value("price_path")["pay_share"]
    held = bool(scenario.value("price_path").get("hold_prices"))
    cells = cost_base[CELL].drop_duplicates().reset_index(drop=True)
    uplifts = council_uplifts(figures, cells, years)
    prices: dict[tuple, list[float]] = {}  # one path per setting and set of council uplifts
    rows = []
    for r, council in zip(cells.itertuples(index=False), uplifts):
        key = (r.setting, tuple(sorted(council.items())))
        if key not in prices:
            prices[key] = [
                1.0 if held else price_index(scenario, r.setting, base, y, council) for y in years
            ]
        s = r.setting
        g = real.get(s, real.get("default", 0.0)) / 100
        share = pay_share.get(s, pay_share.get("default", 0.0))
        pay = 1 + wf["pay_uplift_pct"] / 100 * share if s in wf["settings"] else 1.0
        for y, price in zip(years, prices[key]):
            rows.append(
                {
                    "year": y,
                    "age_band": r.age_band,
                    "client_group": r.client_group,
                    "setting": s,
                    "price_factor": price,
                    "real_factor": (1 + g) ** (y - base),
                    "workforce_factor": pay,
                    "capacity_loss": wf["capacity_loss_pct"] / 100 if s in wf["settings"] else 0.0,
                }
            )
    return pd.DataFrame(rows)
