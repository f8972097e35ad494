"""Tags of gold and published tables declared in a dbt model's column meta, merged over the scan's."""

from __future__ import annotations

import json
from pathlib import Path

from citylake.security.policy import Role
from citylake.security.specs import dbt_specs, merge_specs, spec_from_tags
from citylake.security.tags import ColumnTag
from citylake.security.views import plan_view


def _manifest(tmp_path: Path) -> Path:
    node = {"resource_type": "model", "schema": "gold", "name": "person_services", "alias": None,
            "config": {"meta": {"source_column": "served_by", "division_column": "district_code"}},
            "columns": {
                "citizen_id_token": {"name": "citizen_id_token", "meta": {"element": "DE.citizen_id"}},
                "holder_name": {"name": "holder_name", "data_type": "string", "meta": {
                    "element": "DE.person_name",
                    "sensitivity": {"personal": "personal", "grade": 3, "protection": "encrypt"}}},
                "service": {"name": "service", "meta": {}}}}
    staging = {**node, "schema": "staging", "name": "stg_x"}
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({"nodes": {"model.x.person_services": node, "model.x.stg_x": staging}}))
    return path


def test_declared_column_meta_becomes_a_spec(tmp_path):
    specs = dbt_specs(_manifest(tmp_path))
    assert [s.qualified for s in specs] == ["gold.person_services"]
    spec = specs[0]
    assert spec.source_column == "served_by" and spec.division_column == "district_code"
    assert spec.tag("holder_name") == ColumnTag("holder_name", "person_name", "personal", "general", 3, "encrypt")
    assert spec.tag("citizen_id_token").kind == "token", "a token column of an ID is a token, not an ID"
    assert spec.tag("service") is None, "no meta: left to the scan"


def test_declared_tags_win_over_the_scan_column_by_column(tmp_path):
    declared = dbt_specs(_manifest(tmp_path))[0]
    scanned = spec_from_tags("gold", "person_services", {
        "holder_name": {"kind": "person_name", "grade": 1}, "service": {"grade": 1},
        "served_by": {}, "district_code": {}})
    merged = merge_specs(declared, scanned)
    assert merged.tag("holder_name").grade == 3 and merged.tag("service").grade == 1
    analyst = Role.model_validate({"kind": "analyst", "description": "a", "layers": ["gold"]})
    plan = plan_view("analyst", analyst, merged, ["citizen_id_token", "holder_name", "service", "served_by",
                                                  "district_code", "undeclared"])
    assert plan is not None and plan.masked == ["holder_name"] and plan.omitted == ["undeclared"]


def test_a_missing_or_broken_manifest_declares_nothing(tmp_path):
    assert dbt_specs(tmp_path / "none.json") == []
    (tmp_path / "bad.json").write_text("{")
    assert dbt_specs(tmp_path / "bad.json") == []


def test_a_published_table_takes_its_models_declarations_and_the_newest_manifest(tmp_path):
    import os

    from citylake.security.specs import dbt_manifest, published_specs
    from citylake.settings import Settings

    project, metadata = tmp_path / "dbt_project", tmp_path / "metadata"
    (project / "target").mkdir(parents=True)
    (metadata / "published").mkdir(parents=True)
    parsed = _manifest(tmp_path).rename(project / "target" / "manifest.json")
    (metadata / "published" / "services.yml").write_text(
        "name: services\nversion: 2\ndescription: d\nmodel: person_services\ngrain: g\nkeys: [citizen_id_token]\n"
        "owner: {team: t}\ncolumns:\n"
        "  - {name: citizen_id_token, type: string, description: t}\n"
        "  - {name: holder_name, type: string, description: n}\n", encoding="utf-8")
    settings = Settings(home=tmp_path / "home", metadata_dir=metadata, gold={"dbt_project_dir": project})
    assert dbt_manifest(settings) == parsed
    [spec] = published_specs(settings)
    assert spec.qualified == "published.services_v2"
    assert {t.name for t in spec.columns} == {"citizen_id_token", "holder_name"}, "only the contract's columns"
    assert spec.tag("holder_name").grade == 3 and spec.source_column is None, "served_by is not published"
    built = tmp_path / "home" / "dbt" / "target" / "manifest.json"
    built.parent.mkdir(parents=True)
    built.write_text(parsed.read_text())
    os.utime(parsed, (1, 1))
    assert dbt_manifest(settings) == built, "a build newer than the parse: its declarations"
