"""Adding a source is writing a contract: the one in metadata/contracts/README.md, taken
from the README itself, becomes tables, a reconciliation and a DAG without any code."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from stdnum.cn import ric

from citylake.contracts import clear_cache
from citylake.settings import SOURCE_ROOT, Settings, reload_settings

pytestmark = [pytest.mark.spark, pytest.mark.airflow]

README = SOURCE_ROOT / "metadata" / "contracts" / "README.md"
DAY = dt.date(2026, 3, 1)


def _readme_contract() -> str:
    text = README.read_text()
    block = re.search(r"```yaml\n(.*?)```", text, re.S)
    assert block, "the README shows the contract"
    return "\n".join(line[3:] if line.startswith("   ") else line for line in block.group(1).splitlines()) + "\n"


def _citizen_id(seq: int) -> str:
    body = f"110101199001{seq % 28 + 1:02d}{seq % 900 + 100:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum expects the number with a check digit


@pytest.fixture
def water_settings(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    meta = tmp_path / "metadata"
    shutil.copytree(SOURCE_ROOT / "metadata" / "contracts", meta / "contracts")
    (meta / "contracts" / "water.yml").write_text(_readme_contract())
    folder = Path(settings.landing) / "water" / "meters" / f"day={DAY.isoformat()}"
    folder.mkdir(parents=True, exist_ok=True)
    rows = ["meter_id,户主身份证号,reading_m3,read_on"]
    rows += [f"M{i:04d},{_citizen_id(i)},{i * 1.5},2026-02-28" for i in range(1, 41)]
    rows += ["M0041,110101199001011234,12.0,2026-02-28",   # wrong check digit: quarantined
             "M0042,,-5,2026-02-28",                       # negative reading: quarantined
             "M0043,,7.5,2026-02-30",                      # impossible date: a warning, kept
             "M0001,,1.5,2026-02-28"]                      # a second row of meter M0001: newer, wins
    (folder / "meters-20260301.csv").write_text("\n".join(rows) + "\n")
    monkeypatch.setenv("CITYLAKE_METADATA_DIR", str(meta))
    monkeypatch.setenv("CITYLAKE_QUALITY__IN_SOURCE_DAGS", "true")  # the whole DAG, quality and publish too
    clear_cache()
    yield reload_settings()
    monkeypatch.undo()
    clear_cache()
    reload_settings()


def test_a_new_contract_becomes_tables_reconciliation_and_a_dag(water_settings: Settings, spark, airflow_db: str) -> None:  # type: ignore[no-untyped-def]
    from citylake.orchestration import source_dags

    dags = source_dags(water_settings)
    assert "citylake_source__water" in dags
    run = dags["citylake_source__water"].test(logical_date=dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc))
    assert str(run.state) in ("success", "DagRunState.SUCCESS"), [(t.task_id, t.state) for t in run.get_task_instances()]

    assert spark.table("bronze.water__meters").count() == 44
    silver = {r["meter_id"]: r for r in spark.table("silver.water__meters").collect()}
    reasons = {r["meter_id"]: [x["rule"] for x in r["_reasons"]]
               for r in spark.table("quarantine.water__meters").collect()}
    assert len(silver) == 41, reasons  # 40 meters + M0043; M0041 and M0042 quarantined, M0001's older row a duplicate
    assert silver["M0043"]["read_on"] is None
    assert [w["rule"] for w in silver["M0043"]["_warnings"]] == ["date.impossible_date"]
    assert reasons == {"M0041": ["citizen_id.check_digit"], "M0042": ["number.out_of_range"]}
    recon = spark.sql("SELECT * FROM ops.batch_reconciliation WHERE source = 'water'").collect()
    assert [(r["rows_read"], r["rows_accepted"], r["rows_quarantined"], r["rows_duplicate"], r["balanced"])
            for r in recon] == [(44, 41, 2, 1, True)]
    # the DAG's quality task judged the table and its publish task pinned the version it passed
    tasks = {t.task_id: str(t.state) for t in run.get_task_instances()}
    assert tasks["meters.quality"].endswith("success") and tasks["meters.publish"].endswith("success")
    assert spark.table("published.water__meters").count() == 41
    checked = spark.sql("SELECT count(*) FROM ops.quality_results WHERE table_name = 'silver.water__meters'").collect()[0][0]
    assert checked > 0
