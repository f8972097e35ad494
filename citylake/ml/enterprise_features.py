"""Features of the abnormal-operation model, from the legal-person library.

Who: enterprises of the register that are in business (status 10/20/30 in
``dim_enterprise``). Abnormal operation (经营异常) is something that happens to an
enterprise in business, so the status only selects whom the model is for; it is not a
feature (an enterprise already revoked or deregistered is not "at risk", and letting the
status in would score the population, not the risk).

What: registration (type, industry section, capital, age), people (insured employees),
licences, and the twelve monthly tax filings (``stg_tax__filings`` through the
organisation cross-reference): how many months were filed of those expected since
establishment, how many declared zero revenue, how many were filed late, and the trend of
revenue over the year. ``enterprise_profile.risk_tags`` is left out on purpose: after a
scoring run it holds this model's own tag.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from citylake.ml.automl import FeatureSet
from citylake.settings import Settings

IN_BUSINESS = ("10", "20", "30")
PERIODS = 12
#: A VAT filing is due by the 15th of the month after the period.
DUE_DAY = 15

FEATURES = FeatureSet(
    numeric=("age_years", "log_capital", "insured_employees", "licences", "registrations", "months_expected",
             "filed_share", "zero_share", "late_share", "revenue_trend", "revenue_last_vs_first",
             "months_since_last_filing", "log_mean_revenue"),
    categorical=("industry_section", "enterprise_kind"),
)


def enterprise_sql(gold: str, staging: str) -> str:
    codes = ", ".join(f"'{c}'" for c in IN_BUSINESS)
    return f"""
with as_of as (
    select max(record_day) as day from {staging}.stg_market_supervision__enterprises
),
industries as (
    select code, parent_code from {staging}.stg_standards__code_tables where table_id = 'industry'
)
select e.credit_code, e.enterprise_type, e.industry_code, i.parent_code as industry_section,
       e.registered_capital, e.registrations,
       months_between(as_of.day, e.establishment_date) / 12 as age_years,
       p.insured_employees, p.licences
from {gold}.dim_enterprise e
cross join as_of
left join industries i on i.code = e.industry_code
left join {gold}.enterprise_profile p on p.credit_code = e.credit_code
where e.in_register and e.status in ({codes})
"""


def filings_sql(staging: str) -> str:
    return f"""
select x.org_key as credit_code, f.period, cast(f.revenue as double) as revenue, f.filing_date
from {staging}.stg_tax__filings f
inner join {staging}.stg_resolution__org_xref x on x.source_table = 'tax__filings' and x.record_key = f.record_key
"""


def filing_features(filings: pd.DataFrame, enterprises: pd.DataFrame) -> pd.DataFrame:
    """Per enterprise, from its monthly filings over the last ``PERIODS`` periods of the lake.

    ``filings``: credit_code, period ('YYYY-MM'), revenue, filing_date; ``enterprises``:
    credit_code, age_years. Months expected are those since establishment in the window;
    an enterprise without any filing gets shares of 0 filed and no trend (NaN: imputed).
    """
    keys = enterprises[["credit_code", "age_years"]].copy()
    out = pd.DataFrame({"credit_code": keys["credit_code"]})
    f = filings.dropna(subset=["credit_code", "period"]).copy()
    if f.empty:
        last = None
    else:
        month = pd.PeriodIndex(f["period"].astype(str), freq="M")
        f["month"] = month.year * 12 + month.month - 1
        last = int(f["month"].max())
    expected = np.clip(np.floor(pd.to_numeric(keys["age_years"], errors="coerce").fillna(0).to_numpy() * 12), 0, PERIODS)
    out["months_expected"] = np.where(expected > 0, expected, 1.0)
    cols = ("filed_share", "zero_share", "late_share", "revenue_trend", "revenue_last_vs_first",
            "months_since_last_filing", "log_mean_revenue")
    if last is None:
        for c in cols:
            out[c] = np.nan
        out["filed_share"] = 0.0
        out["months_since_last_filing"] = float(PERIODS)
        return out
    f = f[f["month"] > last - PERIODS]
    f = f.sort_values(["credit_code", "month", "revenue"], kind="stable").drop_duplicates(["credit_code", "month"])
    f["t"] = f["month"] - (last - PERIODS + 1)          # 0 … PERIODS-1
    due = pd.to_datetime([f"{m // 12:04d}-{m % 12 + 1:02d}-01" for m in (f["month"] + 1).tolist()]) + pd.Timedelta(days=DUE_DAY - 1)
    f["late"] = (pd.to_datetime(f["filing_date"], errors="coerce") > due).astype(float)
    f["zero"] = (f["revenue"].fillna(0) <= 0).astype(float)
    f["log_revenue"] = np.log1p(f["revenue"].clip(lower=0).fillna(0))
    grouped = f.groupby("credit_code", sort=True)
    agg = pd.DataFrame({
        "filed": grouped.size(),
        "zero_share": grouped["zero"].mean(),
        "late_share": grouped["late"].mean(),
        "last_t": grouped["t"].max(),
        "log_mean_revenue": grouped["log_revenue"].mean(),
        "revenue_trend": grouped[["t", "log_revenue"]].apply(_slope),
        "revenue_last_vs_first": grouped[["t", "revenue"]].apply(_last_vs_first),
    })
    out = out.merge(agg, left_on="credit_code", right_index=True, how="left")
    out["filed_share"] = (out["filed"].fillna(0) / out["months_expected"]).clip(upper=1.0)
    out["months_since_last_filing"] = (PERIODS - 1 - out["last_t"]).fillna(float(PERIODS))
    return out.drop(columns=["filed", "last_t"])


def _slope(g: pd.DataFrame) -> float:
    """Least-squares slope of log revenue per month (NaN under three filings)."""
    if len(g) < 3:
        return float("nan")
    t = g["t"].to_numpy(dtype=float)
    y = g["log_revenue"].to_numpy(dtype=float)
    t = t - t.mean()
    denom = float((t * t).sum())
    return float((t * (y - y.mean())).sum() / denom) if denom else float("nan")


def _last_vs_first(g: pd.DataFrame) -> float:
    """Revenue of the last three filed months over the first three (log ratio; NaN under six filings)."""
    if len(g) < 6:
        return float("nan")
    r = g.sort_values("t")["revenue"].clip(lower=0).fillna(0).to_numpy(dtype=float)
    return float(np.log1p(r[-3:].sum()) - np.log1p(r[:3].sum()))


def finish_enterprise_features(raw: pd.DataFrame, filings: pd.DataFrame) -> pd.DataFrame:
    """Typed model inputs, sorted by credit code."""
    out = pd.DataFrame({"credit_code": raw["credit_code"].astype(str)})
    out["age_years"] = pd.to_numeric(raw["age_years"], errors="coerce").astype(float)
    out["log_capital"] = np.log1p(pd.to_numeric(raw["registered_capital"], errors="coerce").clip(lower=0)).astype(float)
    for col in ("insured_employees", "licences", "registrations"):
        out[col] = pd.to_numeric(raw[col], errors="coerce").fillna(0).astype(float)
    out["industry_section"] = raw["industry_section"].astype(object).where(raw["industry_section"].notna(), None)
    # the type's first digit: company, branch, sole proprietorship, partnership, collective …
    out["enterprise_kind"] = raw["enterprise_type"].astype(object).map(lambda t: t[:1] if isinstance(t, str) and t else None)
    out = out.merge(filing_features(filings, out[["credit_code", "age_years"]]), on="credit_code", how="left")
    return out.sort_values("credit_code", kind="stable").reset_index(drop=True)


def enterprise_features(spark: Any, settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(features, keys) of the enterprises in business, by ``credit_code``."""
    gold = settings.gold.dbt_schema
    staging = f"{gold}_staging"
    raw = spark.sql(enterprise_sql(gold, staging)).toPandas()
    if raw["credit_code"].duplicated().any():
        raise ValueError("dim_enterprise holds a credit_code twice: the features need one row per enterprise")
    filings = spark.sql(filings_sql(staging)).toPandas()
    return finish_enterprise_features(raw, filings), raw[["credit_code"]]
