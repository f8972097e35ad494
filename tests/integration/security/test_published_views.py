"""Views of a table with no contract (gold and published): tags come from the scan, masks and
tenant filters follow them, and the catalog gets the same classification and grade tags.

A published-like table stands in for gold and published, which dbt builds elsewhere: the
view builder knows nothing of layers, only tags and the policy.
"""

from __future__ import annotations

import json

import pytest
from pyspark.sql import functions as F

from citylake.catalog.config import catalog_db
from citylake.catalog.store import Store
from citylake.security.discovery import LATEST_VIEW
from secured_city import PUBLISHED, PUBLISHED_NAMES

pytestmark = pytest.mark.spark

TABLE = PUBLISHED
NAMES = PUBLISHED_NAMES


def test_the_scan_tags_every_column_of_a_table_without_contract(spark, published_views):
    tags = {r["column_name"]: r for r in spark.table(LATEST_VIEW).where(
        (F.col("schema_name") == "published") & (F.col("table_name") == "zz_person_services_v1")).collect()}
    assert tags["holder_name"]["detected"] == "person_name" and tags["holder_name"]["tag_grade"] == 3
    assert tags["address"]["detected"] == "address" and tags["address"]["tag_grade"] == 2
    assert tags["person_token"]["detected"] == "token" and tags["service"]["tag_grade"] == 1


def test_the_analyst_sees_masks_and_tokens(spark, published_views):
    view = "secure_pub_analyst.published__zz_person_services_v1"
    assert set(published_views[view].masked) == {"holder_name", "address"}
    rows = spark.table(view).collect()
    assert len(rows) == len(NAMES)
    assert {r["holder_name"] for r in rows} <= {n[0] + "*" for n in NAMES}
    assert all(r["address"] == "湖北省武汉市江岸区****" for r in rows)
    assert all(len(r["person_token"]) == 64 for r in rows)


def test_the_steward_sees_up_to_its_grade(spark, published_views):
    rows = spark.table("secure_pub_steward.published__zz_person_services_v1").collect()
    assert {r["holder_name"] for r in rows} == set(NAMES)


def test_a_tenant_sees_its_department_and_district_only(spark, published_views):
    view = "secure_ca_jiangan.published__zz_person_services_v1"
    assert published_views[view].row_filter == ("`source` IN ('civil_affairs') AND "
                                          "(substring(CAST(`district_code` AS STRING), 1, 6) = '420102')")
    seen = spark.table(view).collect()
    expected = spark.table(TABLE).where("source = 'civil_affairs' AND district_code = '420102'").count()
    assert len(seen) == expected > 0
    assert {(r["source"], r["district_code"]) for r in seen} == {("civil_affairs", "420102")}
    assert {r["holder_name"] for r in seen} <= {n[0] + "*" for n in NAMES}, "grade 3 is above the tenant's 2"


def test_the_catalog_gets_the_scanned_classification_and_grade(settings, exercised):
    """``exercised`` synced the catalog after the scans."""
    with Store(catalog_db(settings)) as store:
        found = [p for p in store.entities() if p.kind == "table" and p.meta.get("short") == TABLE]
    assert len(found) == 1
    columns = {c["name"]: {t["tagFQN"] for t in c.get("tags") or []} for c in found[0].request["columns"]}
    assert {"DataGrade.Grade3", "PII.NonSensitive"} <= columns["holder_name"]
    assert "DataGrade.Grade2" in columns["address"]
    assert "DataGrade.Grade3" in {t["tagFQN"] for t in found[0].request["tags"]}
    assert not any(name in json.dumps(found[0].request, ensure_ascii=False) for name in NAMES), "no sampled value"
