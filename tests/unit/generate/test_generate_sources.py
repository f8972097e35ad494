"""Formats, encodings, overlap, change days and the ground truth of the test city."""

from __future__ import annotations

import csv
import io
import sqlite3
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import sqlalchemy as sa

from city_checks import TEST_CITY

from citylake.generate.entities import ENTITIES

DAY0 = "day=2026-01-01"


def _csv(path: Path, encoding: str) -> list[dict]:
    text = path.read_bytes().decode(encoding, errors="replace")
    return [r for r in csv.DictReader(io.StringIO(text))]


def test_gbk_files_decode_as_gbk_and_not_as_utf8(city: Path, manifest: list[dict]) -> None:
    broken = {(m["file"], m["line"]) for m in manifest if m["defect_type"] == "malformed_line"}
    for e in ENTITIES:
        if e.encoding != "gbk":
            continue
        for path in (city / "landing" / e.source / e.name).rglob("*.csv"):
            rel = path.relative_to(city).as_posix()
            lines = path.read_bytes().split(b"\n")[:-1]
            if not lines:
                continue  # an empty_file
            for n, line in enumerate(lines, start=1):
                if (rel, n) not in broken:
                    line.decode("gbk")
            header = lines[0].decode("gbk")
            assert header.split(",")[0] == e.columns[0].name
    persons = (city / "landing/public_security/persons" / DAY0 / "persons-20260101-001.csv").read_bytes()
    assert persons.split(b"\n")[0].decode("gbk").startswith("公民身份号码,姓名,性别,民族,出生日期")
    try:
        persons.decode("utf-8")
        raise AssertionError("a GBK file decoded as UTF-8")
    except UnicodeDecodeError:
        pass


def test_civil_affairs_is_readable_over_sql(city: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{city / 'landing/civil_affairs/civil_affairs.sqlite'}")
    with engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
        assert tables == {"marriages", "deaths", "subsistence_allowance", "elderly_care"}
        days = dict(conn.execute(sa.text("SELECT day, count(*) FROM marriages GROUP BY day")).all())
        assert days["2026-01-01"] > 100 and len(days) >= 2
        row = conn.execute(sa.text("SELECT * FROM deaths WHERE day > '2026-01-01' LIMIT 1")).mappings().one()
        assert row["updated_at"] and row["citizen_id"]
    con = sqlite3.connect(city / "landing/civil_affairs/civil_affairs.sqlite")
    assert con.execute("SELECT count(*) FROM elderly_care").fetchone()[0] > 10


def test_sources_overlap_as_configured(city: Path) -> None:
    people = pq.read_table(city / "ground_truth/people.parquet").to_pydict()
    jobs = pq.read_table(city / "ground_truth/employment.parquet").to_pydict()
    kind = dict(zip(people["person_id"], people["kind"]))
    birth = dict(zip(people["person_id"], people["birth_date"]))
    working = [p for p, k in kind.items() if k == "resident" and "1966-01-01" < birth[p] <= "2007-12-31"]
    employed_residents = {p for p in jobs["person_id"] if kind[p] == "resident"}
    share = len(employed_residents & set(working)) / len(working)
    assert abs(share - TEST_CITY.overlap.employed) < 0.05
    migrants = sum(1 for p in jobs["person_id"] if kind[p] == "migrant_worker") / len(jobs["person_id"])
    assert abs(migrants - TEST_CITY.overlap.migrant_workers) < 0.02
    records = pq.read_table(city / "ground_truth/person_records.parquet").to_pydict()
    by_source: dict[str, set] = {}
    for source, pid in zip(records["source"], records["person_id"]):
        if pid is not None:
            by_source.setdefault(source, set()).add(pid)
    register = by_source["public_security"]
    assert len(by_source["hr_social_security"] & register) > 0.5 * len(register)
    assert len(by_source["civil_affairs"] & register) > 0.1 * len(register)
    assert len(by_source["licences"] & register) > 0.2 * len(register)
    assert by_source["hr_social_security"] - register  # migrant workers are known to social security only


def test_change_days_carry_every_change_type(city: Path) -> None:
    changes = Counter()
    for path in (city / "landing/public_security/persons").glob("day=2026-01-0[2-4]/*.csv"):
        for row in _csv(path, "gbk"):
            changes[row.get("变动类型")] += 1
    assert {"出生", "迁移", "婚姻变更", "死亡注销", "信息更正"} <= set(changes)
    ent = Counter()
    for path in (city / "landing/market_supervision/enterprises").glob("day=2026-01-0[2-4]/*.csv"):
        for row in _csv(path, "utf-8"):
            ent[row.get("change_type")] += 1
    assert {"established", "deregistered", "corrected"} <= set(ent)
    filings = pq.read_table(city / "landing/tax/filings/day=2026-01-02/filings-20260102-001.parquet").to_pydict()
    assert filings["filing_date"].count("2026-01-02") > 0.8 * len(filings["filing_date"])
    assert len(list((city / "landing/iot/events").glob("day=2026-01-02/events-20260102-*.jsonl"))) >= 4


def test_population_counts_match_the_register(city: Path) -> None:
    counts = pq.read_table(city / "ground_truth/population_counts.parquet").to_pydict()
    by_day = Counter()
    for day, n in zip(counts["day"], counts["count"]):
        by_day[day] += n
    assert by_day["2026-01-01"] == TEST_CITY.people
    people = pq.read_table(city / "ground_truth/people.parquet").to_pydict()
    born = sum(1 for d in people["born_day"] if 0 < d <= 3)
    died = sum(1 for d, k in zip(people["death_day"], people["kind"]) if 0 < d <= 3 and k == "resident")
    assert by_day["2026-01-04"] == TEST_CITY.people + born - died
    ents = pq.read_table(city / "ground_truth/enterprise_counts.parquet").to_pydict()
    assert sum(n for d, n in zip(ents["day"], ents["count"]) if d == "2026-01-01") == round(TEST_CITY.people * 0.08)


def test_every_register_row_has_its_true_person(city: Path, landed) -> None:  # type: ignore[no-untyped-def]
    records = pq.read_table(city / "ground_truth/person_records.parquet").to_pydict()
    subject = {(f, r) for e, f, r, role in zip(records["entity"], records["file"], records["row_index"], records["role"])
               if e == "persons" and role == "subject"}
    persons = next(e for e in landed if e.id == "public_security/persons")
    assert {(r.file, r.row_index) for r in landed[persons]} == subject


def test_labels_exist_and_are_minorities(city: Path) -> None:
    ents = pq.read_table(city / "ground_truth/enterprises.parquet").to_pydict()
    share = sum(ents["becomes_abnormal"]) / len(ents["becomes_abnormal"])
    assert 0.02 < share < 0.2
    people = pq.read_table(city / "ground_truth/people.parquet", columns=["care_need"]).to_pydict()["care_need"]
    known = [c for c in people if c is not None]
    assert known and 0.05 < sum(known) / len(known) < 0.6


def test_civil_affairs_can_go_to_another_database(tmp_path: Path) -> None:
    """Any SQLAlchemy URL works (PostgreSQL in a team setting); a second SQLite file stands in here."""
    from citylake.generate import CityConfig, generate_city

    url = f"sqlite:///{tmp_path / 'civil.db'}"
    generate_city(CityConfig(people=300, days=1, db_url=url, iot_batches_per_day=1), tmp_path / "city")
    assert not (tmp_path / "city/landing/civil_affairs/civil_affairs.sqlite").exists()
    with sa.create_engine(url).connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM marriages")).scalar() > 10
    files = set(pq.read_table(tmp_path / "city/ground_truth/person_records.parquet").column("file").to_pylist())
    assert f"db:{url}" in files
