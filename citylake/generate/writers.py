"""The landing zone on disk: one sink per delivery, written incrementally in each format.

Layout (docs/synthetic_city.md): ``landing/<source>/<entity>/day=<YYYY-MM-DD>/
<entity>-<YYYYMMDD>[-<part>].<ext>``; a delivery over ``rows_per_file`` rows continues in
parts ``-002``, ``-003``...; IoT micro-batches are ``events-<YYYYMMDD>-<HHMM>.jsonl``; civil
affairs is a database. Sinks buffer encoded bytes and append them to their file, so
memory stays flat however large a delivery grows, and no file handle stays open between
writes. Line-level defects are done here because only here a record is a line.
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from citylake.generate.defects import Prepared
from citylake.generate.schema import Entity

FLUSH_BYTES = 1 << 20
_ARROW = {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64()}


@dataclass(frozen=True)
class Segment:
    """Rows ``start``..``stop`` of a prepared batch landed in ``file`` from ``row_index`` on."""

    start: int
    stop: int
    file: str
    row_index: int
    first_line: int | None  # physical line of row_index (None: not a text file)


def delivery_dir(entity: Entity, day_iso: str) -> str:
    return f"landing/{entity.source}/{entity.name}/day={day_iso}"


def file_name(entity: Entity, day_iso: str, part: int, batch_time: str | None = None) -> str:
    """Parted entities always carry a part number (so parts sort in order); others only from a second file on."""
    stamp = day_iso.replace("-", "")
    if batch_time:
        return f"{entity.name}-{stamp}-{batch_time}.{entity.extension}"
    suffix = f"-{part:03d}" if entity.parted or part > 1 else ""
    return f"{entity.name}-{stamp}{suffix}.{entity.extension}"


class FileSink:
    """One delivery (entity, day[, micro-batch]) as one or more part files."""

    def __init__(self, root: Path, entity: Entity, day_iso: str, rows_per_file: int,
                 columns: tuple[str, ...], extra: dict[str, str] | None = None, batch_time: str | None = None) -> None:
        self.root, self.entity, self.day_iso = root, entity, day_iso
        self.rows_per_file = rows_per_file if not batch_time else 1 << 62
        self.columns = columns            # header as written (after any schema drift)
        self.extra = extra or {}          # added columns and their constant value
        self.batch_time = batch_time
        self.part = 0
        self.rows_in_part = 0
        self.buffer: list[bytes] = []
        self.buffered = 0
        self.parquet: pq.ParquetWriter | None = None
        self.files: list[str] = []
        self._open_part()

    @property
    def rel(self) -> str:
        return self.files[-1]

    def _open_part(self) -> None:
        self._flush()
        if self.parquet is not None:
            self.parquet.close()
            self.parquet = None
        self.part += 1
        self.rows_in_part = 0
        rel = f"{delivery_dir(self.entity, self.day_iso)}/{file_name(self.entity, self.day_iso, self.part, self.batch_time)}"
        self.files.append(rel)
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.entity.fmt == "parquet":
            self.parquet = pq.ParquetWriter(path, self.schema(), compression="snappy")
        else:
            path.write_bytes(b"")
            if self.entity.fmt == "csv":
                self._emit(self._csv_text([self.columns]).encode(self.entity.encoding))

    def schema(self) -> pa.Schema:
        return pa.schema([(c.name, _ARROW[c.dtype]) for c in self.entity.columns])

    def write(self, batch: Prepared) -> list[Segment]:
        segments = []
        start, n = 0, len(batch)
        while start < n:
            if self.rows_in_part >= self.rows_per_file:
                self._open_part()
            stop = min(n, start + self.rows_per_file - self.rows_in_part)
            first_line = None
            if self.entity.fmt == "csv":
                first_line = self.rows_in_part + 2
            elif self.entity.fmt == "jsonl":
                first_line = self.rows_in_part + 1
            segments.append(Segment(start, stop, self.rel, self.rows_in_part, first_line))
            self._write_rows(batch, start, stop)
            self.rows_in_part += stop - start
            start = stop
        return segments

    def _write_rows(self, batch: Prepared, start: int, stop: int) -> None:
        cols = [batch.columns[c.name][start:stop] for c in self.entity.columns]
        if self.entity.fmt == "parquet":
            assert self.parquet is not None
            arrays = [pa.array(v, type=_ARROW[c.dtype]) for v, c in zip(cols, self.entity.columns)]
            self.parquet.write_table(pa.Table.from_arrays(arrays, schema=self.schema()))
            return
        rows = list(zip(*cols))
        if self.extra:
            tail = tuple(self.extra.values())
            rows = [r + tail for r in rows]
        if self.entity.fmt == "csv":
            lines = self._csv_text(rows).split("\n")[:-1]
        else:
            names = self.columns
            lines = [json.dumps(dict(zip(names, r)), ensure_ascii=False) for r in rows]
        defects = {i - start: kind for i, kind in batch.line_defects.items() if start <= i < stop}
        enc = self.entity.encoding
        if not defects:
            self._emit(("\n".join(lines) + "\n").encode(enc))
            return
        pieces: list[bytes] = []
        last = 0
        for i in sorted(defects):
            if i > last:
                pieces.append(("\n".join(lines[last:i]) + "\n").encode(enc))
            pieces.append(damage(lines[i], defects[i], self.entity.fmt, enc) + b"\n")
            last = i + 1
        if last < len(lines):
            pieces.append(("\n".join(lines[last:]) + "\n").encode(enc))
        self._emit(b"".join(pieces))

    @staticmethod
    def _csv_text(rows: list) -> str:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        return buf.getvalue()

    def _emit(self, data: bytes) -> None:
        self.buffer.append(data)
        self.buffered += len(data)
        if self.buffered >= FLUSH_BYTES:
            self._flush()

    def _flush(self) -> None:
        if self.buffer and self.files:
            with open(self.root / self.rel, "ab") as fh:
                fh.write(b"".join(self.buffer))
        self.buffer, self.buffered = [], 0

    def add_empty_part(self) -> str:
        """An extra zero-byte part file: what a failed export leaves behind."""
        self._flush()
        rel = f"{delivery_dir(self.entity, self.day_iso)}/{file_name(self.entity, self.day_iso, self.part + 1)}"
        (self.root / rel).write_bytes(b"")
        self.part += 1
        return rel

    def close(self) -> None:
        self._flush()
        if self.parquet is not None:
            self.parquet.close()
            self.parquet = None


def damage(line: str, kind: str, fmt: str, encoding: str) -> bytes:
    """A serialized record made defective the way broken exports are."""
    if kind == "malformed_line":
        if fmt == "jsonl":
            return line.replace('", "', '" "', 1).encode(encoding)
        cut = line.find(",") + 1
        return line[:cut].encode(encoding) + b"\xff\xfe" + line[cut:].encode(encoding)
    if kind == "truncated_line":
        if fmt == "csv":  # cut inside the middle field: every later field is lost
            commas = [i for i, ch in enumerate(line) if ch == ","]
            k = commas[len(commas) // 2]
            end = next((c for c in commas if c > k), len(line))
            return line[: k + 1 + (end - k - 1) // 2].encode(encoding)
        return line[: max(1, len(line) // 2)].encode(encoding)
    if kind == "wrong_column_count":
        return (line + ",").encode(encoding) if len(line) % 2 else line[: line.rfind(",")].encode(encoding)
    raise AssertionError(kind)


def sqlite_url(root: Path) -> str:
    return f"sqlite:///{(root / 'landing' / 'civil_affairs' / 'civil_affairs.sqlite').as_posix()}"


def remove_tree_files(path: Path) -> None:
    """Remove an earlier run's landing and ground truth so nothing stale is left beside new files."""
    import shutil

    for sub in ("landing", "ground_truth"):
        target = path / sub
        if target.exists():
            shutil.rmtree(target)
    os.makedirs(path, exist_ok=True)
