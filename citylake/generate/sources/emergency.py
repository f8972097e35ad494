"""Emergency management: shelters, warehouses and their supplies, hazardous sites, disaster events."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from citylake.generate import codes, enterprises
from citylake.generate.addresses import address_lonlat, format_addresses
from citylake.generate.context import Context
from citylake.generate.entities import DISASTER_EVENTS, HAZARDOUS_SITES, SHELTERS, SUPPLIES, WAREHOUSES
from citylake.generate.schema import Batch
from citylake.generate.sources import AREA_CODE, iso, landlines, record_ids
from citylake.generate.sources.natural_resources import register

ITEMS = (("帐篷", "顶"), ("棉被", "床"), ("折叠床", "张"), ("饮用水", "箱"), ("方便食品", "箱"), ("发电机", "台"),
         ("冲锋舟", "艘"), ("救生衣", "件"))
_DESCRIPTION = {"N01": "强降雨致道路积水、低洼地段内涝", "A01": "建筑物起火，消防救援力量已到场处置",
                "A02": "危险化学品储罐泄漏，周边人员已疏散"}


def _place(ctx: Context, rng: np.random.Generator, n: int, first_number: int,
           registered: list[Batch] | None = None) -> dict[str, list]:
    """Address columns of ``n`` places; their rows of the address register go to ``registered``."""
    geo = ctx.geo
    street = rng.integers(0, len(geo.street_codes), n)
    number = first_number + np.arange(n)
    lonlat = address_lonlat(geo, number, street)
    if registered is not None:
        registered.append(register(ctx, number, street, 0))
    return {"address": format_addresses(geo, number, street),
            "division": [geo.district_codes[geo.street_district[s]] for s in street.tolist()],
            "longitude": lonlat[:, 0].tolist(), "latitude": lonlat[:, 1].tolist()}


def static_batches(ctx: Context) -> Iterator[Batch]:
    rng = ctx.rng("emergency", "static")
    geo, n_people = ctx.geo, ctx.config.people
    n = max(10, n_people // 5000)
    registered: list[Batch] = []
    place = _place(ctx, rng, n, 32_000_000, registered)
    kind = rng.choice(["室内", "室外", "综合"], n)
    area = np.round(rng.uniform(2000, 80000, n), 1)
    yield Batch(SHELTERS, 0, {
        "shelter_id": [f"BN{i + 1:06d}" for i in range(n)],
        "name": [f"{geo.district_names[geo.district_codes.index(d)]}第{i + 1}号应急避难场所" for i, d in enumerate(place["division"])],
        "shelter_type": kind.tolist(), "capacity": (area / 2).astype(np.int64).tolist(), "area_m2": area.tolist(),
        **place, "phone": landlines(rng, AREA_CODE, n)})

    w = max(3, n_people // 50000)
    place = _place(ctx, rng, w, 33_000_000, registered)
    ids = [f"CK{i + 1:06d}" for i in range(w)]
    yield Batch(WAREHOUSES, 0, {"warehouse_id": ids, "name": [f"{geo.city_name}应急物资储备库{i + 1}号库" for i in range(w)],
                                **place, "phone": landlines(rng, AREA_CODE, w)})
    yield _supplies(ctx, rng, ids, np.ones(w * len(ITEMS), bool), 0)

    s = max(10, n_people // 2000)
    e = (rng.random(s) * ctx.n_enterprises).astype(np.int64)
    attrs = enterprises.attributes(ctx, e)
    place = _place(ctx, rng, s, 34_000_000, registered)
    levels = rng.choice(["1", "2", "3", "4"], s, p=[0.05, 0.15, 0.35, 0.45])
    yield Batch(HAZARDOUS_SITES, 0, {
        "site_id": [f"WX{i + 1:06d}" for i in range(s)], "name": [f"{x}生产经营场所" for x in attrs["name"]],
        "credit_code": attrs["credit_code"], "category": rng.choice(codes.HAZARD_SITE_TYPES, s).tolist(),
        "hazard_level": levels.tolist(), **place,
        "supervised_since": iso(np.datetime64(ctx.iso(0)) - rng.integers(30, 3000, s).astype("timedelta64[D]"))},
        [("operator", "enterprise", e.tolist(), "credit_code")])
    yield from registered


def _supplies(ctx: Context, rng: np.random.Generator, warehouses: list[str], mask: np.ndarray, day: int) -> Batch:
    rows = [(wid, item, unit) for wid in warehouses for item, unit in ITEMS]
    rows = [r for r, m in zip(rows, mask.tolist()) if m]
    return Batch(SUPPLIES, day, {
        "warehouse_id": [r[0] for r in rows], "item": [r[1] for r in rows], "unit": [r[2] for r in rows],
        "quantity": rng.integers(20, 20000, len(rows)).tolist(), "updated_date": [ctx.iso(day)] * len(rows)})


def daily_batches(ctx: Context) -> Iterator[Batch]:
    """Disaster events (the last year on day 0, new ones on change days) and stock updates."""
    rng = ctx.rng("emergency", "daily")
    kinds = list(codes.DISASTER_TYPES)
    p = np.array(list(codes.DISASTER_TYPES.values()))
    w = max(3, ctx.config.people // 50000)
    warehouses = [f"CK{i + 1:06d}" for i in range(w)]
    for d in range(ctx.config.days + 1):
        n = max(5, ctx.config.people // 5000) if d == 0 else int(rng.poisson(1 + ctx.config.people / 200_000))
        start = np.datetime64(ctx.iso(d), "s") - (np.timedelta64(365 * 86400, "s") if d == 0 else np.timedelta64(0, "s"))
        span = 365 * 86400 if d == 0 else 86400
        when = start + rng.integers(0, span, n).astype("timedelta64[s]")
        kind = rng.choice(kinds, n, p=p / p.sum())
        place = _place(ctx, rng, n, 35_000_000 + ctx.take("event_address", n))
        yield Batch(DISASTER_EVENTS, d, {
            "event_id": record_ids(ctx, "SJ", n), "event_type": kind.tolist(),
            "level": rng.choice(["1", "2", "3", "4"], n, p=[0.02, 0.08, 0.3, 0.6]).tolist(),
            "occurred_at": [str(t).replace("T", " ") for t in when.tolist()] if n else [],
            **place, "casualties": rng.poisson(1.5, n).tolist(), "affected_people": rng.integers(0, 5000, n).tolist(),
            "description": [_DESCRIPTION[k] for k in kind.tolist()]})
        if d:
            yield _supplies(ctx, rng, warehouses, rng.random(w * len(ITEMS)) < 0.2, d)
