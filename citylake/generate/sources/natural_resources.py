"""Natural resources: administrative divisions, the standard address register, POIs."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from citylake.generate import codes
from citylake.generate.addresses import address_components, address_lonlat, format_addresses
from citylake.generate.context import Context
from citylake.generate.entities import ADDRESSES, DIVISIONS, POIS
from citylake.generate.schema import Batch
from citylake.generate.world import Chunk


def register(ctx: Context, number: np.ndarray, street: np.ndarray, day: int) -> Batch:
    """Rows of the standard address register for these address numbers."""
    geo = ctx.geo
    lonlat = address_lonlat(geo, number, street)
    comp = address_components(number)
    cols = {
        "address_id": [f"AD{x:010d}" for x in number.tolist()],
        "address": format_addresses(geo, number, street),
        "street_code": [geo.street_codes[s] for s in street.tolist()],
        "district_code": [geo.district_codes[geo.street_district[s]] for s in street.tolist()],
        "road": [geo.roads[s][r] for s, r in zip(street.tolist(), comp["road"].tolist())],
        "house_number": comp["house"].tolist(),
        "longitude": lonlat[:, 0].tolist(),
        "latitude": lonlat[:, 1].tolist(),
    }
    return Batch(ADDRESSES, day, cols)


def batches(ctx: Context, chunk: Chunk) -> Iterator[Batch]:
    h, ent = chunk.households, chunk.ent
    old = ent["new_day"] < 0
    yield register(ctx, np.r_[h.address, ent["address"][old]], np.r_[h.street, ent["street"][old]], 0)
    movers, move_day, new_street, new_address = chunk.events["moves"]
    for d in range(1, ctx.config.days + 1):
        today = move_day == d
        new = ent["new_day"] == d
        yield register(ctx, np.r_[new_address[today], ent["address"][new]], np.r_[new_street[today], ent["street"][new]], d)


def static_batches(ctx: Context) -> Iterator[Batch]:
    geo = ctx.geo
    codes_, names, levels, parents, lon, lat = [], [], [], [], [], []
    city_ll = geo.district_lonlat.mean(axis=0)
    for code, name, level, parent, ll in (
        (geo.province_code, geo.province_name, "province", None, city_ll),
        (geo.city_code, geo.city_name, "city", geo.province_code, city_ll),
    ):
        codes_.append(code), names.append(name), levels.append(level), parents.append(parent), lon.append(ll[0]), lat.append(ll[1])
    for d, code in enumerate(geo.district_codes):
        codes_.append(code), names.append(geo.district_names[d]), levels.append("district"), parents.append(geo.city_code)
        lon.append(geo.district_lonlat[d][0]), lat.append(geo.district_lonlat[d][1])
    for s, code in enumerate(geo.street_codes):
        codes_.append(code), names.append(geo.street_names[s]), levels.append("street")
        parents.append(geo.district_codes[geo.street_district[s]])
        lon.append(geo.street_lonlat[s][0]), lat.append(geo.street_lonlat[s][1])
    yield Batch(DIVISIONS, 0, {"code": codes_, "name": names, "level": levels, "parent_code": parents,
                               "longitude": np.round(lon, 6).tolist(), "latitude": np.round(lat, 6).tolist()})

    rng = ctx.rng("natural_resources", "pois")
    n = max(50, ctx.config.people // 200)
    table = codes.table("poi_category")
    leaves = [r["code"] for r in table.rows if r.get("level") == "2"]
    category = rng.choice(leaves, n)
    street = rng.integers(0, len(geo.street_codes), n)
    number = 31_000_000 + np.arange(n)
    lonlat = address_lonlat(geo, number, street)
    comp = address_components(number)
    names_ = [f"{geo.roads[s][r].removesuffix('路').removesuffix('大道').removesuffix('街').removesuffix('巷')}{table.name_of(c)}"
              for s, r, c in zip(street.tolist(), comp["road"].tolist(), category.tolist())]
    cols = {
        "poi_id": [f"POI{i + 1:010d}" for i in range(n)],
        "name": names_,
        "category": category.tolist(),
        "address": format_addresses(geo, number, street),
        "division": [geo.district_codes[geo.street_district[s]] for s in street.tolist()],
        "longitude": lonlat[:, 0].tolist(),
        "latitude": lonlat[:, 1].tolist(),
    }
    yield Batch(POIS, 0, cols)
    yield register(ctx, number, street, 0)
