"""The dashboards folder as code: consistent, only aggregate tables, zipped the way Superset
imports it, and every chart's query valid SQL for DuckDB (no Superset needed here; the
integration test in tests/integration/gold/ imports the bundle into a real one)."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import duckdb
import pytest
import yaml

from citylake.superset.bundle import BundleError, build_bundle, chart_query, chart_uuids, load_assets, to_sql
from citylake.superset.lake_db import referenced_tables
from citylake.superset.server import DASHBOARDS_DIR

#: What dashboards may read: statistics and coverage marts, the division hierarchy, code names and
#: quality scores. Person- or enterprise-level gold tables (dim_person, tags, profiles) never.
AGGREGATE_TABLES = {"gold.population_stats", "gold.enterprise_stats", "gold.emergency_shelter_coverage",
                    "gold.emergency_nearest_resources", "gold.dim_admin_division", "ops.quality_scores",
                    "standards.code_tables"}


@pytest.fixture(scope="module")
def assets():  # type: ignore[no-untyped-def]
    return load_assets(DASHBOARDS_DIR)


def test_the_four_dashboards_of_the_issue_are_defined(assets) -> None:  # type: ignore[no-untyped-def]
    titles = {d["dashboard_title"] for d in assets.dashboards.values()}
    assert titles == {"Population overview", "Enterprises", "Emergency resources and shelter coverage",
                      "Data quality scores"}
    emergency = next(d for d in assets.dashboards.values() if d["slug"] == "citylake-emergency")
    assert any(assets.charts[u]["viz_type"] == "deck_scatter" for u in chart_uuids(emergency)), "a map"
    used = {u for d in assets.dashboards.values() for u in chart_uuids(d)}
    assert used == set(assets.charts), "every chart is on a dashboard"


def test_dashboards_read_only_aggregate_non_personal_tables(assets) -> None:  # type: ignore[no-untyped-def]
    assert set(referenced_tables(assets)) <= AGGREGATE_TABLES


def test_the_bundle_is_what_superset_imports(assets) -> None:  # type: ignore[no-untyped-def]
    uri = "hive://citylake@spark-thriftserver:10000/default"
    with zipfile.ZipFile(io.BytesIO(build_bundle(assets, uri, {"connect_args": {"read_only": True}}))) as zf:
        names = zf.namelist()
        files = {n.split("/", 1)[1]: yaml.safe_load(zf.read(n)) for n in names}
    assert all(n.startswith("citylake_dashboards/") for n in names), "one root folder, which Superset strips"
    assert files["metadata.yaml"]["version"] == "1.0.0" and files["metadata.yaml"]["type"] == "assets"
    (database,) = [v for k, v in files.items() if k.startswith("databases/")]
    assert database["sqlalchemy_uri"] == uri and database["extra"]["engine_params"]["connect_args"]["read_only"]
    charts = [v for k, v in files.items() if k.startswith("charts/")]
    assert len(charts) == len(assets.charts)
    for chart in charts:
        context = json.loads(chart["query_context"])
        (query,) = context["queries"]
        dataset = assets.datasets[chart["dataset_uuid"]]
        metrics = {m["metric_name"] for m in dataset["metrics"]}
        assert query["metrics"] and set(query["metrics"]) <= metrics, chart["slice_name"]
        assert context["form_data"]["viz_type"] == chart["viz_type"]


def test_every_chart_query_runs_on_duckdb(assets) -> None:  # type: ignore[no-untyped-def]
    """The SQL `citylake charts render` runs (Superset writes its own from the same parts),
    on tiny tables of the marts' shapes: column names, calculated columns, filters."""
    con = duckdb.connect()
    con.execute("create schema gold; create schema ops; create schema standards")
    con.execute("create table standards.code_tables as select * from (values ('gender', '1', '男性'), "
                "('enterprise_status', '1', '存续')) t(table_id, code, name)")
    con.execute("create table gold.population_stats as select date '2026-01-01' as as_of_date, 'registered' as "
                "population_kind, '440103' as district_code, '荔湾区' as district_name, * from (values ('0-4', '1', "
                "'01', 7), ('100+', '2', '01', 1)) t(age_band, gender, ethnicity, population)")
    con.execute("create table gold.enterprise_stats as select 'I' as industry_code, '信息技术' as industry_name, "
                "'1' as status, 3 as enterprises, 10.5 as registered_capital_total")
    con.execute("create table gold.emergency_shelter_coverage as select '440103' as district_code, 2 as shelters, "
                "500 as shelter_capacity, 8 as registered_residents, 62.5 as capacity_per_resident")
    con.execute("create table gold.dim_admin_division as select * from (values ('440103', '荔湾区', 'district', "
                "'440103', null, null), ('440103001', '沙面街道', 'street', '440103', 113.24, 23.11)) "
                "t(division_code, division_name, division_level, district_code, longitude, latitude)")
    con.execute("create table gold.emergency_nearest_resources as select 'community' as origin_kind, '440103001' as "
                "origin_id, 'shelter' as resource_kind, 1 as nearest_rank, 'S1' as resource_id, '避难所' as "
                "resource_name, 500 as capacity, 812.5 as distance_m")
    con.execute("create table ops.quality_scores as select 'r1' as run_id, timestamp '2026-01-01 01:00' as checked_at, "
                "'silver.emergency__shelters' as table_name, 'silver' as layer, '应急管理局' as department, * from "
                "(values ('overall', 97.5, 4, 1, 0), ('validity', 95.0, 2, 1, 0)) t(dimension, score, rules, failed, "
                "failed_critical)")
    for uuid, chart in assets.charts.items():
        dataset = assets.dataset_of(chart)
        rows = con.execute(to_sql(chart_query(chart, dataset), dataset)).fetchall()
        assert rows, assets.files[uuid]
    age = next(c for c in assets.charts.values() if c["params"].get("x_axis") == "age_from")
    ages = con.execute(to_sql(chart_query(age, assets.dataset_of(age)), assets.dataset_of(age))).fetchall()
    assert sorted(r[0] for r in ages) == [0, 100], "age bands as numbers: 100+ sorts after 5-9"


def test_a_chart_naming_an_unknown_metric_is_rejected_with_its_file(tmp_path: Path) -> None:
    folder = tmp_path / "dashboards"
    shutil.copytree(DASHBOARDS_DIR, folder)
    chart_file = folder / "charts" / "residents_by_district.yaml"
    chart = yaml.safe_load(chart_file.read_text())
    chart["params"]["metrics"] = ["count_of_people"]
    chart_file.write_text(yaml.safe_dump(chart, allow_unicode=True))
    with pytest.raises(BundleError, match=r"charts/residents_by_district.yaml: metric 'count_of_people'"):
        load_assets(folder)
