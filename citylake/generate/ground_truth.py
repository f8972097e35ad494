"""The ground truth beside the landing zone: never read by the pipeline, only by tests and benchmarks.

Files under ``ground_truth/`` (columns in docs/synthetic_city.md): the true people,
households, relations, jobs and enterprises; which true entity is behind every source
record (``person_records``, ``enterprise_records``); the defect manifest; labels; and the
counts the statistics must reproduce. Everything row-per-entity is written chunk by chunk.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from citylake.generate import codes
from citylake.generate.context import Context
from citylake.generate.people import household_no
from citylake.generate.world import Chunk

S, I, F, B = pa.string(), pa.int64(), pa.float64(), pa.bool_()
SCHEMAS = {
    "people": [("person_id", I), ("citizen_id", S), ("name", S), ("gender", S), ("ethnicity", S), ("birth_date", S),
               ("kind", S), ("registered", B), ("household_no", S), ("relationship", S), ("marital_status", S),
               ("street_code", S), ("district_code", S), ("address_id", S), ("phone", S), ("disabled", B),
               ("born_day", I), ("death_date", S), ("death_day", I), ("care_need", B), ("care_score", F)],
    "households": [("household_no", S), ("household_type", S), ("head_person_id", I), ("size", I), ("address_id", S),
                   ("street_code", S), ("district_code", S), ("moved_day", I), ("new_address_id", S), ("new_street_code", S)],
    "relations": [("person_id", I), ("related_person_id", I), ("relation", S), ("since_day", I)],
    "employment": [("person_id", I), ("enterprise_id", I), ("start_date", S), ("monthly_wage", F)],
    "enterprises": [("enterprise_id", I), ("credit_code", S), ("name", S), ("enterprise_type", S), ("industry_code", S),
                    ("district_code", S), ("legal_rep_person_id", I), ("status_day0", S), ("established_day", I),
                    ("deregistered_day", I), ("becomes_abnormal", B), ("distress", F)],
    "person_records": [("source", S), ("entity", S), ("day", S), ("file", S), ("row_index", I), ("record_key", S),
                       ("role", S), ("person_id", I)],
    "enterprise_records": [("source", S), ("entity", S), ("day", S), ("file", S), ("row_index", I), ("record_key", S),
                           ("role", S), ("enterprise_id", I)],
    "defects": [("source", S), ("entity", S), ("day", S), ("file", S), ("line", I), ("row_index", I), ("business_key", S),
                ("defect_type", S), ("column", S), ("expected_outcome", S), ("detail", S)],
}
AGE_BANDS = tuple(f"{a}-{a + 4}" for a in range(0, 100, 5)) + ("100+",)
CARE_THRESHOLD = 2.0


class Table:
    """A Parquet file written in row groups as data arrives.

    Rows are turned into Arrow arrays as they come (compact, unlike Python lists) and
    written as one row group per ``ROW_GROUP`` rows.
    """

    ROW_GROUP = 100_000

    def __init__(self, path: Path, fields: list[tuple[str, pa.DataType]]) -> None:
        self.schema = pa.schema(fields)
        self.writer = pq.ParquetWriter(path, self.schema, compression="snappy")
        self.pending: list[pa.Table] = []
        self.pending_rows = 0
        self.rows = 0

    def add(self, columns: dict[str, list | np.ndarray]) -> None:
        arrays = [pa.array(columns[f.name], type=f.type) for f in self.schema]
        table = pa.Table.from_arrays(arrays, schema=self.schema)
        self.pending.append(table)
        self.pending_rows += table.num_rows
        self.rows += table.num_rows
        if self.pending_rows >= self.ROW_GROUP:
            self.flush()

    def flush(self) -> None:
        if self.pending_rows:
            self.writer.write_table(pa.concat_tables(self.pending), row_group_size=self.ROW_GROUP * 2)
        self.pending, self.pending_rows = [], 0

    def close(self) -> None:
        self.flush()
        self.writer.close()


def _iso(a: np.ndarray) -> list:
    t = np.datetime_as_string(a.astype("datetime64[D]"), unit="D").tolist()
    return [None if x == "NaT" else x for x in t]


class GroundTruth:
    def __init__(self, root: Path, ctx: Context) -> None:
        self.dir = root / "ground_truth"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.ctx = ctx
        self.tables = {name: Table(self.dir / f"{name}.parquet", fields) for name, fields in SCHEMAS.items()}
        D, geo = ctx.config.days, ctx.geo
        self.eth_codes = list(codes.table("ethnicity").codes)
        self.population = np.zeros((D + 1, len(geo.district_codes), len(AGE_BANDS), 2, len(self.eth_codes)), np.int64)
        self.enterprise_counts: dict[tuple[int, str, str], int] = {}

    def __getitem__(self, name: str) -> Table:
        return self.tables[name]

    def add_chunk(self, chunk: Chunk) -> None:
        ctx, geo, p, h, n = self.ctx, self.ctx.geo, chunk.people, chunk.households, chunk.n_residents
        total = len(p)
        hh = chunk.hh_of
        res = hh >= 0
        street = np.where(res, h.street[np.maximum(hh, 0)], -1)
        address = np.where(res, h.address[np.maximum(hh, 0)], -1)
        care = chunk.care_score
        self.tables["people"].add({
            "person_id": p.person_id, "citizen_id": p.cid, "name": p.name, "gender": ["1" if m else "2" for m in p.male.tolist()],
            "ethnicity": p.ethnicity, "birth_date": _iso(p.birth), "kind": p.kind, "registered": p.resident,
            "household_no": [household_no(x) if x >= 0 else None for x in p.household.tolist()],
            "relationship": [r or None for r in p.relationship], "marital_status": p.marital,
            "street_code": [geo.street_codes[s] if s >= 0 else None for s in street.tolist()],
            "district_code": [geo.district_codes[geo.street_district[s]] if s >= 0 else None for s in street.tolist()],
            "address_id": [f"AD{a:010d}" if a >= 0 else None for a in address.tolist()],
            "phone": p.phone, "disabled": p.disabled, "born_day": p.born_day, "death_date": _iso(p.death),
            "death_day": p.death_day, "care_need": [bool(c > CARE_THRESHOLD) if c == c else None for c in care.tolist()],
            "care_score": [None if c != c else round(float(c), 4) for c in care.tolist()],
        })
        movers, move_day, new_street, new_address = chunk.events["moves"]
        moved = np.full(len(h), -1)
        moved[movers] = move_day
        ns = np.full(len(h), -1)
        ns[movers] = new_street
        na = np.full(len(h), -1)
        na[movers] = new_address
        self.tables["households"].add({
            "household_no": [household_no(x) for x in h.number.tolist()],
            "household_type": [("single", "couple", "family", "three_generations", "single_parent", "collective")[t] for t in h.type.tolist()],
            "head_person_id": p.person_id[h.head], "size": h.size, "address_id": [f"AD{a:010d}" for a in h.address.tolist()],
            "street_code": [geo.street_codes[s] for s in h.street.tolist()],
            "district_code": [geo.district_codes[geo.street_district[s]] for s in h.street.tolist()],
            "moved_day": moved, "new_address_id": [f"AD{a:010d}" if a >= 0 else None for a in na.tolist()],
            "new_street_code": [geo.street_codes[s] if s >= 0 else None for s in ns.tolist()],
        })
        self._relations(chunk)
        self.tables["employment"].add({"person_id": p.person_id[chunk.job_person], "enterprise_id": chunk.job_employer,
                                       "start_date": _iso(chunk.job_start), "monthly_wage": chunk.job_wage})
        ent = chunk.ent
        self.tables["enterprises"].add({
            "enterprise_id": ent["number"], "credit_code": ent["credit_code"], "name": ent["name"],
            "enterprise_type": [str(x) for x in ent["type"]], "industry_code": [str(x) for x in ent["industry"]],
            "district_code": [geo.district_codes[d] for d in ent["district"].tolist()],
            "legal_rep_person_id": p.person_id[ent["legal_rep"]], "status_day0": [str(x) for x in ent["status"]],
            "established_day": ent["new_day"], "deregistered_day": ent["dereg_day"],
            "becomes_abnormal": ent["abnormal"], "distress": np.round(ent["distress"], 4),
        })
        self._count(chunk, street, total, n)

    def _relations(self, chunk: Chunk) -> None:
        from citylake.generate.people import CHILD, PARENT, SPOUSE

        p, h, n = chunk.people, chunk.households, chunk.n_residents
        hh = chunk.hh_of[:n]
        head = h.head[hh]
        role = p.role[:n]
        spouse_of = np.full(len(h), -1)
        sp = np.flatnonzero(role == SPOUSE)
        spouse_of[hh[sp]] = sp
        a, b, rel, since = [], [], [], []
        def add(x: np.ndarray, y: np.ndarray, r: str, d: np.ndarray | int = -1) -> None:
            a.append(p.person_id[x]), b.append(p.person_id[y]), rel.append([r] * len(x))
            since.append(np.full(len(x), d) if isinstance(d, int) else d)
        add(head[sp], sp, "spouse")
        add(sp, head[sp], "spouse")
        kids = np.flatnonzero(role == CHILD)
        add(head[kids], kids, "parent_of")
        add(kids, head[kids], "child_of")
        other = spouse_of[hh[kids]]
        ok = other >= 0
        add(other[ok], kids[ok], "parent_of")
        add(kids[ok], other[ok], "child_of")
        par = np.flatnonzero(role == PARENT)
        add(par, head[par], "parent_of")
        add(head[par], par, "child_of")
        ext = np.flatnonzero(np.isin(np.array(p.kind), ("deceased_spouse", "former_spouse")))
        kind = [p.kind[i] for i in ext.tolist()]
        for label in ("deceased_spouse", "former_spouse"):
            sel = ext[np.array([k == label for k in kind], dtype=bool)] if len(ext) else ext
            add(p.linked[sel], sel, "late_spouse" if label == "deceased_spouse" else "former_spouse")
        men, women, wed = chunk.events["marriages"]
        add(men, women, "spouse", wed)
        add(women, men, "spouse", wed)
        child, mothers, fathers, days = chunk.events["births"]
        add(mothers, child, "parent_of", days)
        add(fathers, child, "parent_of", days)
        add(child, mothers, "child_of", days)
        add(child, fathers, "child_of", days)
        self.tables["relations"].add({"person_id": np.concatenate(a), "related_person_id": np.concatenate(b),
                                      "relation": [x for r in rel for x in r], "since_day": np.concatenate(since)})

    def _count(self, chunk: Chunk, street: np.ndarray, total: int, n: int) -> None:
        ctx, geo, p = self.ctx, self.ctx.geo, chunk.people
        D = ctx.config.days
        resident = p.resident & (np.array(p.kind) != "deceased_spouse")
        eth_index = {c: i for i, c in enumerate(self.eth_codes)}
        eth = np.array([eth_index[e] for e in p.ethnicity])
        gender = (~p.male).astype(np.int64)
        movers, move_day, new_street, _ = chunk.events["moves"]
        for d in range(D + 1):
            date = np.datetime64(ctx.iso(d))
            alive = resident & ((p.born_day < 0) | (p.born_day <= d)) & ((p.death_day < 0) | (p.death_day > d))
            s = street.copy()
            if len(movers):
                where = np.full(len(chunk.households), -1)
                where[movers] = np.arange(len(movers))
                k = where[np.maximum(chunk.hh_of, 0)]
                moved = (chunk.hh_of >= 0) & (k >= 0) & (move_day[np.maximum(k, 0)] <= d)
                s = np.where(moved, new_street[np.maximum(k, 0)], s)
            idx = np.flatnonzero(alive & (s >= 0))
            age = ((date - p.birth[idx]).astype(np.int64) / 365.25).astype(np.int64)
            band = np.minimum(age // 5, len(AGE_BANDS) - 1)
            np.add.at(self.population[d], (geo.street_district[s[idx]], band, gender[idx], eth[idx]), 1)
        ent = chunk.ent
        for d in range(D + 1):
            exists = (ent["new_day"] < 0) | (ent["new_day"] <= d)
            status = np.where((ent["dereg_day"] > 0) & (ent["dereg_day"] <= d), "60", ent["status"])
            for ind, st in zip(ent["industry"][exists].tolist(), status[exists].tolist()):
                key = (d, str(ind), str(st))
                self.enterprise_counts[key] = self.enterprise_counts.get(key, 0) + 1

    def close(self) -> None:
        for t in self.tables.values():
            t.close()
        ctx, geo = self.ctx, self.ctx.geo
        d, dist, band, g, e = np.nonzero(self.population)
        pq.write_table(pa.table({
            "day": [ctx.iso(int(x)) for x in d], "district_code": [geo.district_codes[x] for x in dist],
            "district_name": [geo.district_names[x] for x in dist], "age_band": [AGE_BANDS[x] for x in band],
            "gender": ["1" if x == 0 else "2" for x in g], "ethnicity": [self.eth_codes[x] for x in e],
            "count": self.population[d, dist, band, g, e],
        }), self.dir / "population_counts.parquet")
        industry = codes.table("industry")
        keys = sorted(self.enterprise_counts)
        pq.write_table(pa.table({
            "day": [ctx.iso(k[0]) for k in keys], "industry_code": [k[1] for k in keys],
            "industry_section": [industry.parent_of(k[1]) for k in keys], "status": [k[2] for k in keys],
            "count": [self.enterprise_counts[k] for k in keys],
        }), self.dir / "enterprise_counts.parquet")
