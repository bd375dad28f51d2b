"""Data coverage: which sources and years every council's plan stands on, which councils made no
return, and which councils' risk tests could not run for want of a published figure.

All from the plans' stored facts: the sources each plan lists, the latest year of each return
its figures carry, its forecast's inputs, and its risk table.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd


def _years_text(counter: Counter, councils: int) -> str:
    """'2022-23' when every council's plan used the same years, else each with its councils."""
    if len(counter) == 1 and next(iter(counter.values())) == councils:
        return next(iter(counter))
    return "; ".join(
        f"{y or 'undated'} ({n})" for y, n in sorted(counter.items(), key=lambda kv: -kv[1])
    )


def sources(plans) -> pd.DataFrame:
    """Per source a plan cites: the councils whose plan uses it and the years they use."""
    used: dict[str, Counter] = {}
    for f in plans.facts:
        for s in f.sources:
            used.setdefault(s.source, Counter())[s.years] += 1
    rows = [
        dict(source=src, councils=sum(c.values()), years=_years_text(c, sum(c.values())))
        for src, c in sorted(used.items())
    ]
    return pd.DataFrame(rows, columns=["source", "councils", "years"])


def inputs(plans) -> pd.DataFrame:
    """Per forecast input: the year the plans' forecasts took it from, with councils per year."""
    used: dict[str, Counter] = {}
    for f in plans.facts:
        for i in f.inputs:
            used.setdefault(i.input, Counter())[i.year_label or "not loaded"] += 1
    rows = [
        dict(input=name, councils=sum(c.values()), years=_years_text(c, sum(c.values())))
        for name, c in used.items()
    ]
    return pd.DataFrame(rows, columns=["input", "councils", "years"])


def non_submitters(plans) -> pd.DataFrame:
    """Councils with no figure from a return in its latest year: their plan's figures from it
    were all suppressed or not submitted, or stop at an earlier year than other councils'."""
    latest: dict[str, str] = {}
    for f in plans.facts:
        for r in f.returns:
            if r.latest_year and r.latest_year[:1].isdigit():
                latest[r.family] = max(latest.get(r.family, ""), r.latest_year)
    rows = []
    for f in plans.facts:
        for r in f.returns:
            newest = latest.get(r.family)
            if newest is None or r.family.startswith("Council"):
                continue
            if r.latest_year and r.latest_year < newest:
                why = f"latest figures are for {r.latest_year}, not {newest}"
            elif r.figures and r.unavailable == r.figures:
                why = f"all {r.figures} figures for {newest} suppressed or not submitted"
            else:
                continue
            rows.append(
                dict(
                    la_code=f.la_code,
                    council=f.council,
                    region=f.region,
                    family=r.family,
                    reason=why,
                )
            )
    return pd.DataFrame(rows, columns=["la_code", "council", "region", "family", "reason"])


def tests_without_data(risks: pd.DataFrame, councils: int) -> pd.DataFrame:
    """Risk tests on published figures that could not run, grouped by the file or figure they
    need: the tests, the risks they left untested, and the councils (every one of the
    ``councils``, or which). The council's own evidence, which no published file holds, is
    counted in :func:`evidence_needed`."""
    rows = []
    for r in risks.itertuples():
        for t in r.public_missing:
            rows.append(dict(la_code=r.la_code, council=r.council, risk_label=r.risk_label, **t))
    cols = ["needs", "tests", "risks", "councils", "every_council", "names", "reasons"]
    if not rows:
        return pd.DataFrame(columns=cols)
    t = pd.DataFrame(rows)
    out = []
    for needs, g in t.groupby("needs", sort=True):
        names = sorted(set(g["council"]))
        # the plan's reason, said once with the council's own name taken out
        reasons = sorted(
            {why.replace(c, "the council") for why, c in zip(g["reason"], g["council"])}
        )
        out.append(
            dict(
                needs=needs,
                tests="; ".join(dict.fromkeys(g["label"])),
                risks=", ".join(dict.fromkeys(g["risk_label"])),
                councils=len(names),
                every_council=len(names) == councils,
                names=", ".join(names) if len(names) < councils else "",
                reasons="; ".join(reasons),
            )
        )
    return pd.DataFrame(out, columns=cols)


def evidence_needed(risks: pd.DataFrame) -> pd.DataFrame:
    """Per risk: the tests no published file can run, with the councils whose plan lacks them
    for at least one market (the council's own evidence would run them)."""
    rows = []
    for (risk_label, need), g in (
        risks[["la_code", "risk_label", "needs"]]
        .explode("needs")
        .dropna(subset=["needs"])
        .groupby(["risk_label", "needs"], sort=False)
    ):
        rows.append(
            dict(risk_label=risk_label, evidence=need, councils=int(g["la_code"].nunique()))
        )
    return pd.DataFrame(rows, columns=["risk_label", "evidence", "councils"])
