"""Reading one delivered file into Arrow batches of text, losing nothing.

Bronze keeps what the department sent: every value as text, in the contract's column
names. What does not fit goes beside it instead of away: columns the contract does not
know land in ``_rescued`` (a JSON object), records that cannot be parsed land whole in
``_corrupt`` with ``_corrupt_reason``, and ``_line`` gives the physical line (CSV, JSON
lines) or the row index (Parquet, SQL) so a steward can find the record in the file.

Text files are parsed line by line, so one broken line (bad bytes, an unterminated
quote, a wrong number of fields) costs one quarantined record, not the rest of the
file; a file that cannot be read at all (empty, wrong encoding, a header that names
none of the contract's columns) raises ``UnreadableFile`` with what to do.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

import pyarrow as pa

from citylake.contracts import EntityContract
from citylake.errors import CitylakeError
from citylake.storage import Location

META_COLUMNS = ("_rescued", "_corrupt", "_corrupt_reason", "_line")
BLOCK_BYTES = 16 << 20
#: Above this share of undecodable lines a file is taken to be in another encoding.
UNDECODABLE_FILE_SHARE = 0.5


class UnreadableFile(CitylakeError):
    """The file as a whole cannot be read; the message says which file and why."""


class SchemaDriftError(CitylakeError):
    """The file's columns differ from the contract and its policy is ``fail``."""


@dataclass
class ReadStats:
    rows_read: int = 0
    corrupt: int = 0
    blank_lines: int = 0
    rescued_columns: list[str] = field(default_factory=list)
    evolved_columns: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)


class ColumnMap:
    """How a file's columns map onto the contract, decided once from its header."""

    def __init__(self, entity: EntityContract, delivered: list[str], file: str) -> None:
        by_delivered = {}
        for col in entity.columns:
            by_delivered[col.delivered_as] = col.name
            by_delivered.setdefault(col.name, col.name)
            for alias in col.aliases:
                by_delivered.setdefault(alias, col.name)
        self.target = [by_delivered.get(name.strip()) for name in delivered]
        known = {t for t in self.target if t}
        unknown = [name.strip() for name, t in zip(delivered, self.target) if t is None]
        missing = [c.name for c in entity.columns if c.name not in known]
        if not known:
            raise UnreadableFile(
                f"{file}: none of its columns ({', '.join(delivered[:6])}…) is in the contract of "
                f"{entity.name}; is it the right file, and is it {entity.encoding} as the contract says?"
            )
        if (unknown or missing) and entity.schema_drift == "fail":
            raise SchemaDriftError(
                f"{file}: columns differ from the contract (new: {', '.join(unknown) or 'none'}; "
                f"missing: {', '.join(missing) or 'none'}) and its schema_drift policy is fail: "
                "update the contract or ask the department for the agreed layout."
            )
        self.unknown = unknown
        self.missing = missing
        self.evolve = entity.schema_drift == "evolve"
        self.evolved = [_snake(u) for u in unknown] if self.evolve else []
        self.columns = [c.name for c in entity.columns] + self.evolved
        self.delivered = [name.strip() for name in delivered]


def _snake(name: str) -> str:
    out = "".join(ch.lower() if ch.isalnum() and ch.isascii() else "_" for ch in name).strip("_")
    return out if out and out[0].isalpha() else f"c_{out or 'unnamed'}"


class _BatchBuilder:
    """Accumulates records as columns of text and hands out Arrow batches."""

    def __init__(self, colmap: ColumnMap, chunk_rows: int) -> None:
        self.colmap = colmap
        self.chunk_rows = chunk_rows
        self.schema = pa.schema([(c, pa.string()) for c in colmap.columns]
                                + [("_rescued", pa.string()), ("_corrupt", pa.string()),
                                   ("_corrupt_reason", pa.string()), ("_line", pa.int64())])
        self._reset()

    def _reset(self) -> None:
        self.values: dict[str, list[str | None]] = {c: [] for c in self.colmap.columns}
        self.rescued: list[str | None] = []
        self.corrupt: list[str | None] = []
        self.reasons: list[str | None] = []
        self.lines: list[int] = []

    def __len__(self) -> int:
        return len(self.lines)

    def add(self, fields: list[Any], line: int) -> None:
        """A parsed record: values in delivered-column order."""
        rescued = {}
        row: dict[str, str | None] = {}
        evolved = iter(self.colmap.evolved)
        for target, name, value in zip(self.colmap.target, self.colmap.delivered, fields):
            text = _text(value)
            if target is not None:
                row[target] = text
            elif self.colmap.evolve:
                row[next(evolved)] = text
            elif text is not None:
                rescued[name] = text
        for col in self.colmap.columns:
            self.values[col].append(row.get(col))
        self.rescued.append(json.dumps(rescued, ensure_ascii=False) if rescued else None)
        self.corrupt.append(None)
        self.reasons.append(None)
        self.lines.append(line)

    def add_corrupt(self, raw: str, reason: str, line: int) -> None:
        for col in self.colmap.columns:
            self.values[col].append(None)
        self.rescued.append(None)
        self.corrupt.append(raw)
        self.reasons.append(reason)
        self.lines.append(line)

    def batch(self) -> pa.RecordBatch:
        arrays = [pa.array(self.values[c], pa.string()) for c in self.colmap.columns]
        arrays += [pa.array(self.rescued, pa.string()), pa.array(self.corrupt, pa.string()),
                   pa.array(self.reasons, pa.string()), pa.array(self.lines, pa.int64())]
        out = pa.RecordBatch.from_arrays(arrays, schema=self.schema)
        self._reset()
        return out


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    return json.dumps(value, ensure_ascii=False)


def _physical_lines(stream: Any) -> Iterator[tuple[int, bytes]]:
    """(1-based line number, bytes without the line end) of a byte stream, in blocks."""
    carry = b""
    number = 0
    while True:
        block = stream.read(BLOCK_BYTES)
        if not block:
            break
        parts = (carry + block).split(b"\n")
        carry = parts.pop()
        for part in parts:
            number += 1
            yield number, part.rstrip(b"\r")
    if carry:
        number += 1
        yield number, carry.rstrip(b"\r")


def _split_csv(line: str, delimiter: str) -> list[str] | None:
    if '"' not in line:
        return line.split(delimiter)
    try:
        rows = list(csv.reader([line], delimiter=delimiter, strict=True))
    except csv.Error:
        return None
    return rows[0] if len(rows) == 1 else None


def read_file(loc: Location, entity: EntityContract, stats: ReadStats, chunk_rows: int = 100_000) -> tuple[ColumnMap, Iterator[pa.RecordBatch]]:
    """Open ``loc`` per the contract; returns the column map (known once the header is read)
    and an iterator of batches. ``stats`` is filled as the batches are consumed."""
    if loc.size() == 0:
        raise UnreadableFile(f"{loc.uri} is empty (0 bytes): the export failed; ask the department to deliver it again.")
    if entity.format == "csv":
        return _read_text(loc, entity, stats, chunk_rows, csv_mode=True)
    if entity.format in ("jsonl", "stream"):
        return _read_text(loc, entity, stats, chunk_rows, csv_mode=False)
    if entity.format == "parquet":
        return _read_parquet(loc, entity, stats, chunk_rows)
    raise UnreadableFile(f"{entity.name}: format {entity.format} is not read from files")


def _read_text(loc: Location, entity: EntityContract, stats: ReadStats, chunk_rows: int,
               csv_mode: bool) -> tuple[ColumnMap, Iterator[pa.RecordBatch]]:
    stream = loc.open()
    lines = _physical_lines(stream)
    encoding = entity.encoding
    if csv_mode:
        header_line = 0
        for number, raw in lines:
            if raw.strip():
                header_line = number
                break
        else:
            stream.close()
            raise UnreadableFile(f"{loc.uri} has no header line: the export failed; ask the department to deliver it again.")
        try:
            header_text = raw.decode(encoding).lstrip("\ufeff")
        except UnicodeDecodeError:
            stream.close()
            raise UnreadableFile(f"{loc.uri}: the header is not valid {encoding}; the contract says {encoding}: "
                                 "fix the contract's encoding or ask for a re-export.") from None
        header = _split_csv(header_text, ",")
        if not header:
            stream.close()
            raise UnreadableFile(f"{loc.uri}: line {header_line} is not a CSV header.")
        colmap = ColumnMap(entity, header, loc.uri)
    else:
        colmap = ColumnMap(entity, [c.delivered_as for c in entity.columns], loc.uri)
    _record_drift(stats, colmap)

    def batches() -> Iterator[pa.RecordBatch]:
        builder = _BatchBuilder(colmap, chunk_rows)
        undecodable = 0
        try:
            for number, raw in lines:
                if not raw.strip():
                    stats.blank_lines += 1
                    continue
                stats.rows_read += 1
                try:
                    text = raw.decode(encoding)
                except UnicodeDecodeError:
                    undecodable += 1
                    builder.add_corrupt(raw.decode(encoding, errors="replace"), f"not valid {encoding}", number)
                    stats.corrupt += 1
                else:
                    if csv_mode:
                        _add_csv(builder, colmap, text, number, stats)
                    else:
                        _add_json(builder, entity, colmap, text, number, stats)
                if len(builder) >= chunk_rows:
                    yield builder.batch()
            if stats.rows_read >= 10 and undecodable > UNDECODABLE_FILE_SHARE * stats.rows_read:
                raise UnreadableFile(f"{loc.uri}: {undecodable} of {stats.rows_read} lines are not valid {encoding}; "
                                     "the file is in another encoding than the contract says.")
            if len(builder):
                yield builder.batch()
        finally:
            stream.close()

    return colmap, batches()


def _add_csv(builder: _BatchBuilder, colmap: ColumnMap, text: str, number: int, stats: ReadStats) -> None:
    fields = _split_csv(text, ",")
    if fields is None:
        builder.add_corrupt(text, "unterminated quote", number)
        stats.corrupt += 1
    elif len(fields) != len(colmap.delivered):
        builder.add_corrupt(text, f"{len(fields)} fields, header has {len(colmap.delivered)}", number)
        stats.corrupt += 1
    else:
        builder.add([f if f != "" else None for f in fields], number)


def _add_json(builder: _BatchBuilder, entity: EntityContract, colmap: ColumnMap, text: str, number: int,
              stats: ReadStats) -> None:
    try:
        record = json.loads(text)
    except ValueError:
        builder.add_corrupt(text, "not valid JSON", number)
        stats.corrupt += 1
        return
    if not isinstance(record, dict):
        builder.add_corrupt(text, "not a JSON object", number)
        stats.corrupt += 1
        return
    values = [_pop_field(record, c) for c in entity.columns]
    builder.add(values, number)
    if not record:
        return
    # Fields the contract does not know. JSON has no header, so drift shows per record.
    if entity.schema_drift == "fail":
        raise SchemaDriftError(f"line {number}: fields not in the contract ({', '.join(record)}) and the "
                               "schema_drift policy is fail: update the contract or ask for the agreed layout.")
    extra = {k: _text(v) for k, v in record.items() if v is not None}
    if extra:
        builder.rescued[-1] = json.dumps(extra, ensure_ascii=False)
    for k in record:
        if k not in stats.rescued_columns:
            stats.rescued_columns.append(k)


def _pop_field(record: dict[str, Any], col: Any) -> Any:
    for name in (col.delivered_as, col.name, *col.aliases):
        if name in record:
            return record.pop(name)
    return None


def _record_drift(stats: ReadStats, colmap: ColumnMap) -> None:
    stats.missing_columns = list(colmap.missing)
    if colmap.evolve:
        stats.evolved_columns = list(colmap.evolved)
    else:
        stats.rescued_columns = list(colmap.unknown)


def _read_parquet(loc: Location, entity: EntityContract, stats: ReadStats,
                  chunk_rows: int) -> tuple[ColumnMap, Iterator[pa.RecordBatch]]:
    import pyarrow.parquet as pq

    stream = loc.fs.open_input_file(loc.path)
    try:
        pfile = pq.ParquetFile(stream)
    except pa.ArrowInvalid as exc:
        stream.close()
        raise UnreadableFile(f"{loc.uri} is not a readable Parquet file ({exc}); ask for a re-export.") from None
    colmap = ColumnMap(entity, list(pfile.schema_arrow.names), loc.uri)
    _record_drift(stats, colmap)

    def batches() -> Iterator[pa.RecordBatch]:
        builder = _BatchBuilder(colmap, chunk_rows)
        row = 0
        try:
            for rb in pfile.iter_batches(batch_size=chunk_rows):
                columns = [_as_text_list(rb.column(i)) for i in range(rb.num_columns)]
                for values in zip(*columns):
                    builder.add(list(values), row)
                    row += 1
                stats.rows_read += rb.num_rows
                yield builder.batch()
        finally:
            stream.close()

    return colmap, batches()


def _as_text_list(array: pa.Array) -> list[str | None]:
    import pyarrow.compute as pc

    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        return array.to_pylist()
    if pa.types.is_floating(array.type):
        return [None if v is None else repr(v) for v in array.to_pylist()]
    try:
        return pc.cast(array, pa.string()).to_pylist()
    except pa.ArrowNotImplementedError:
        return [_text(v) for v in array.to_pylist()]


def read_rows(entity: EntityContract, columns: list[str], rows: Iterable[tuple[int, tuple[Any, ...]]], stats: ReadStats,
              source_name: str, chunk_rows: int = 100_000) -> tuple[ColumnMap, Iterator[pa.RecordBatch]]:
    """Rows from a SQL source — (row id, values) pairs under the column names — mapped like
    a file's, the row id standing for the line."""
    colmap = ColumnMap(entity, columns, source_name)
    _record_drift(stats, colmap)

    def batches() -> Iterator[pa.RecordBatch]:
        builder = _BatchBuilder(colmap, chunk_rows)
        for row_id, values in rows:
            builder.add(list(values), row_id)
            stats.rows_read += 1
            if len(builder) >= chunk_rows:
                yield builder.batch()
        if len(builder):
            yield builder.batch()

    return colmap, batches()
