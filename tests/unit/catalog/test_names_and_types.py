"""FQNs as OpenMetadata writes them, and Spark types in OpenMetadata's terms."""

from __future__ import annotations

from citylake.catalog import naming as n
from citylake.catalog.datatypes import om_column


def test_fqns_quote_names_holding_dots() -> None:
    assert n.table_fqn("silver", "tax__filings") == "citylake.spark_catalog.silver.tax__filings"
    assert n.join("Glossary", "DE.citizen_id") == 'Glossary."DE.citizen_id"'
    assert n.split('a."b.c".d') == ["a", "b.c", "d"]
    assert n.short_name("container", n.container_fqn("tax", "filings")) == "landing.tax.filings"
    assert n.entity_id("table", "x") == n.entity_id("table", "x") != n.entity_id("container", "x")


def test_spark_types_map_to_openmetadata_columns() -> None:
    assert om_column("d", "decimal(18,2)") | {} == {"name": "d", "dataType": "DECIMAL", "dataTypeDisplay": "decimal(18,2)",
                                                     "precision": 18, "scale": 2}
    reasons = om_column("_reasons", "array<struct<rule:string,column:string,severity:string>>")
    assert reasons["dataType"] == "ARRAY" and reasons["arrayDataType"] == "STRUCT"
    point = om_column("p", "struct<x:double,y:map<string,int>>")
    assert [(c["name"], c["dataType"]) for c in point["children"]] == [("x", "DOUBLE"), ("y", "MAP")]
    assert om_column("g", "geometry")["dataType"] == "GEOMETRY"
    assert om_column("v", "varchar(12)")["dataLength"] == 12
