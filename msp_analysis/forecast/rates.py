"""Rates of long-term support per population: the evidence, a damped trend, and its record.

**Evidence** (:func:`evidence`): people in long-term support during the year, per council,
over the population they are drawn from:

- adults aged 18 to 64 and people aged 65 and over: SALT LTS001a (table T2, 2019-20 to
  2021-22) and the client-level data behind ASCOF 2024-25 (the denominators of measures
  2E(2A) and 2E(2B): people receiving long-term support during the year, by age band);
- adults aged 18 to 64 with a learning disability: the denominators of ASCOF 2020-21
  measure 1E and ASCOF 2024-25 measure 2E(1).

The population is the council's population path (:mod:`msp_analysis.forecast.population`):
18-64 as it is, 65+ weighted by need (65-74, 75-84 and 85+ at 1, 3 and 9, the shipped
scenarios' weights), so a rate is the share of the population, weighted by need, that the
council supports. ASCOF 2024-25 counts come from the client-level return that replaced
SALT; a difference in what the two count moves the trend, and the plan says where the
figures come from.

**Trend** (:func:`trend`): a rate's annual log change by least squares over a council's
evidence years, shrunk toward the median council's change (weight ``span / (span + K)``,
``span`` the years it covers, :data:`SHRINK_YEARS` = K), counted in full up to the last
evidence year and damped after it (``damping``, ``damping ** 2`` ... of a year's trend in
each later year). ``damping`` 0 holds the rate flat after the evidence.

**Chosen by backtest** (:func:`backtest`): from every evidence year (the origin), each
method forecasts every later evidence year up to five years ahead: people then = people at
the origin x the population's growth x the rate's trend from the evidence up to the origin.
Methods: flat, and the trend at each damping in :data:`DAMPING_GRID`, chosen for each age
band (learning disability follows adults aged 18 to 64, of whom it is a part: its own two
years, 2020-21 and 2024-25, allow no test). Each origin is scored with the method that did
best on the *other* origins, and its 80% and 95% ranges are calibrated on the other origins
(:mod:`msp_analysis.forecast.calibration`): out of sample. A plan uses the method that did
best on every origin (:func:`chosen`), and ranges from every origin's errors. The population growth in the backtest is the path known today
(estimates to mid-2021, the projection after), so at one and two years it is the actual
population: those tests measure the rate alone.
"""

from __future__ import annotations

import itertools
import logging

import numpy as np
import pandas as pd

from msp_analysis import geography
from msp_analysis.forecast import calibration, returns
from msp_analysis.forecast import population as P
from msp_analysis.tables import MissingSource, Tables
from msp_analysis.years import financial_year

log = logging.getLogger(__name__)

GROUPS = {
    "18 to 64": ("18 to 64", None),
    "65 and over": ("65 and over", None),
    "learning disability 18 to 64": ("18 to 64", "Learning Disability Support"),
}
GROUP_WORDS = {
    "18 to 64": "adults aged 18 to 64",
    "65 and over": "people aged 65 and over",
    "learning disability 18 to 64": "adults aged 18 to 64 with a learning disability",
}
NEED_WEIGHTS = {"65 to 74": 1.0, "75 to 84": 3.0, "85 and over": 9.0}
SHRINK_YEARS = 3.0  # prior weight of the median council's trend, in years of own evidence
DAMPING_GRID = (0.0, 0.5, 0.8, 1.0)  # 0 = flat; 1 = the trend carried forward undamped
MAX_HORIZON = 5
SD_ONE_YEAR = 0.05  # nominal spread of a rate's log change in a year (calibration scales it)
SPREAD_POWER = 0.5  # the spread grows with the horizon to this power
ASCOF_2024 = {
    "2E(2A)": "18 to 64",
    "2E(2B)": "65 and over",
    "2E(1)": "learning disability 18 to 64",
}
ASCOF_2020 = {"1E": "learning disability 18 to 64"}
DEFINITION = (
    "people supported during the year per head of the population they come from, weighted"
    " by need at 65 and over"
)
ASCOF_SOURCE = (
    "ASCOF (NHS Digital 2020-21, DHSC 2024-25): people receiving long-term support during the"
    " year by age band (2024-25, client-level data) and adults 18-64 with a learning"
    " disability (2020-21 and 2024-25), the evidence for the rates' trends."
)
EVIDENCE_COLUMNS = ["la_code", "group", "year", "people", "population", "rate", "source"]


def evidence_words() -> str:
    """Where the counts of people come from, in words (for the record by horizon)."""
    return "from SALT 2019-20 to 2021-22 and ASCOF 2024-25"


def method_words(damping: float) -> str:
    """'held flat', 'trend carried forward in full', 'trend fading by 20% a year'."""
    if damping <= 0:
        return "held flat"
    if damping >= 1:
        return "trend carried forward in full"
    return f"trend fading by {1 - damping:.0%} a year"


# ---- evidence --------------------------------------------------------------------------


def evidence(tables: Tables) -> pd.DataFrame:
    """People in long-term support, population and rate by council, group and year (every
    council the tables cover); computed once per data build."""
    return tables.derived("rate_evidence", lambda: _evidence(tables)).copy()


def _salt_people(tables: Tables) -> pd.DataFrame:
    s = returns.salt_rows(tables)
    t2 = s[
        (s["table_ref"] == "T2")
        & (s["measure"] == "clients_lts_during_year")
        & s["age_band"].isin(["18 to 64", "65 and over"])
    ]
    t2 = t2[~t2["suppressed"].astype(bool) & (t2["area_type"] == "council")]
    t2 = t2.dropna(subset=["value"])
    return t2.assign(group=t2["age_band"], source="SALT LTS001a (T2)")[
        ["la_code", "group", "year", "value", "source"]
    ]


def _ascof_people(tables: Tables) -> pd.DataFrame:
    a = tables.get("ascof")
    if a is None or a.empty:
        return pd.DataFrame(columns=["la_code", "group", "year", "value", "source"])
    a = a[
        (a["measure_type"] == "denominator")
        & (a["disaggregation"] == "Total")
        & (a["area_type"] == "council")
    ]
    parts = []
    for year, codes in ((2024, ASCOF_2024), (2020, ASCOF_2020)):
        rows = a[(a["year"] == year) & a["measure_code"].isin(codes)]
        rows = rows[~rows["suppressed"].astype(bool)].dropna(subset=["value"])
        parts.append(
            rows.assign(
                group=rows["measure_code"].map(codes),
                source=f"ASCOF {financial_year(year)} "
                + rows["measure_code"].astype(str)
                + " denominator",
            )[["la_code", "group", "year", "value", "source"]]
        )
    return pd.concat(parts, ignore_index=True)


def group_population(
    wide: pd.DataFrame, year: int, group: str, weights: dict | None = None
) -> float:
    """The population a group's rate is per, from a year x band table
    (:func:`population.wide`; a year outside it takes its nearest end): 18-64, or 65+
    weighted by need (``weights``, default :data:`NEED_WEIGHTS`)."""
    y = min(max(year, int(wide.index.min())), int(wide.index.max()))
    b = wide.loc[y]
    if GROUPS[group][0] == "18 to 64":
        return float(b["18 to 64"])
    return float(sum(b[k] * w for k, w in (weights or NEED_WEIGHTS).items()))


def _evidence(tables: Tables) -> pd.DataFrame:
    if not tables.has("salt"):
        return pd.DataFrame(columns=EVIDENCE_COLUMNS)
    people = pd.concat([_salt_people(tables), _ascof_people(tables)], ignore_index=True)
    by_code = {code: g for code, g in people.groupby("la_code")}
    rows = []
    codes = set(people["la_code"]) | set(geography.councils()["la_code"])
    for la in sorted(codes):
        try:
            code, share, _ = returns.source_code(tables, la)
        except MissingSource:
            continue
        mine = [by_code.get(la, people.iloc[:0])]
        if code != la and code in by_code:  # returns made before a boundary change
            old = by_code[code]
            old = old[
                ~old.set_index(["group", "year"]).index.isin(
                    mine[0].set_index(["group", "year"]).index
                )
            ]
            mine.append(old.assign(value=old["value"] * share))
        mine = pd.concat(mine, ignore_index=True)
        if mine.empty:
            continue
        path = P.population_path(tables, la)
        if path.frame.empty:
            continue
        w = P.wide(path)
        for r in mine.itertuples():
            pop = group_population(w, int(r.year), r.group)
            rows.append(
                {
                    "la_code": la,
                    "group": r.group,
                    "year": int(r.year),
                    "people": float(r.value),
                    "population": pop,
                    "rate": float(r.value) / pop if pop > 0 else np.nan,
                    "source": r.source,
                }
            )
    out = pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)
    out = out[(out["people"] > 0) & (out["rate"] > 0)]
    return out.sort_values(["la_code", "group", "year"]).reset_index(drop=True)


# ---- trend -----------------------------------------------------------------------------


def _slopes(ev: pd.DataFrame) -> pd.DataFrame:
    """Per council and group: own annual log slope (least squares), span, points, last year
    and its rate."""
    rows = []
    for (la, group), g in ev.groupby(["la_code", "group"], sort=False):
        years = g["year"].to_numpy(dtype=float)
        logs = np.log(g["rate"].to_numpy(dtype=float))
        span = float(years.max() - years.min())
        slope = float(np.polyfit(years, logs, 1)[0]) if len(g) >= 2 and span > 0 else np.nan
        rows.append(
            {
                "la_code": la,
                "group": group,
                "points": len(g),
                "first_year": int(years.min()),
                "last_year": int(years.max()),
                "span": span,
                "own_slope": slope,
            }
        )
    return pd.DataFrame(
        rows,
        columns=["la_code", "group", "points", "first_year", "last_year", "span", "own_slope"],
    )


def trend(ev: pd.DataFrame, upto: int | None = None) -> pd.DataFrame:
    """Each council and group's trend from the evidence up to ``upto`` (all when None).

    Returns la_code, group, points, first_year, last_year, span, own_slope, pooled_slope
    (the median council's), slope (own shrunk toward pooled; pooled where a council has one
    point).
    """
    e = ev if upto is None else ev[ev["year"] <= upto]
    s = _slopes(e)
    if s.empty:
        return s.assign(pooled_slope=pd.Series(dtype=float), slope=pd.Series(dtype=float))
    pooled = s.groupby("group")["own_slope"].median()
    s["pooled_slope"] = s["group"].map(pooled).fillna(0.0)
    w = s["span"] / (s["span"] + SHRINK_YEARS)
    s["slope"] = np.where(
        s["own_slope"].notna(),
        w * s["own_slope"].fillna(0) + (1 - w) * s["pooled_slope"],
        s["pooled_slope"],
    )
    return s


def years_of_trend(start: int, end: int, last_evidence: int, damping: float) -> float:
    """Years of trend from ``start`` to ``end``: in full up to ``last_evidence``, then
    damped (``damping + damping^2 + ...``, so 0 holds the rate flat after the evidence and 1
    carries the trend on in full); negative when end < start."""
    if end < start:
        return -years_of_trend(end, start, last_evidence, damping)
    full = max(0, min(end, last_evidence) - start)
    after = end - max(start, last_evidence)
    damped = sum(damping**k for k in range(1, after + 1)) if after > 0 else 0.0
    return float(full + damped)


# ---- backtest --------------------------------------------------------------------------


def backtest(tables: Tables) -> pd.DataFrame:
    """Every council, group, origin, target year and method (see module doc); cached per
    data build."""
    return tables.derived("rate_backtest", lambda: compute(evidence(tables))).copy()


def _forecasts(ev: pd.DataFrame) -> pd.DataFrame:
    """Every method's forecast of each later evidence year from each evidence year."""
    out = []
    years = sorted(int(y) for y in ev["year"].unique())
    wide = ev.pivot_table(index=["la_code", "group"], columns="year", values="people")
    popw = ev.pivot_table(index=["la_code", "group"], columns="year", values="population")
    for origin, target in itertools.combinations(years, 2):
        h = target - origin
        if h > MAX_HORIZON:
            continue
        tr = trend(ev, origin).set_index(["la_code", "group"])
        both = wide[[origin, target]].dropna()
        both = both[both.index.isin(tr.index)]
        if both.empty:
            continue
        t = tr.loc[both.index]
        own_last = t["last_year"].to_numpy() == origin
        both, t = both[own_last], t[own_last]
        pop_growth = (popw.loc[both.index, target] / popw.loc[both.index, origin]).to_numpy()
        for d in DAMPING_GRID:
            k = years_of_trend(origin, target, origin, d)
            point = both[origin].to_numpy() * pop_growth * np.exp(t["slope"].to_numpy() * k)
            out.append(
                pd.DataFrame(
                    {
                        "la_code": both.index.get_level_values(0),
                        "group": both.index.get_level_values(1),
                        "origin": origin,
                        "year": target,
                        "horizon": h,
                        "damping": d,
                        "forecast": point,
                        "actual": both[target].to_numpy(),
                    }
                )
            )
    if not out:
        return pd.DataFrame(
            columns=[
                "la_code",
                "group",
                "origin",
                "year",
                "horizon",
                "damping",
                "forecast",
                "actual",
            ]
        )
    f = pd.concat(out, ignore_index=True)
    f["ape"] = (f["forecast"] - f["actual"]).abs() / f["actual"] * 100
    return f


def family(group: str) -> str:
    """The group whose backtest chooses a group's method (its age band)."""
    return GROUPS[group][0]


def _best(f: pd.DataFrame) -> float:
    """The damping with the lowest error in ``f``: each test's (origin, horizon and group)
    median absolute % error, averaged over the tests, so the many one-year tests do not
    drown the few longer ones (flat on a tie, or with no tests)."""
    if f.empty:
        return 0.0
    err = f.groupby(["origin", "horizon", "group", "damping"])["ape"].median()
    err = err.groupby("damping").mean()
    return float(min(d for d, e in err.items() if np.isclose(e, err.min())))


def compute(ev: pd.DataFrame) -> pd.DataFrame:
    """The rates backtest as a pure function of the evidence: every method's forecasts, the
    one each origin is scored with (``chosen``: best on the other origins) and its
    calibrated ranges (``lower_80`` ... ``covered_95``, on the chosen rows)."""
    f = _forecasts(ev)
    if f.empty:
        return f.assign(chosen=[], sd_log=[], z=[])
    fam = f["group"].map(family)
    pick = {
        (o, b): _best(f[(f["origin"] != o) & (fam == b)]) for o, b in set(zip(f["origin"], fam))
    }
    f["chosen"] = f["damping"].eq(pd.Series(list(zip(f["origin"], fam)), index=f.index).map(pick))
    f["sd_log"] = SD_ONE_YEAR * f["horizon"].astype(float) ** SPREAD_POWER
    f["z"] = calibration.standardised(f["actual"], f["forecast"], f["sd_log"])
    c = f[f["chosen"]]
    loo = calibration.leave_one_origin_out(c[["origin", "horizon", "z"]])
    q = loo.set_index(["origin", "horizon"]).reindex(
        pd.MultiIndex.from_frame(c[["origin", "horizon"]])
    )
    for lvl in calibration.LEVELS:
        for side, col in (("lo", "lower"), ("hi", "upper")):
            f.loc[c.index, f"{col}_{lvl}"] = c["forecast"].to_numpy() * np.exp(
                c["sd_log"].to_numpy() * q[f"q_{side}_{lvl}"].to_numpy()
            )
        f.loc[c.index, f"covered_{lvl}"] = (f.loc[c.index, f"lower_{lvl}"] <= c["actual"]) & (
            c["actual"] <= f.loc[c.index, f"upper_{lvl}"]
        )
    return f


def chosen(bt: pd.DataFrame, group: str) -> float:
    """The damping a plan uses for ``group``: the lowest median error over every origin in
    its age band's tests."""
    return _best(bt[bt["group"].map(family) == family(group)]) if len(bt) else 0.0


def people_calibration(bt: pd.DataFrame) -> calibration.Calibration:
    """Quantiles of the chosen methods' standardised errors by horizon (every origin)."""
    if bt.empty:
        return calibration.fit(pd.DataFrame(columns=["origin", "horizon", "z"]))
    pick = {b: chosen(bt, b) for b in set(bt["group"].map(family))}
    c = bt[bt["damping"].eq(bt["group"].map(family).map(pick))]
    return calibration.fit(c[["origin", "horizon", "z"]], list(range(1, MAX_HORIZON + 1)))


#: One row of a forecast's record by horizon (the people and spend records share it): origins
#: ('2012-13, 2017-18'), forecasts, median absolute % error, bias (mean % error), coverage of
#: the calibrated 80% and 95% ranges, and the median error of the simple reference the model
#: is set against (for rates: the rate held flat; for spend: the last value).
BY_HORIZON_COLUMNS = [
    "horizon",
    "origins",
    "forecasts",
    "median_ape",
    "bias_pct",
    "coverage_80",
    "coverage_95",
    "reference_median_ape",
]


def by_horizon(bt: pd.DataFrame) -> pd.DataFrame:
    """The record of the rates by horizon, pooled over groups and origins
    (:data:`BY_HORIZON_COLUMNS`; each origin scored with the method and ranges of the other
    origins; the reference is the rate held flat)."""
    cols = BY_HORIZON_COLUMNS
    if bt.empty:
        return pd.DataFrame(columns=cols)
    c = bt[bt["chosen"]].assign(
        error_pct=lambda d: (d["forecast"] - d["actual"]) / d["actual"] * 100
    )
    out = (
        c.groupby("horizon")
        .agg(
            origins=(
                "origin",
                lambda o: ", ".join(financial_year(y) for y in sorted(set(o))),
            ),
            forecasts=("ape", "size"),
            median_ape=("ape", "median"),
            bias_pct=("error_pct", "mean"),
            coverage_80=("covered_80", "mean"),
            coverage_95=("covered_95", "mean"),
        )
        .reset_index()
    )
    flat = bt[bt["damping"] == 0.0].groupby("horizon")["ape"].median()
    out["reference_median_ape"] = out["horizon"].map(flat)
    for col in ("coverage_80", "coverage_95"):
        out[col] = out[col].astype(float) * 100
    return out[cols]


# ---- one council's rates in a projection -------------------------------------------------


def _all_trends(tables: Tables) -> pd.DataFrame:
    key = ("rate_trends_all",)
    if key not in tables.cache:
        tables.cache[key] = trend(evidence(tables))
    return tables.cache[key]


def why_chosen(tables: Tables) -> dict[str, str]:
    """:func:`choice_words` of this data set's backtest, computed once per loaded data set
    (the same for every council and scenario)."""
    key = ("rate_choice_words",)
    if key not in tables.cache:
        tables.cache[key] = choice_words(backtest(tables))
    return tables.cache[key]


def _dampings(tables: Tables) -> dict[str, float]:
    key = ("rate_dampings",)
    if key not in tables.cache:
        bt = backtest(tables)
        tables.cache[key] = {g: chosen(bt, g) for g in GROUPS}
    return tables.cache[key]


def council_rates(
    tables: Tables, la_code: str, start: int, years: list[int], weights: dict | None = None
) -> pd.DataFrame:
    """Each group's rate in ``years`` relative to ``start`` (the SALT year), on its trend.

    Returns one row per group and year: group, year, rate_factor, slope (annual log change
    used), own_slope, pooled_slope, first_year, last_year, points, damping, sources. A
    group with no evidence for the council takes the median council's trend from ``start``.
    """
    ev = evidence(tables)
    mine = ev[ev["la_code"] == la_code]
    if weights and mine["group"].eq("65 and over").any():
        path = P.population_path(tables, la_code)
        w = P.wide(path)
        old = mine["group"] == "65 and over"
        pop = [group_population(w, int(y), "65 and over", weights) for y in mine.loc[old, "year"]]
        mine = mine.copy()
        mine.loc[old, "population"] = pop
        mine.loc[old, "rate"] = mine.loc[old, "people"] / mine.loc[old, "population"]
    pooled = _all_trends(tables).groupby("group")["pooled_slope"].first()
    own = trend(mine).set_index("group") if len(mine) else pd.DataFrame()
    damping = _dampings(tables)
    rows = []
    for group in GROUPS:
        p = float(pooled.get(group, 0.0))
        if group in own.index:
            r = own.loc[group]
            w = r["span"] / (r["span"] + SHRINK_YEARS)
            slope = w * r["own_slope"] + (1 - w) * p if pd.notna(r["own_slope"]) else p
            first, last, points = int(r["first_year"]), int(r["last_year"]), int(r["points"])
            own_slope = float(r["own_slope"])
            sources = "; ".join(dict.fromkeys(mine.loc[mine["group"] == group, "source"]))
        else:
            slope, first, last, points, own_slope, sources = p, start, start, 0, np.nan, ""
        for y in years:
            k = years_of_trend(start, y, last, damping[group])
            rows.append(
                {
                    "group": group,
                    "year": y,
                    "rate_factor": float(np.exp(slope * k)),
                    "slope": float(slope),
                    "own_slope": own_slope,
                    "pooled_slope": p,
                    "first_year": first,
                    "last_year": last,
                    "points": points,
                    "damping": damping[group],
                    "sources": sources,
                }
            )
    return pd.DataFrame(rows)


def _source_words(sources: str) -> str:
    """'SALT LTS001a (T2); ASCOF 2024-25 2E(2A) denominator' -> 'SALT and ASCOF 2024-25'."""
    words = []
    for part in str(sources).split("; "):
        w = "SALT" if part.startswith("SALT") else " ".join(part.split()[:2])
        if w and w not in words:
            words.append(w)
    return " and ".join(words)


def describe(rates: pd.DataFrame, why: dict[str, str] | None = None) -> list[str]:
    """One sentence per group: its trend, the evidence behind it, how it is carried on after
    the evidence and (``why``, by age band: :func:`choice_words`) why.

    'Adults aged 18 to 64: +1.9% a year from 2019-20 to 2024-25 (SALT and ASCOF 2024-25;
    the median council +1.6%); after 2024-25 the trend fades by 20% a year, the way that did
    best when tested on the past (...).'"""
    out = []
    for group, g in rates.groupby("group", sort=False):
        r = g.iloc[0]
        who = GROUP_WORDS[group][:1].upper() + GROUP_WORDS[group][1:]
        pct = np.expm1(r["slope"]) * 100
        median = np.expm1(r["pooled_slope"]) * 100
        last = financial_year(r["last_year"])
        if r["points"] >= 2:
            first = financial_year(r["first_year"])
            basis = (
                f"{pct:+.1f}% a year from {first} to {last} ({_source_words(r['sources'])};"
                f" the median council {median:+.1f}%)"
            )
        else:
            basis = f"{pct:+.1f}% a year, the median council's (too little evidence of its own)"
        d = float(r["damping"])
        after = (
            "it is held"
            if d <= 0
            else "the trend carries on in full"
            if d >= 1
            else f"the trend fades by {1 - d:.0%} a year"
        )
        band = family(group)
        reason = (why or {}).get(band, "")
        if reason and band != group:
            reason = f"as for all {GROUP_WORDS[band]} (its own years allow no test)"
        out.append(
            f"{who}: {basis}; after {last} {after}" + (f", {reason}" if reason else "") + "."
        )
    return out


def choice_words(bt: pd.DataFrame) -> dict[str, str]:
    """Why each age band's rate is carried on as it is after its evidence, from the
    backtest, as a clause: 'the way that did best when tested on the past (median error
    5.9% over 6 tests, 1 to 5 years ahead; held 6.0%, ...)' (each test's median error,
    averaged over the tests)."""
    out: dict[str, str] = {}
    if bt.empty:
        return out
    fam = bt["group"].map(family)
    short = {0.0: "held", 1.0: "carried on in full"}
    for band in sorted(set(fam)):
        f = bt[fam == band]
        err = f.groupby(["origin", "horizon", "group", "damping"])["ape"].median()
        err = err.groupby("damping").mean()
        best = chosen(bt, band)
        tests = f[["origin", "horizon"]].drop_duplicates()
        span = f"{int(tests['horizon'].min())} to {int(tests['horizon'].max())} years ahead"
        others = "; ".join(
            f"{short.get(float(d), f'fading by {1 - d:.0%} a year')} {e:.1f}%"
            for d, e in err.items()
            if not np.isclose(d, best)
        )
        out[band] = (
            f"the way that did best when tested on the past (median error {err[best]:.1f}%"
            f" over {len(tests)} tests, {span}; {others})"
        )
    return out
