"""Entity resolution on the test city: F1 against the ground truth, one xref row per
mention, charts without record values, and a re-run that writes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.spark


def _xref(spark, kind: str):  # type: ignore[no-untyped-def]
    return spark.table(f"silver.{kind}_xref").toPandas()


@pytest.mark.parametrize("kind", ["person", "org"])
def test_f1_against_ground_truth(kind: str, resolution: dict[str, Any], spark, settings, ground_truth: Path) -> None:  # type: ignore[no-untyped-def]
    from citylake.resolution.scoring import score, truth

    result = score(_xref(spark, kind), truth(spark, settings, ground_truth, kind), kind)
    print(f"{kind}: {result.as_dict()}")
    assert result.records > 500 if kind == "person" else result.records > 100
    assert result.f1 >= 0.98, result.as_dict()
    assert result.precision >= 0.98 and result.recall >= 0.98, result.as_dict()


@pytest.mark.parametrize("kind", ["person", "org"])
def test_every_mention_has_one_key(kind: str, resolution: dict[str, Any], spark) -> None:  # type: ignore[no-untyped-def]
    key = "person_key" if kind == "person" else "org_key"
    df = spark.table(f"silver.{kind}_xref")
    row = df.selectExpr("count(*) AS n", f"count({key}) AS keyed",
                        "count(DISTINCT source_table, role, record_key) AS distinct_mentions").first()
    assert row["n"] == row["keyed"] == row["distinct_mentions"] == resolution[kind]["mentions"]
    assert resolution[kind]["clusters"] < resolution[kind]["mentions"]  # records were linked at all


def test_charts_saved_without_record_values(resolution: dict[str, Any], spark) -> None:  # type: ignore[no-untyped-def]
    charts = [Path(p) for kind in ("person", "org") for p in resolution[kind]["charts"]]
    assert {p.name for p in charts} >= {"person_match_weights.html", "person_waterfall.html",
                                         "org_match_weights.html", "org_waterfall.html"}
    tokens = [r["id_token"] for r in spark.table("silver.person_xref").where("id_token IS NOT NULL").limit(50).collect()]
    for chart in charts:
        html = chart.read_text(encoding="utf-8")
        assert "vega" in html.lower() and len(html) > 10_000  # a real, self-contained chart
        assert not [t for t in tokens if t in html]


def test_rerun_writes_nothing(resolution: dict[str, Any], spark, settings) -> None:  # type: ignore[no-untyped-def]
    from citylake.resolution.job import run_resolution

    versions = {t: spark.sql(f"DESCRIBE HISTORY silver.{t}_xref").agg({"version": "max"}).first()[0] for t in ("person", "org")}
    again = run_resolution(settings)
    assert not again["person"]["written"] and not again["org"]["written"]
    assert versions == {t: spark.sql(f"DESCRIBE HISTORY silver.{t}_xref").agg({"version": "max"}).first()[0]
                        for t in ("person", "org")}
