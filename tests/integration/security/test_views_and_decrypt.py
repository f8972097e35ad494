"""Per-role views over silver, masks as SQL, and audited decryption: granted, refused, tampered,
and after a master-key rotation."""

from __future__ import annotations

import dataclasses

import pytest
from typer.testing import CliRunner
from pyspark.sql import functions as F

from citylake.errors import CitylakeError
from citylake.security import access
from citylake.security.access import AccessDenied, DecryptRequest, decrypt
from citylake.security.audit import AUDIT_TABLE
from citylake.security.crypto import CiphertextError
from citylake.security.commands import keys_app as keys_cli
from citylake.security.keys import forget_unwrapped_keys, keyring, keystore_dir
from citylake.security.masking import ENCRYPTED_MARK, MASKS, mask_sql, mask_value
from citylake.security.specs import table_spec
from secured_city import person_in_silver

pytestmark = pytest.mark.spark

PERSONS = "silver.public_security__persons"


@pytest.fixture(scope="module")
def views(silver_views):  # type: ignore[no-untyped-def]
    return silver_views


def _audit(spark, event_id: str):  # type: ignore[no-untyped-def]
    return spark.table(AUDIT_TABLE).where(F.col("event_id") == event_id).collect()[0]


def test_masks_are_spark_sql(spark):
    cases = [("citizen_id", "110101199003071234", "110101********1234"), ("phone", "13812345678", "138****5678"),
             ("person_name", "张三", "张*"), ("person_name", "欧阳娜娜", "欧***"),
             ("bank_card", "6222021234567890123", "622202*********0123"),
             ("email", "zhang.san@example.cn", "z***@example.cn"),
             ("address", "湖北省武汉市江岸区解放大道1号", "湖北省武汉市江岸区****"),
             ("phone", "sm4gcm:v1:k.1:AAAA", ENCRYPTED_MARK)]
    for kind, value, shown in cases:
        got = spark.sql(f"SELECT {mask_sql(kind, 'v')} AS m FROM VALUES ('{value}') AS t(v)").collect()[0]["m"]
        assert got == shown == mask_value(kind, value), kind


def test_python_masks_are_the_sql_masks_twins(spark):
    """Quality samples are masked in Python (mask_value), views in SQL: the same shapes for every
    kind, short and odd values included, in one query."""
    values = ["110101199003071234", "11010119900307123X", "13812345678", "+8613812345678", "1234567", "张三", "欧阳娜娜",
              "阿卜杜·热合曼", "张", "6222021234567890123", "a@b.cn", "zhang.san@example.cn", "no-at-sign",
              "湖北省武汉市江岸区解放大道1号", "北京市朝阳区", "解放大道1号", "ZZ00001234", "91420100MA4K2XYZ1A", "x", ""]
    kinds = [*MASKS, "other"]
    rows = ", ".join("('" + v.replace("'", "''") + "')" for v in values)
    picked = ", ".join(f"{mask_sql(k, 'v')} AS `{k}`" for k in kinds)
    got = spark.sql(f"SELECT v, {picked} FROM VALUES {rows} AS t(v)").collect()
    for row in got:
        for kind in kinds:
            assert row[kind] == mask_value(kind, row["v"]), (kind, len(row["v"]))
    assert spark.sql(f"SELECT {mask_sql('phone', 'v')} AS m FROM VALUES (CAST(NULL AS STRING)) AS t(v)").first()["m"] is None


def test_the_analyst_view_never_shows_plaintext(spark, views, delivered):
    view = "secure_analyst.silver__public_security__persons"
    assert set(views[view].masked) == {"citizen_id", "name", "phone", "registered_address"}
    rows = spark.table(view).collect()
    assert rows
    plaintext = delivered["citizen_id"] | delivered["phone"] | delivered["name"]
    for row in rows:
        assert not plaintext & {str(v) for v in row.asDict().values() if v is not None}
        assert row["citizen_id"] == ENCRYPTED_MARK and row["registered_address"].endswith("****")


def test_a_tenant_sees_only_its_rows(spark, views):
    tenant = [v for v in views if v.startswith("secure_jiangan.")]
    assert tenant == ["secure_jiangan.silver__public_security__households"], "no division column: no view"
    seen = spark.table(tenant[0])
    expected = spark.table("silver.public_security__households").where(F.col("street_code").startswith("420102"))
    assert seen.count() == expected.count() > 0
    assert seen.where(~F.col("street_code").startswith("420102")).count() == 0
    total = spark.table("silver.public_security__households").count()
    assert seen.count() < total


def test_an_entitled_decryption_returns_the_original_and_is_audited(spark, settings, secured_silver, test_policy,
                                                                      delivered):
    cid, name = person_in_silver(spark, settings)
    request = DecryptRequest("steward", "quality_review", PERSONS, ["citizen_id", "name"], match={"citizen_id": cid},
                             principal="alice")
    result = decrypt(spark, settings, request, policy=test_policy)
    assert result.columns == ["citizen_id_token", "citizen_id", "name"]
    # one row per version of the person (SCD2: a change day adds one), each the original ID
    assert result.rows and {r[1] for r in result.rows} == {cid} and (cid, name) in [r[1:] for r in result.rows]
    audit = _audit(spark, result.audit_id)
    assert audit["granted"] and audit["principal"] == "alice" and audit["role"] == "steward"
    assert audit["purpose"] == "quality_review" and audit["rows"] == len(result.rows)
    assert audit["columns"] == ["citizen_id", "name"]
    assert audit["row_keys"] == [r[0] for r in result.rows] and cid not in (audit["row_filter"] or "")


def test_an_unentitled_decryption_is_refused_and_audited(spark, settings, secured_silver, test_policy):
    for role, purpose in (("analyst", "quality_review"), ("steward", "curiosity"), ("jiangan", "service_delivery")):
        with pytest.raises(AccessDenied, match="decryption refused") as err:
            decrypt(spark, settings, DecryptRequest(role, purpose, PERSONS, ["name"], principal="mallory"),
                    policy=test_policy)
        event_id = str(err.value).rsplit(" ", 1)[1].rstrip(")")
        audit = _audit(spark, event_id)
        assert not audit["granted"] and audit["rows"] == 0 and audit["role"] == role and audit["reason"]


def test_a_tampered_ciphertext_fails_loudly(spark, settings, secured_silver, test_policy):
    """One bit of one stored name changed (in a copy of two rows): decryption raises, and the
    failure is in the audit log."""
    copy = "silver.zz_tampered__persons"
    rows = [r.asDict() for r in spark.table(PERSONS).where("name IS NOT NULL").select("citizen_id_token", "name").limit(2).collect()]
    head, body = rows[0]["name"].rsplit(":", 1)
    rows[0]["name"] = f"{head}:{body[:4]}{'B' if body[4] == 'A' else 'A'}{body[5:]}"
    spark.createDataFrame(rows, "citizen_id_token string, name string").write.format("delta") \
        .mode("overwrite").saveAsTable(copy)
    try:
        spec = table_spec(spark, settings, PERSONS)
        assert spec is not None
        specs = [dataclasses.replace(spec, name="zz_tampered__persons")]
        with pytest.raises(CiphertextError, match="failed SM4-GCM authentication"):
            decrypt(spark, settings, DecryptRequest("steward", "quality_review", copy, ["name"]), test_policy, specs)
        failed = spark.table(AUDIT_TABLE).where((F.col("table_name") == copy) & F.col("reason").startswith("failed"))
        assert failed.count() == 1
    finally:
        spark.sql(f"DROP TABLE IF EXISTS {copy}")


def test_after_master_rotation_every_row_still_decrypts(spark, settings, secured_silver, test_policy):
    request = DecryptRequest("steward", "quality_review", PERSONS, ["citizen_id", "name", "phone"], limit=100000)
    before = decrypt(spark, settings, request, test_policy)
    old_versions = keyring(settings).provider.versions()
    rotated = CliRunner().invoke(keys_cli, ["rotate", "--retire-old"])  # as an operator types it
    assert rotated.exit_code == 0, rotated.output
    new_version = keyring(settings).provider.current_version()
    assert new_version > max(old_versions) and f"retired version(s) {old_versions}" in rotated.output
    assert sorted(p.name for p in (keystore_dir(settings) / "master").iterdir()) == [f"v{new_version:04d}.key"]
    assert keyring(settings).master_versions_in_use() == {new_version}
    forget_unwrapped_keys()  # nothing cached from before: every data key is unwrapped under the new master
    after = decrypt(spark, settings, request, test_policy)
    assert sorted(after.rows, key=str) == sorted(before.rows, key=str) and len(after.rows) > 100
    assert all(r[1] is not None for r in after.rows)


def test_row_filters_on_protected_columns_or_bad_sql_are_clear_errors(spark, settings, secured_silver, test_policy):
    with pytest.raises(access.AccessDenied, match="match="):
        decrypt(spark, settings, DecryptRequest("steward", "quality_review", PERSONS, ["name"],
                                                where="phone LIKE '138%'"), test_policy)
    with pytest.raises(CitylakeError, match="decryption failed: ") as err:
        decrypt(spark, settings, DecryptRequest("steward", "quality_review", PERSONS, ["name"],
                                                where="no_such_column = 1"), test_policy)
    assert "\n" not in str(err.value)
