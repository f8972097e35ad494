"""Reading delivered files into bronze text: nothing lost, every problem named, per line."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from citylake.contracts import EntityContract
from citylake.layers.readers import ReadStats, SchemaDriftError, UnreadableFile, read_file
from citylake.storage import Location
import pyarrow.fs as pafs


def entity(fmt: str = "csv", encoding: str = "utf-8", drift: str = "rescue", **extra: object) -> EntityContract:
    return EntityContract.model_validate({
        "name": "people", "title": "人口", "format": fmt, "encoding": encoding, "schema_drift": drift,
        "keys": ["citizen_id"],
        "columns": [
            {"name": "citizen_id", "source_name": "公民身份号码", "required": True},
            {"name": "name", "source_name": "姓名"},
            {"name": "wage", "aliases": ["wage_monthly"]},
        ],
        **extra,
    })


def loc(path: Path) -> Location:
    return Location(pafs.LocalFileSystem(), str(path), str(path))


def read(path: Path, ent: EntityContract) -> tuple[list[dict], ReadStats, list[str]]:
    stats = ReadStats()
    colmap, batches = read_file(loc(path), ent, stats, chunk_rows=2)  # tiny chunks: several batches
    rows: list[dict] = []
    for batch in batches:
        rows += pa.Table.from_batches([batch]).to_pylist()
    return rows, stats, colmap.columns


def test_gbk_csv_with_chinese_headers_keeps_text_and_line_numbers(tmp_path: Path) -> None:
    f = tmp_path / "p.csv"
    f.write_bytes("公民身份号码,姓名,wage\n110101199003071234,张三,5000\n\n11010119900307123x,李四,\n".encode("gbk"))
    rows, stats, cols = read(f, entity(encoding="gbk"))
    assert cols == ["citizen_id", "name", "wage"]
    assert [(r["citizen_id"], r["name"], r["wage"], r["_line"]) for r in rows] == [
        ("110101199003071234", "张三", "5000", 2), ("11010119900307123x", "李四", None, 4)]
    assert stats.rows_read == 2 and stats.blank_lines == 1 and stats.corrupt == 0
    assert all(r["_corrupt"] is None and r["_rescued"] is None for r in rows)


def test_broken_lines_are_kept_whole_with_their_reason(tmp_path: Path) -> None:
    f = tmp_path / "p.csv"
    good = "110101199003071234,张三,1".encode("gbk")
    f.write_bytes(b"\n".join([
        "公民身份号码,姓名,wage".encode("gbk"),
        good,
        b"110101199003071234,\xff\xfe,1",          # bytes that are no GBK
        "110101199003071234,王五".encode("gbk"),    # a field short
        "110101199003071234,赵六,1,9".encode("gbk"),  # a field too many
        '"110101199003071234,钱七,1'.encode("gbk"),   # an unterminated quote
        good,
    ]) + b"\n")
    rows, stats, _ = read(f, entity(encoding="gbk"))
    assert stats.rows_read == 6 and stats.corrupt == 4
    corrupt = {r["_line"]: r["_corrupt_reason"] for r in rows if r["_corrupt"] is not None}
    assert corrupt == {3: "not valid gbk", 4: "2 fields, header has 3", 5: "4 fields, header has 3", 6: "unterminated quote"}
    assert [r["_line"] for r in rows if r["_corrupt"] is None] == [2, 7]
    assert next(r for r in rows if r["_line"] == 4)["_corrupt"] == "110101199003071234,王五"
    assert all(r["citizen_id"] is None for r in rows if r["_corrupt"] is not None)


def test_unknown_columns_are_rescued_and_missing_ones_noted(tmp_path: Path) -> None:
    f = tmp_path / "p.csv"
    f.write_text("公民身份号码,data_source,wage_monthly\n110101199003071234,hr,5000\n")
    rows, stats, _ = read(f, entity())
    assert rows[0]["wage"] == "5000"  # found under its alias
    assert json.loads(rows[0]["_rescued"]) == {"data_source": "hr"}
    assert stats.rescued_columns == ["data_source"] and stats.missing_columns == ["name"]


def test_drift_policy_fail_rejects_the_file(tmp_path: Path) -> None:
    f = tmp_path / "p.csv"
    f.write_text("公民身份号码,姓名,wage,data_source\n110101199003071234,张三,1,hr\n")
    with pytest.raises(SchemaDriftError, match="schema_drift policy is fail"):
        read(f, entity(drift="fail"))


def test_drift_policy_evolve_adds_the_column(tmp_path: Path) -> None:
    f = tmp_path / "p.csv"
    f.write_text("公民身份号码,姓名,wage,Data Source\n110101199003071234,张三,1,hr\n")
    rows, stats, cols = read(f, entity(drift="evolve"))
    assert cols[-1] == "data_source" and rows[0]["data_source"] == "hr" and rows[0]["_rescued"] is None
    assert stats.evolved_columns == ["data_source"]


def test_empty_and_wrongly_encoded_files_are_unreadable(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(UnreadableFile, match="is empty"):
        read(empty, entity())
    utf8 = tmp_path / "utf8.csv"
    utf8.write_text("公民身份号码,姓名,wage\n" + "110101199003071234,张三丰,1\n" * 20, encoding="utf-8")
    with pytest.raises(UnreadableFile, match="gbk"):
        read(utf8, entity(encoding="gbk"))
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(UnreadableFile, match="none of its columns"):
        read(other, entity())


def test_json_lines_rescue_unknown_fields_and_keep_broken_lines(tmp_path: Path) -> None:
    f = tmp_path / "p.jsonl"
    f.write_text("\n".join([
        json.dumps({"citizen_id": "110101199003071234", "name": "张三", "wage": 5000.5, "extra": [1]}, ensure_ascii=False),
        '{"citizen_id": "1101" "name": "x"}',
        "[1, 2]",
    ]) + "\n")
    rows, stats, _ = read(f, entity(fmt="jsonl"))
    assert rows[0]["wage"] == "5000.5" and json.loads(rows[0]["_rescued"]) == {"extra": "[1]"}
    assert [(r["_line"], r["_corrupt_reason"]) for r in rows[1:]] == [(2, "not valid JSON"), (3, "not a JSON object")]
    assert stats.rows_read == 3 and stats.corrupt == 2


def test_parquet_values_become_text_with_row_index(tmp_path: Path) -> None:
    f = tmp_path / "p.parquet"
    pq.write_table(pa.table({"citizen_id": ["110101199003071234", "110101199003071250"], "wage": [5000.0, None],
                             "name": ["张三", "李四"]}), f)
    rows, stats, _ = read(f, entity(fmt="parquet"))
    assert [(r["citizen_id"], r["wage"], r["_line"]) for r in rows] == [
        ("110101199003071234", "5000.0", 0), ("110101199003071250", None, 1)]
    assert stats.rows_read == 2
