"""What the security integration tests build: three entities of a generated city, and a
published-like table with no contract."""

from __future__ import annotations

import datetime as dt

from citylake.security.policy import Policy

ENTITIES = [("public_security", "persons"), ("public_security", "households"), ("hr_social_security", "insurance")]
#: Their tables (``source__entity``): the tests look at these, not at every table a full test run made.
ENTITY_TABLES = [f"{s}__{e}" for s, e in ENTITIES]
DAY = dt.date(2026, 1, 1)

PUBLISHED = "published.zz_person_services_v1"
PUBLISHED_NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "黄丽", "赵强", "吴敏", "周杰", "徐婷", "孙浩"]
#: Roles of their own for the published-like table, so that its views never replace the
#: silver views of TEST_POLICY's roles.
PUBLISHED_POLICY = Policy.model_validate({"roles": {
    "pub_analyst": {"kind": "analyst", "description": "analysts", "layers": ["published"], "clear_max_grade": 1},
    "pub_steward": {"kind": "steward", "description": "stewards", "layers": ["published"], "clear_max_grade": 3},
    "ca_jiangan": {"kind": "tenant", "description": "civil affairs, Jiang'an", "layers": ["published"],
                   "clear_max_grade": 2, "tenant": {"sources": ["civil_affairs"], "divisions": ["420102"]}},
}})


def lake_specs_of_entities(spark, settings):  # type: ignore[no-untyped-def]
    """The specs of the three entities' silver tables and of ops: views of only these keep the
    tests small when a full test run has filled silver with every department."""
    from citylake.security.specs import lake_specs

    return [s for s in lake_specs(spark, settings) if s.schema != "silver" or s.name in ENTITY_TABLES]


def person_in_silver(spark, settings) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """(citizen ID, name) of a person silver holds, read with the unaudited primitive (tests only)."""
    from pyspark.sql import functions as F

    from citylake.security.column_protection import decrypt_col
    from citylake.security.keys import keyring

    refs = keyring(settings).refs()
    row = spark.table("silver.public_security__persons").where("is_current").select(
        *[decrypt_col(F.col(c), refs).alias(c) for c in ("citizen_id", "name")]).first()
    return row["citizen_id"], row["name"]
