"""The dbt gold layer on the test city: `dbt build` green, one dim_person row per true
person, population statistics equal to independent counts, survivorship recorded, and a
re-run that changes no table."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

pytestmark = pytest.mark.spark

MARTS = ("dim_person", "person_relationship", "population_stats", "dim_enterprise", "enterprise_profile",
         "enterprise_stats", "dim_admin_division", "dim_address", "person_tags", "enterprise_tags",
         "emergency_nearest_resources", "emergency_shelter_coverage", "city_code", "person_profile")


def test_dbt_build_green(dbt_build: dict[str, Any]) -> None:
    statuses = dbt_build["statuses"]
    assert set(statuses) <= {"success", "pass", "no-op"}, statuses  # no-op: exposures
    assert statuses.get("pass", 0) >= 30 and statuses.get("success", 0) >= 25, statuses  # tests and models ran


def test_marts_exist_and_hold_rows(dbt_build: dict[str, Any], spark, settings) -> None:  # type: ignore[no-untyped-def]
    schema = settings.gold.dbt_schema
    counts = {m: spark.table(f"{schema}.{m}").count() for m in MARTS}
    assert all(n > 0 for m, n in counts.items() if m != "enterprise_tags"), counts


def test_dim_person_one_row_per_true_person(dbt_build: dict[str, Any], spark, settings, ground_truth: Path) -> None:  # type: ignore[no-untyped-def]
    from citylake.resolution.scoring import truth

    dim = spark.table(f"{settings.gold.dbt_schema}.dim_person").select("person_key").toPandas()
    assert dim["person_key"].is_unique
    xref = spark.table("silver.person_xref").select("person_key", "source_table", "role", "record_key").toPandas()
    known = xref.merge(truth(spark, settings, ground_truth, "person"), on=["source_table", "role", "record_key"])
    real = known.dropna(subset=["true_id"])
    rows_per_person = real.groupby("true_id")["person_key"].nunique()
    persons_per_row = real.groupby("person_key")["true_id"].nunique()
    assert set(real["person_key"]) <= set(dim["person_key"])
    assert (rows_per_person == 1).all(), rows_per_person[rows_per_person > 1].head()
    assert (persons_per_row == 1).all(), persons_per_row[persons_per_row > 1].head()
    # every other dim_person row holds orphan references only (IDs of nobody; some of those link to a
    # real person by name and phone, and are then no extra row)
    orphan_keys = set(known[known["true_id"].isna()]["person_key"]) - set(real["person_key"])
    assert set(dim["person_key"]) - set(real["person_key"]) == orphan_keys
    assert len(dim) == real["true_id"].nunique() + len(orphan_keys)


def test_survivorship_records_the_winning_source(dbt_build: dict[str, Any], spark, settings) -> None:  # type: ignore[no-untyped-def]
    dim = spark.table(f"{settings.gold.dbt_schema}.dim_person")
    register = dim.where("in_register").select("gender_source", "birth_date_source", "ethnicity_source").distinct().collect()
    assert {tuple(r) for r in register} == {("public_security__persons",) * 3}
    others = dim.where("NOT in_register AND birth_date IS NOT NULL").select("birth_date_source").distinct().collect()
    assert {r[0] for r in others} <= {"civil_affairs__deaths", "civil_affairs__elderly_care", "health__births"}


def test_every_person_has_one_valid_city_code_that_reveals_nothing(dbt_build: dict[str, Any], spark, settings) -> None:  # type: ignore[no-untyped-def]
    from citylake.resolution.city_codes import is_valid_code

    codes = spark.table(f"{settings.gold.dbt_schema}.city_code").toPandas()
    dim = spark.table(f"{settings.gold.dbt_schema}.dim_person").select("person_key", "is_deceased", "citizen_id_token").toPandas()
    current = codes[codes["status"] != "retired"]
    assert sorted(current["person_key"]) == sorted(dim["person_key"]), "one code per golden person, no more"
    assert codes["city_code"].is_unique and all(is_valid_code(c) for c in codes["city_code"])
    cancelled = set(current[current["status"] == "cancelled"]["person_key"])
    assert cancelled == set(dim[dim["is_deceased"]]["person_key"]) and cancelled, "a death cancels the code"
    assert current[current["status"] == "cancelled"]["valid_to"].notna().all()
    # not the person key nor the citizen-ID token in another dress
    keys = set(dim["person_key"]) | set(dim["citizen_id_token"].dropna())
    assert not any(c[2:-1].lower() in k for c in codes["city_code"] for k in keys)


def test_person_profile_is_one_row_per_person_agreeing_with_its_parts(dbt_build: dict[str, Any], spark, settings) -> None:  # type: ignore[no-untyped-def]
    gold = settings.gold.dbt_schema
    profile = spark.table(f"{gold}.person_profile").toPandas().set_index("person_key")
    assert profile.index.is_unique and len(profile) == spark.table(f"{gold}.dim_person").count()
    edges = spark.table(f"{gold}.person_relationship").where("relation = 'parent_of'").groupBy("person_key").count().toPandas()
    children = profile["children"].reindex(edges["person_key"]).fillna(-1).astype(int).tolist()
    assert children == edges["count"].tolist() and sum(children) > 0
    tagged = spark.table(f"{gold}.person_tags").select("person_key", "tag_code").toPandas()
    assert all(t in profile.at[k, "tags"] for k, t in zip(tagged["person_key"], tagged["tag_code"]))
    assert profile["city_code"].notna().all() and (profile["employers"] > 0).any() and profile["on_subsistence_allowance"].any()


def _age(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _band(age: int) -> str:
    return "100+" if age >= 100 else f"{age // 5 * 5}-{age // 5 * 5 + 4}"


def test_population_stats_equal_independent_counts(dbt_build: dict[str, Any], spark, settings, ground_truth: Path) -> None:  # type: ignore[no-untyped-def]
    """Counted again in pandas from the ground truth's people — restricted to those whose
    register row reached silver (a quarantined row is no registered person in the lake) —
    by their true district, age, gender and ethnicity."""
    from citylake.security.crypto import Tokenizer
    from citylake.security.keys import keyring

    stats = spark.table(f"{settings.gold.dbt_schema}.population_stats").toPandas()
    as_of = stats["as_of_date"].iloc[0]
    people = pd.read_parquet(ground_truth / "people.parquet")
    tokenize = Tokenizer(keyring(settings).current("token:citizen_id", "token").key())
    people["token"] = [tokenize(c) for c in people["citizen_id"]]
    register = spark.sql("""SELECT citizen_id_token, registration_status FROM silver.public_security__persons
                            WHERE is_current""").toPandas()
    alive = register[register["registration_status"] == "正常"]["citizen_id_token"]
    deaths = set(spark.table("silver.civil_affairs__deaths").toPandas()["citizen_id_token"])
    chosen = people[people["token"].isin(set(alive) - deaths) & people["registered"]].copy()
    counts = spark.table(f"{settings.gold.dbt_schema}.dim_person").where("is_registered_resident") \
        .select("citizen_id_token", "district_code").toPandas()
    chosen = chosen.merge(counts, left_on="token", right_on="citizen_id_token", suffixes=("_truth", ""))
    chosen["age_band"] = [_band(_age(b if isinstance(b, dt.date) else dt.date.fromisoformat(str(b)[:10]), as_of))
                          for b in chosen["birth_date"]]
    expected = (chosen.groupby(["district_code_truth", "age_band", "gender", "ethnicity"]).size()
                .rename("population").reset_index().rename(columns={"district_code_truth": "district_code"}))
    got = stats[["district_code", "age_band", "gender", "ethnicity", "population"]]
    both = expected.merge(got, on=["district_code", "age_band", "gender", "ethnicity"], how="outer",
                          suffixes=("_truth", "_gold")).fillna(0)
    assert expected["population"].sum() > 500
    assert (both["population_truth"] == both["population_gold"]).all(), both[both["population_truth"] != both["population_gold"]]


def _fingerprint(spark, table: str) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    row = spark.sql(f"SELECT count(*) AS n, sum(cast(xxhash64(*) AS decimal(38, 0))) AS h FROM {table}").first()
    return row["n"], row["h"]


def test_rerun_changes_nothing(dbt_build: dict[str, Any], spark, settings) -> None:  # type: ignore[no-untyped-def]
    from citylake.gold import run_dbt
    from citylake.resolution.job import run_resolution

    schema = settings.gold.dbt_schema
    before = {m: _fingerprint(spark, f"{schema}.{m}") for m in MARTS}
    run_resolution(settings)
    run_dbt(["run"], settings)
    for m in MARTS:
        spark.sql(f"REFRESH TABLE {schema}.{m}")
    assert {m: _fingerprint(spark, f"{schema}.{m}") for m in MARTS} == before


def _haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    import math

    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371008.0 * math.asin(math.sqrt(a))  # Sedona's ST_DistanceSphere default radius


def test_nearest_resources_equal_brute_force(dbt_build: dict[str, Any], spark, settings) -> None:  # type: ignore[no-untyped-def]
    """For a sample of communities, the model's K nearest shelters equal a brute-force
    haversine over every shelter (same ids in the same order, distances within a metre)."""
    nearest = spark.table(f"{settings.gold.dbt_schema}.emergency_nearest_resources") \
        .where("origin_kind = 'community' AND resource_kind = 'shelter'").toPandas()
    streets = spark.sql("""SELECT code, longitude, latitude FROM silver.natural_resources__divisions
                           WHERE level = 'street' ORDER BY code""").toPandas().head(15)
    shelters = spark.table("silver.emergency__shelters").select("shelter_id", "longitude", "latitude").toPandas()
    assert len(streets) and len(shelters)
    for street in streets.itertuples():
        brute = sorted((_haversine_m(street.longitude, street.latitude, s.longitude, s.latitude), s.shelter_id)
                       for s in shelters.itertuples())
        brute = [b for b in brute if b[0] <= 30000][:3]
        got = nearest[nearest["origin_id"] == street.code].sort_values("nearest_rank")
        assert list(got["resource_id"]) == [b[1] for b in brute], street.code
        assert all(abs(g - b[0]) < 1.0 for g, b in zip(got["distance_m"], brute))
