"""Health: birth certificates (chunked) and medical institutions (static), as JSON lines."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from citylake.generate.addresses import address_lonlat, format_addresses
from citylake.generate.context import Context
from citylake.generate.entities import BIRTHS, INSTITUTIONS
from citylake.generate.people import CHILD, SPOUSE
from citylake.generate.schema import Batch
from citylake.generate.sources import AREA_CODE, gender_codes, iso, landlines, record_ids
from citylake.generate.sources.natural_resources import register
from citylake.generate.world import Chunk


def institution_count(ctx: Context) -> int:
    return max(12, ctx.config.people // 2000)


def institution_code(i: int) -> str:
    return f"YLJG{i + 1:010d}"


def _births(ctx: Context, chunk: Chunk, child: np.ndarray, mother: np.ndarray, father: np.ndarray, day: int,
            rng: np.random.Generator) -> Batch:
    p, h = chunk.people, chunk.households
    hh = chunk.hh_of[child]
    has_father = father >= 0
    f = np.maximum(father, 0)
    n_inst = institution_count(ctx)
    cols = {
        "certificate_no": record_ids(ctx, "R", len(child)),
        "child_name": [p.name[i] for i in child.tolist()],
        "child_gender": gender_codes(p.male[child]),
        "birth_date": iso(p.birth[child]),
        "birth_weight_g": np.clip(rng.normal(3300, 450, len(child)), 1500, 5200).astype(np.int64).tolist(),
        "mother_citizen_id": [p.cid[i] for i in mother.tolist()],
        "mother_name": [p.name[i] for i in mother.tolist()],
        "father_citizen_id": [p.cid[i] if ok else None for i, ok in zip(f.tolist(), has_father.tolist())],
        "father_name": [p.name[i] if ok else None for i, ok in zip(f.tolist(), has_father.tolist())],
        "institution_code": [institution_code(int(x)) for x in rng.integers(0, n_inst, len(child))],
        "address": format_addresses(ctx.geo, h.address[hh], h.street[hh]),
    }
    refs = [("child", "person", p.person_id[child].tolist(), None),
            ("mother", "person", p.person_id[mother].tolist(), "mother_citizen_id"),
            ("father", "person", np.where(has_father, p.person_id[f], -1).tolist(), "father_citizen_id")]
    return Batch(BIRTHS, day, cols, refs)


def batches(ctx: Context, chunk: Chunk) -> Iterator[Batch]:
    p, n, h = chunk.people, chunk.n_residents, chunk.households
    rng = ctx.rng("health", chunk.index)
    base = np.datetime64(ctx.iso(0))
    young = np.flatnonzero((p.role[:n] == CHILD) & (p.birth[:n] > base - np.timedelta64(3 * 365, "D")))
    hh = chunk.hh_of[young]
    head = h.head[hh]
    spouse = np.where(h.head[hh] + 1 < h.head[hh] + h.size[hh], head + 1, -1)
    has_spouse = (spouse >= 0) & (p.role[np.maximum(spouse, 0)] == SPOUSE)
    head_male = p.male[head]
    mother = np.where(head_male, np.where(has_spouse, spouse, -1), head)
    father = np.where(head_male, head, np.where(has_spouse, spouse, -1))
    ok = mother >= 0
    yield _births(ctx, chunk, young[ok], mother[ok], father[ok], 0, rng)
    child, mothers, fathers, days = chunk.events["births"]
    for d in range(1, ctx.config.days + 1):
        today = days == d
        yield _births(ctx, chunk, child[today], mothers[today], fathers[today], d, rng)


def static_batches(ctx: Context) -> Iterator[Batch]:
    rng = ctx.rng("health", "institutions")
    geo = ctx.geo
    n = institution_count(ctx)
    category = rng.choice(["0101", "0102", "0103"], n, p=[0.25, 0.15, 0.6])
    street = rng.integers(0, len(geo.street_codes), n)
    address = 30_000_000 + np.arange(n)  # within the enterprise address range, beyond any enterprise here
    lonlat = address_lonlat(geo, address, street)
    level = np.where(category == "0103", "一级", np.where(rng.random(n) < 0.4, "三级", "二级"))
    beds = np.where(level == "三级", rng.integers(800, 3500, n), np.where(level == "二级", rng.integers(150, 800, n), rng.integers(10, 120, n)))
    kind = {"0101": "医院", "0102": "专科医院", "0103": "社区卫生服务中心"}
    names = []
    for i in range(n):
        s = int(street[i])
        place = geo.street_names[s].removesuffix("街道").removesuffix("镇").removesuffix("乡")
        names.append(f"{geo.city_name}{place}{kind[str(category[i])]}" if category[i] != "0103" else f"{geo.district_names[geo.street_district[s]]}{place}{kind['0103']}")
    names = [f"{x}（{i + 1}）" if names.count(x) > 1 else x for i, x in enumerate(names)] if n < 2000 else names
    cols = {
        "institution_code": [institution_code(i) for i in range(n)],
        "name": names,
        "category": category.tolist(),
        "level": level.tolist(),
        "beds": beds.tolist(),
        "address": format_addresses(geo, address, street),
        "division": [geo.district_codes[geo.street_district[s]] for s in street.tolist()],
        "longitude": lonlat[:, 0].tolist(),
        "latitude": lonlat[:, 1].tolist(),
        "phone": landlines(rng, AREA_CODE, n),
    }
    yield Batch(INSTITUTIONS, 0, cols)
    yield register(ctx, address, street, 0)

