"""Published tables on the test city's gold: every table of the manifest read by Spark,
``deltalake`` and DuckDB gives the same rows; the change data feed is on; re-publishing
unchanged gold adds no Delta version; changed gold adds one whose change feed holds exactly
the changed rows; a changed schema under the same version is refused; the tables hold
nothing the analyst may not see; ``citylake published --format json`` prints the manifest.

One publish of every contract for the module (``published``); the change test works on a
probe model of its own, so gold stays as the other gold tests expect it."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.spark, pytest.mark.analytics]

PROBE_MODEL = "zz_published_probe"


@pytest.fixture(scope="module")
def published(dbt_build: dict[str, Any], spark, settings):  # type: ignore[no-untyped-def]
    """Every contract published once from the gold the session built."""
    from citylake.published.writer import publish_all

    return publish_all(settings, spark=spark)


@pytest.fixture(scope="module")
def manifest(published, settings) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    from citylake.published.manifest import manifest_entries

    return manifest_entries(settings)


def _plain(value: Any) -> Any:
    """One value as all three readers agree to show it."""
    if isinstance(value, (list, tuple)):
        return tuple(_plain(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _plain(v)) for k, v in value.items()))
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat()
    return value


def _sorted(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted((tuple(_plain(v) for v in r) for r in rows), key=repr)


def test_every_contract_is_published_with_its_schema(published, manifest, spark) -> None:  # type: ignore[no-untyped-def]
    from citylake.published.contracts import contracts_dir, load_published_contracts
    from citylake.settings import get_settings

    contracts = load_published_contracts(contracts_dir(get_settings().metadata_dir))
    assert published.errors == []
    assert {e["name"] for e in manifest} == {c.table for c in contracts.values()}
    for entry in manifest:
        contract = contracts[entry["contract"]]
        assert entry["contract_version"] == contract.version and entry["name"].endswith(f"_v{contract.version}")
        schema = [(f.name, f.dataType.simpleString()) for f in spark.table(entry["name"]).schema.fields]
        assert schema == contract.schema == [(c["name"], c["type"]) for c in entry["schema"]]
        assert entry["path"].startswith("file:///") and entry["version"] >= 0
        assert entry["rows"] == spark.table(entry["name"]).count()
    assert sum(e["rows"] for e in manifest) > 100 and all(e["rows"] > 0 for e in manifest
                                                         if e["contract"] in ("population_stats", "dim_person"))


def test_deltalake_and_duckdb_read_the_same_rows_as_spark(manifest, spark) -> None:  # type: ignore[no-untyped-def]
    from citylake.published.readers import duckdb_connection, read_with_deltalake, read_with_duckdb

    con = duckdb_connection()
    for entry in manifest:
        df = spark.read.format("delta").option("versionAsOf", entry["version"]).load(entry["path"])
        columns = [c["name"] for c in entry["schema"]]
        want = _sorted([tuple(r) for r in df.collect()])
        assert df.columns == columns
        for read in (read_with_deltalake, lambda e: read_with_duckdb(e, con)):
            table = read(entry)
            assert table.column_names == columns, entry["name"]
            got = _sorted([tuple(r.values()) for r in table.to_pylist()])
            assert got == want, f"{entry['name']}: {len(got)} rows read without Spark, {len(want)} with Spark"
    con.close()


def test_change_data_feed_is_on(manifest, spark) -> None:  # type: ignore[no-untyped-def]
    for entry in manifest:
        props = {r["key"]: r["value"] for r in spark.sql(f"SHOW TBLPROPERTIES {entry['name']}").collect()}
        assert entry["change_data_feed"] and props["delta.enableChangeDataFeed"] == "true"
        assert props["citylake.published.contract_version"] == str(entry["contract_version"])
        changes = spark.sql(f"SELECT _change_type, count(*) AS n FROM table_changes('{entry['name']}', 0) GROUP BY 1").collect()
        assert {r["_change_type"] for r in changes} <= {"insert"}
        assert sum(r["n"] for r in changes) == entry["rows"], "the first publish inserted every row"


def test_republishing_unchanged_gold_adds_no_version(published, manifest, spark, settings) -> None:  # type: ignore[no-untyped-def]
    from citylake.published.manifest import manifest_location
    from citylake.published.writer import publish_all

    path = Path(manifest_location(settings).path)
    before = path.read_bytes()
    again = publish_all(settings, spark=spark)
    assert {r.table: r.version for r in again.results} == {e["name"]: e["version"] for e in manifest}
    assert not [r.table for r in again.results if r.changed]
    assert path.read_bytes() == before, "the manifest is left as it was"


def test_published_tables_hold_only_what_the_analyst_sees(published, manifest, spark, settings) -> None:  # type: ignore[no-untyped-def]
    from citylake.published.contracts import contracts_dir, load_published_contracts
    from citylake.published.writer import role_view
    from citylake.security.leaks import scan_tables

    contracts = load_published_contracts(contracts_dir(settings.metadata_dir))
    for entry in manifest:
        view, _ = role_view(spark, settings, contracts[entry["contract"]], entry["source"])
        seen = view.select(*[f"`{c['name']}`" for c in entry["schema"]])
        table = spark.table(entry["name"])
        assert seen.exceptAll(table).unionAll(table.exceptAll(seen)).isEmpty(), \
            f"{entry['name']} holds exactly what the {entry['role']} role's view of {entry['source']} shows"
        for column in [c["name"] for c in entry["schema"] if c["masked"] and c["type"] == "string"]:
            values = {r[0] for r in table.select(f"`{column}`").distinct().limit(500).collect()} - {None}
            assert all("*" in v or v == "<encrypted>" for v in values), f"{entry['name']}.{column} is masked"
    assert scan_tables(spark, [(e["name"], None) for e in manifest]) == []
    person = next(e for e in manifest if e["contract"] == "dim_person")
    rows = spark.table(person["name"]).limit(200).collect()
    assert rows and all(len(r["citizen_id_token"] or "x" * 64) == 64 for r in rows), "tokens, never IDs"
    assert not {"birth_date", "name", "citizen_id", "phone"} & set(spark.table(person["name"]).columns)


def test_the_cli_prints_the_manifest_as_json(manifest) -> None:  # type: ignore[no-untyped-def]
    cli = Path(sys.executable).parent / "citylake"
    out = subprocess.run([str(cli), "published", "--format", "json"], capture_output=True, text=True, timeout=300,
                         env=os.environ.copy(), check=False)
    assert out.returncode == 0, out.stderr
    printed = json.loads(out.stdout)
    assert isinstance(printed, list) and printed == manifest
    assert all({"name", "path", "version"} <= set(e) for e in printed)


@pytest.fixture(scope="module")
def probe(published, spark, settings):  # type: ignore[no-untyped-def]
    """A gold model of the test's own (a copy of dim_admin_division) and its contract."""
    from citylake.published.contracts import PublishedContract

    gold = f"{settings.gold.dbt_schema}.{PROBE_MODEL}"
    spark.sql(f"CREATE OR REPLACE TABLE {gold} USING delta AS "
              f"SELECT division_code, division_name, division_level, parent_code FROM {settings.gold.dbt_schema}.dim_admin_division")
    contract = PublishedContract.model_validate({
        "name": "zz_probe", "version": 1, "description": "A probe.", "model": PROBE_MODEL, "grain": "a division",
        "keys": ["division_code"], "owner": {"team": "tests"},
        "columns": [{"name": n, "type": "string", "description": n}
                    for n in ("division_code", "division_name", "division_level", "parent_code")]})
    yield gold, contract
    spark.sql(f"DROP TABLE IF EXISTS {contract.table}")
    spark.sql(f"DROP TABLE IF EXISTS {gold}")


def test_changed_gold_writes_one_version_whose_change_feed_is_the_changed_rows(probe, spark, settings) -> None:  # type: ignore[no-untyped-def]
    from citylake.published.writer import publish_table, refresh_tags

    gold, contract = probe
    refresh_tags(spark, settings, [gold])
    first = publish_table(spark, settings, contract)
    codes = sorted(r[0] for r in spark.table(gold).select("division_code").collect())
    assert first.changed and first.inserted == len(codes) > 4
    assert not publish_table(spark, settings, contract).changed
    renamed, dropped = codes[:2], codes[2]
    spark.sql(f"UPDATE {gold} SET division_name = concat(division_name, '（新）') WHERE division_code IN ('{renamed[0]}', '{renamed[1]}')")
    spark.sql(f"DELETE FROM {gold} WHERE division_code = '{dropped}'")
    spark.sql(f"INSERT INTO {gold} VALUES ('429999', '试验区', 'district', '420100')")
    refresh_tags(spark, settings, [gold])
    second = publish_table(spark, settings, contract)
    assert second.version == first.version + 1
    assert (second.inserted, second.updated, second.deleted) == (1, 2, 1)
    feed = spark.sql(f"SELECT _change_type, division_code, division_name FROM table_changes('{contract.table}', "
                     f"{second.version}, {second.version})").collect()
    by_type: dict[str, set[str]] = {}
    for r in feed:
        by_type.setdefault(r["_change_type"], set()).add(r["division_code"])
    assert by_type == {"update_preimage": set(renamed), "update_postimage": set(renamed), "delete": {dropped},
                       "insert": {"429999"}}
    assert all(r["division_name"].endswith("（新）") for r in feed if r["_change_type"] == "update_postimage")


def test_a_changed_schema_under_the_same_version_is_refused(probe, spark, settings) -> None:  # type: ignore[no-untyped-def]
    from citylake.published.contracts import PublishedContract, SchemaChangeError
    from citylake.published.writer import current_version, publish_table

    gold, contract = probe
    if not spark.catalog.tableExists(contract.table):
        publish_table(spark, settings, contract)
    version = current_version(spark, contract.table)
    fewer = PublishedContract.model_validate({**contract.model_dump(), "columns": contract.model_dump()["columns"][:3]})
    with pytest.raises(SchemaChangeError, match=r"removed parent_code.*set `version: 2`"):
        publish_table(spark, settings, fewer)
    assert current_version(spark, contract.table) == version
