"""Features of the elderly-care model, from the population library.

Who: people of ``dim_person`` alive and aged 65 or more on the lake's latest delivery day
of the household register (the age the care programme starts at). What is known of them
in gold: age, gender, marital status and district (``dim_person``), who they live with
(household size among registered residents, spouse and children in
``person_relationship``), a disability certificate (licences), a subsistence allowance in
the household (civil affairs), social insurance, and a care assessment if civil affairs
made one (level and subsidy).

The care assessment is a department's observation, made before any score, so it is a
feature and not the label; but it is close to it, and only some of the elderly have one.
The model card therefore also reports the held-out metrics of the people *without* an
assessment — the ones the score is for.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from citylake.ml.automl import FeatureSet
from citylake.settings import Settings

CARE_LEVEL_RANK = {"能力完好": 0, "轻度失能": 1, "中度失能": 2, "重度失能": 3}
DISABILITY_CERTIFICATE = "113"     # licence_type code of the disability certificate (残疾人证)
ALLOWANCE_ACTIVE = "在保"

FEATURES = FeatureSet(
    numeric=("age", "is_male", "household_size", "lives_alone", "spouses", "children", "has_disability_certificate",
             "household_allowance", "insurance_records", "has_care_assessment", "care_level", "care_subsidy",
             "source_tables"),
    categorical=("marital_status",),
)


def person_features_sql(gold: str, staging: str) -> str:
    """One row per person of the care population with raw features (SQL on gold)."""
    levels = " ".join(f"when '{k}' then {v}" for k, v in CARE_LEVEL_RANK.items())
    return f"""
with as_of as (
    select max(record_day) as day from {staging}.stg_public_security__persons
),
people as (
    select p.person_key, p.citizen_id_token, p.gender, p.marital_status, p.household_no, p.source_tables,
           cast(floor(months_between(as_of.day, p.birth_date) / 12) as int) as age
    from {gold}.dim_person p cross join as_of
    where not p.is_deceased and p.birth_date is not null and add_months(p.birth_date, 65 * 12) <= as_of.day
),
xref as (
    select person_key, source_table, role, record_key from {staging}.stg_resolution__person_xref
),
households as (
    select household_no, count(*) as household_size
    from {gold}.dim_person where is_registered_resident and household_no is not null
    group by household_no
),
relations as (
    select person_key, count_if(relation = 'spouse') as spouses, count_if(relation = 'parent_of') as children
    from {gold}.person_relationship group by person_key
),
disability as (
    select distinct x.person_key
    from {staging}.stg_licences__licences l
    inner join xref x on x.source_table = 'licences__licences' and x.record_key = l.record_key
    where l.licence_type = '{DISABILITY_CERTIFICATE}' and l.holder_type = 'person'
),
allowance as (
    select distinct household_no from {staging}.stg_civil_affairs__subsistence_allowance
    where status = '{ALLOWANCE_ACTIVE}' and household_no is not null
),
insurance as (
    select x.person_key, count(*) as insurance_records
    from xref x where x.source_table = 'hr_social_security__insurance' group by x.person_key
),
care as (
    select x.person_key, max(case c.care_level {levels} end) as care_level,
           max(cast(c.monthly_subsidy as double)) as care_subsidy
    from {staging}.stg_civil_affairs__elderly_care c
    inner join xref x on x.source_table = 'civil_affairs__elderly_care' and x.record_key = c.record_key
    group by x.person_key
)
select p.person_key, p.citizen_id_token, p.age, p.gender, p.marital_status, p.source_tables,
       h.household_size, coalesce(r.spouses, 0) as spouses, coalesce(r.children, 0) as children,
       d.person_key is not null as has_disability_certificate,
       a.household_no is not null as household_allowance,
       coalesce(i.insurance_records, 0) as insurance_records,
       c.person_key is not null as has_care_assessment, c.care_level, c.care_subsidy
from people p
left join households h on h.household_no = p.household_no
left join relations r on r.person_key = p.person_key
left join disability d on d.person_key = p.person_key
left join allowance a on a.household_no = p.household_no
left join insurance i on i.person_key = p.person_key
left join care c on c.person_key = p.person_key
"""


def finish_person_features(raw: pd.DataFrame) -> pd.DataFrame:
    """Typed model inputs from the raw rows, sorted by key (the order a re-run sees too).

    A person outside any registered household (no household size) is counted as living
    alone: nobody registered lives with them.
    """
    out = pd.DataFrame({"person_key": raw["person_key"].astype(str)})
    out["age"] = pd.to_numeric(raw["age"], errors="coerce").astype(float)
    out["is_male"] = (raw["gender"] == "1").astype(float).where(raw["gender"].notna())
    size = pd.to_numeric(raw["household_size"], errors="coerce")
    out["household_size"] = size.fillna(1).astype(float)
    out["lives_alone"] = (out["household_size"] <= 1).astype(float)
    for col in ("spouses", "children", "insurance_records", "source_tables"):
        out[col] = pd.to_numeric(raw[col], errors="coerce").fillna(0).astype(float)
    for col in ("has_disability_certificate", "household_allowance", "has_care_assessment"):
        out[col] = raw[col].fillna(False).astype(bool).astype(float)
    out["care_level"] = pd.to_numeric(raw["care_level"], errors="coerce").astype(float)
    out["care_subsidy"] = pd.to_numeric(raw["care_subsidy"], errors="coerce").astype(float)
    out["marital_status"] = raw["marital_status"].astype(object).where(raw["marital_status"].notna(), None)
    return out.sort_values("person_key", kind="stable").reset_index(drop=True)


def person_features(spark: Any, settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(features, keys) of the care population: features by ``person_key``; keys with the
    citizen-ID token, which only the label join reads."""
    gold = settings.gold.dbt_schema
    raw = spark.sql(person_features_sql(gold, f"{gold}_staging")).toPandas()
    if raw["person_key"].duplicated().any():
        raise ValueError("dim_person holds a person_key twice: the features need one row per person")
    return finish_person_features(raw), raw[["person_key", "citizen_id_token"]]
