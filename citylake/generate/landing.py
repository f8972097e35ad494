"""Where clean batches become delivered files: injection, writing, manifest and record truth.

``Landing.emit`` is the one path every batch takes: the injector damages it, a sink or
the database writes it, and the rows' final places (file, row, line) go to the defect
manifest and to ground_truth/person_records and enterprise_records. Rows of the
household and enterprise registers that were quarantined on day 0 are, at the configured
rate, delivered again corrected on a later day.
"""

from __future__ import annotations

import numpy as np

from citylake.generate.context import Context
from citylake.generate.database import Database
from citylake.generate.defects import OUTCOME, Injector, Prepared
from citylake.generate.entities import DRIFT_ADDED, DRIFT_ENTITY, DRIFT_RENAMED, ENTERPRISES, ENTITIES, PERSONS
from citylake.generate.ground_truth import GroundTruth
from citylake.generate.schema import Batch, Entity
from citylake.generate.writers import FileSink, Segment, file_name, delivery_dir

_CORRECTION = {PERSONS.id: ("变动类型", "信息更正", "变动日期"), ENTERPRISES.id: ("change_type", "corrected", "change_date")}


class Landing:
    def __init__(self, ctx: Context, truth: GroundTruth) -> None:
        self.ctx, self.cfg, self.truth = ctx, ctx.config, truth
        self.root = truth.dir.parent
        self.injectors = {e.id: Injector(self.cfg, e, ctx.geo.city_name) for e in ENTITIES}
        self.sinks: dict[tuple[str, int, str | None], FileSink] = {}
        self.db = Database(self.cfg.db_url, self.root, [e for e in ENTITIES if e.fmt == "sql"])
        self.rows = 0

    # --- one batch ------------------------------------------------------------------

    def emit(self, batch: Batch, unit: object, clean: bool = False) -> None:
        e = batch.entity
        drift = self._is_drift(e, batch.day)
        rng = self.ctx.rng("defects", e.id, batch.day, unit, batch.batch_time or "")
        prepared = self.injectors[e.id].apply(batch, rng, clean=clean or drift)
        if len(prepared) == 0 and e.fmt != "csv" and (e.id, batch.day, batch.batch_time) not in self.sinks:
            return
        if e.fmt == "sql":
            segments = self.db.write(prepared, self.ctx.day(batch.day))
        else:
            segments = self._sink(e, batch.day, batch.batch_time).write(prepared)
        self.rows += len(prepared)
        self._record(prepared, segments)
        if e.id in _CORRECTION and batch.day == 0 and self.cfg.days > 0 and not clean:
            self._corrections(batch, prepared, rng, unit)

    def _is_drift(self, e: Entity, day: int) -> bool:
        d = self.cfg.defects.schema_drift_day
        return e.id == DRIFT_ENTITY.id and 0 < d == day <= self.cfg.days

    def _sink(self, e: Entity, day: int, batch_time: str | None) -> FileSink:
        key = (e.id, day, batch_time)
        sink = self.sinks.get(key)
        if sink is None:
            columns, extra = e.column_names, None
            if self._is_drift(e, day):
                columns = tuple(DRIFT_RENAMED[1] if c == DRIFT_RENAMED[0] else c for c in columns) + (DRIFT_ADDED,)
                extra = {DRIFT_ADDED: "hrss-v2"}
            sink = FileSink(self.root, e, self.ctx.iso(day), self.cfg.rows_per_file, columns, extra, batch_time)
            self.sinks[key] = sink
            if extra:
                line = 1 if e.fmt == "csv" else None
                self._manifest(e, day, sink.rel, line, None, None, "schema_drift", DRIFT_ADDED, "column added")
                self._manifest(e, day, sink.rel, line, None, None, "schema_drift", DRIFT_RENAMED[0],
                               f"column renamed to {DRIFT_RENAMED[1]}")
        return sink

    # --- where rows landed ------------------------------------------------------------

    def _manifest(self, e: Entity, day: int, file: str, line: int | None, row: int | None, key: str | None,
                  kind: str, column: str | None, detail: str) -> None:
        self.truth["defects"].add({"source": [e.source], "entity": [e.name], "day": [self.ctx.iso(day)], "file": [file],
                                   "line": [line], "row_index": [row], "business_key": [key], "defect_type": [kind],
                                   "column": [column], "expected_outcome": [OUTCOME[kind]], "detail": [detail]})

    def _record(self, prepared: Prepared, segments: list[Segment]) -> None:
        e, day = prepared.entity, self.ctx.iso(prepared.day)
        n = len(prepared)
        file = [""] * n
        row_index = np.zeros(n, np.int64)
        line = np.full(n, -1, np.int64)
        for s in segments:
            file[s.start:s.stop] = [s.file] * (s.stop - s.start)
            row_index[s.start:s.stop] = s.row_index + np.arange(s.stop - s.start)
            if s.first_line is not None:
                line[s.start:s.stop] = s.first_line + np.arange(s.stop - s.start)
        key_cols = [prepared.columns[k] for k in e.key]
        if len(key_cols) == 1:
            keys = [None if v is None else str(v) for v in key_cols[0]]
        else:
            keys = [None if None in parts else "|".join(map(str, parts)) for parts in zip(*key_cols)]
        if prepared.manifest:
            m = prepared.manifest
            self.truth["defects"].add({
                "source": [e.source] * len(m), "entity": [e.name] * len(m), "day": [day] * len(m),
                "file": [file[i] for i, *_ in m], "line": [int(line[i]) if line[i] >= 0 else None for i, *_ in m],
                "row_index": [int(row_index[i]) for i, *_ in m], "business_key": [keys[i] for i, *_ in m],
                "defect_type": [k for _, k, _, _ in m], "column": [c for _, _, c, _ in m],
                "expected_outcome": [OUTCOME[k] for _, k, _, _ in m], "detail": [d for *_, d in m]})
        for role, kind, ids, column in prepared.refs:
            arr = np.asarray(ids, dtype=np.int64)
            values = prepared.columns[column] if column else None
            keep = np.flatnonzero((arr >= 0) | np.array([v is not None for v in values], dtype=bool)) if values is not None \
                else np.flatnonzero(arr >= 0)
            if not len(keep):
                continue
            table = "person_records" if kind == "person" else "enterprise_records"
            id_col = "person_id" if kind == "person" else "enterprise_id"
            self.truth[table].add({
                "source": [e.source] * len(keep), "entity": [e.name] * len(keep), "day": [day] * len(keep),
                "file": [file[i] for i in keep.tolist()], "row_index": row_index[keep],
                "record_key": [keys[i] for i in keep.tolist()], "role": [role] * len(keep),
                id_col: [int(x) if x >= 0 else None for x in arr[keep].tolist()]})

    def _corrections(self, batch: Batch, prepared: Prepared, rng: np.random.Generator, unit: object) -> None:
        """Quarantined day-0 register rows delivered again, corrected, on a later day."""
        bad = sorted({i for i, kind, _, _ in prepared.manifest if i < len(batch) and OUTCOME[kind] == "quarantined"})
        bad = [i for i in bad if rng.random() < self.cfg.changes.correction]
        if not bad:
            return
        days = rng.integers(1, self.cfg.days + 1, len(bad))
        change_col, change_value, date_col = _CORRECTION[batch.entity.id]
        for d in sorted(set(days.tolist())):
            rows = [i for i, x in zip(bad, days.tolist()) if x == d]
            cols = {k: [v[i] for i in rows] for k, v in batch.columns.items()}
            cols[change_col] = [change_value] * len(rows)
            cols[date_col] = [self.ctx.iso(d)] * len(rows)
            refs = [(role, kind, [ids[i] for i in rows], col) for role, kind, ids, col in batch.refs]
            self.emit(Batch(batch.entity, d, cols, refs), ("correction", unit), clean=True)

    # --- the end ----------------------------------------------------------------------

    def close(self) -> None:
        cfg = self.cfg
        for e in ENTITIES:
            if e.change_days and e.fmt in ("csv", "parquet") and not e.micro_batches:
                for d in range(1, cfg.days + 1):
                    self._sink(e, d, None)
        rng = self.ctx.rng("empty_files")
        for (eid, day, batch_time), sink in sorted(self.sinks.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or "")):
            if day >= 1 and batch_time is None and rng.random() < cfg.defects.empty_file:
                rel = sink.add_empty_part()
                self._manifest(sink.entity, day, rel, None, None, None, "empty_file", None, "a zero-byte part file")
            sink.close()
        iot = next(e for e in ENTITIES if e.micro_batches)
        for d in range(1, cfg.days + 1):
            if rng.random() < cfg.defects.empty_file:
                hour = int(rng.integers(0, 24))
                rel = f"{delivery_dir(iot, self.ctx.iso(d))}/{file_name(iot, self.ctx.iso(d), 1, f'{hour:02d}59')}"
                (self.root / rel).parent.mkdir(parents=True, exist_ok=True)
                (self.root / rel).write_bytes(b"")
                self._manifest(iot, d, rel, None, None, None, "empty_file", None, "a zero-byte micro-batch")
        self.db.close()

