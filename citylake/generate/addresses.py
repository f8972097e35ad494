"""The city's geography: real districts, synthetic streets and roads, standard addresses.

Districts and their codes are the real GB/T 2260 ones of the chosen prefecture-level city
(the ``admin_division`` code table, built from cpca's data); their centroids come from
cpca's own table. cpca ships no streets, so streets (12-digit codes: district, a 3-digit
township number — 001-099 街道, 100-199 镇 — and 000) and roads are generated, the same for
every seed of a city so that its address register is stable.

Every address number maps to distinct (road, house, building, unit, room) components by a
bijection, so two addresses never share a text.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.resources
import re
import zlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from citylake.errors import CitylakeError
from citylake.generate.codes import table

ROADS_PER_STREET = 8
_HOUSES, _BUILDINGS, _UNITS, _FLOORS, _DOORS = 300, 30, 6, 33, 4
ADDRESS_SPACE = ROADS_PER_STREET * _HOUSES * _BUILDINGS * _UNITS * _FLOORS * _DOORS  # 57,024,000
ENTERPRISE_ADDRESS_BASE = 20_000_000
MOVE_ADDRESS_BASE = 40_000_000

_PLACE_CHARS = "东西南北中新民和平安康乐华兴建永长青花园湖山水桥港汉江岸阳光明荣前进胜利红星友谊团结幸福龙凤沙洲塘堤"
_ROAD_CHARS = "解放建设发展民主中山复兴光华青年胜利和平黄河长江珞珈雄楚鲁磨关山汉口武胜江汉沿河工农友谊惠民"
_ROAD_SUFFIX = ("路", "路", "路", "街", "大道", "巷")
_OUTER_DISTRICT_SUFFIX = ("街道", "街道", "镇", "镇", "乡")

CANONICAL_ADDRESS = re.compile(
    r"^(?P<prov>\S+?省)(?P<city>\S+?市)(?P<district>\S+?区)(?P<street>\S+?(?:街道|镇|乡))"
    r"(?P<road>\S+?(?:大道|路|街|巷))(?P<house>[0-9]+)号(?P<bldg>[0-9]+)栋(?P<unit>[0-9]+)单元(?P<room>[0-9]+)室$"
)


@dataclass(frozen=True)
class Geography:
    province_code: str
    province_name: str
    city_code: str
    city_name: str
    district_codes: tuple[str, ...]
    district_names: tuple[str, ...]
    district_lonlat: np.ndarray          # (districts, 2)
    district_weight: np.ndarray          # population share
    street_codes: tuple[str, ...]
    street_names: tuple[str, ...]
    street_district: np.ndarray          # district index of each street
    street_lonlat: np.ndarray            # (streets, 2)
    roads: tuple[tuple[str, ...], ...]   # ROADS_PER_STREET names per street
    birthplaces: tuple[str, ...]         # birthplace codes: the districts first, then elsewhere
    birthplace_years: np.ndarray         # (codes, 2): first and last birth year python-stdnum accepts
    city_birthplaces: tuple[int, ...]    # indexes of the city's own codes, current and historical

    @property
    def prefix(self) -> str:
        return self.province_name + self.city_name

    def streets_of(self, district: int) -> np.ndarray:
        return np.flatnonzero(self.street_district == district)


def _centroids() -> dict[str, tuple[float, float]]:
    """District centroids from the adcode list shipped in cpca (lon, lat; some are blank)."""
    out: dict[str, tuple[float, float]] = {}
    with importlib.resources.files("cpca.resources").joinpath("adcodes.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["longitude"] and row["latitude"]:
                out[row["adcode"][:6]] = (float(row["longitude"]), float(row["latitude"]))
    return out


def _valid_years(code: str) -> tuple[int, int] | None:
    """The birth years python-stdnum accepts ``code`` for, as (first, last); None: never."""
    from stdnum import numdb

    info = {k: v for _, props in numdb.get("cn/loc").info(code) for k, v in props.items()}
    county = info.get("county")
    if not county:
        return None
    first, last = 9999, 0
    for entry in county.split(","):
        if not entry.startswith("["):
            return 0, 9999
        start, end = entry[1:].split("]")[0].split("-")
        first, last = min(first, int(start or 0)), max(last, int(end or 9999))
    return first, last


@lru_cache(maxsize=4)
def load_geography(city_code: str) -> Geography:
    """Districts, streets, roads and birthplaces of one real prefecture-level city."""
    divisions = table("admin_division")
    city_name = divisions.name_of(city_code)
    if city_name is None or city_code.endswith("0000"):
        raise CitylakeError(f"{city_code} is not a prefecture-level city in the admin_division code table; use e.g. 420100.")
    province_code = city_code[:2] + "0000"
    province_name = divisions.name_of(province_code) or ""
    districts = [c for c in divisions.children_of(city_code) if divisions.name_of(c) != "市辖区"]
    if not districts:
        raise CitylakeError(f"the admin_division code table lists no districts under {city_code} {city_name}.")
    centroids = _centroids()
    city_lonlat = centroids.get(city_code, (114.3, 30.6))
    rng = np.random.default_rng(zlib.crc32(city_code.encode()))
    lonlat = np.array([centroids.get(c, (city_lonlat[0] + rng.normal(0, 0.1), city_lonlat[1] + rng.normal(0, 0.1))) for c in districts])
    # Inner districts (ending in "区" with low numbers) are denser: weight by a fixed draw.
    weight = rng.uniform(0.5, 1.5, len(districts))
    weight = weight / weight.sum()

    street_codes, street_names, street_district, street_lonlat, roads = [], [], [], [], []
    used_names: set[str] = set()
    for d, code in enumerate(districts):
        outer = int(code[4:]) >= 12
        for j in range(int(rng.integers(6, 13))):
            suffix = _OUTER_DISTRICT_SUFFIX[int(rng.integers(0, 5))] if outer else "街道"
            number = {"街道": 1, "镇": 100, "乡": 200}[suffix] + j
            while True:
                name = "".join(rng.choice(list(_PLACE_CHARS), 2, replace=False)) + suffix
                if name not in used_names:
                    used_names.add(name)
                    break
            street_codes.append(f"{code}{number:03d}000")
            street_names.append(name)
            street_district.append(d)
            street_lonlat.append(lonlat[d] + rng.normal(0, 0.03, 2))
            road_names: list[str] = []
            while len(road_names) < ROADS_PER_STREET:
                road = "".join(rng.choice(list(_ROAD_CHARS), 2, replace=False)) + _ROAD_SUFFIX[int(rng.integers(0, len(_ROAD_SUFFIX)))]
                if road not in road_names:
                    road_names.append(road)
            roads.append(tuple(road_names))

    birthplaces, years = _birthplaces(city_code, districts, rng)
    own = tuple(i for i, c in enumerate(birthplaces) if c.startswith(city_code[:4]))
    return Geography(
        province_code=province_code, province_name=province_name, city_code=city_code, city_name=city_name,
        district_codes=tuple(districts), district_names=tuple(divisions.name_of(c) or "" for c in districts),
        district_lonlat=lonlat, district_weight=weight,
        street_codes=tuple(street_codes), street_names=tuple(street_names), street_district=np.array(street_district),
        street_lonlat=np.array(street_lonlat), roads=tuple(roads),
        birthplaces=tuple(birthplaces), birthplace_years=np.array(years), city_birthplaces=own,
    )


def _birthplaces(city_code: str, districts: list[str], rng: np.random.Generator) -> tuple[list[str], list[tuple[int, int]]]:
    """The city's districts, itself and its retired codes, then counties elsewhere (migrants).

    Only codes python-stdnum knows are kept, with the birth years it accepts them for; the
    retired codes (admin_division_history) are where people born before today's districts
    existed get their birthplace, as in real IDs.
    """
    divisions = table("admin_division")
    history = table("admin_division_history")
    province = city_code[:2]
    others = [r["code"] for r in divisions.rows
              if r.get("level") == "district" and r["name"] != "市辖区" and not r["code"].startswith(city_code[:4])]
    near = sorted(c for c in others if c.startswith(province))
    far = sorted(c for c in others if not c.startswith(province))
    picked = [str(c) for c in rng.choice(near, min(20, len(near)), replace=False)]
    picked += [str(c) for c in rng.choice(far, min(20, len(far)), replace=False)]
    retired = sorted(r["code"] for r in history.rows if r["code"].startswith(city_code[:4]) and r.get("level") == "district")
    codes, years = [], []
    for code in [*districts, city_code, *retired, *sorted(picked)]:
        window = _valid_years(code)
        if window is not None and (code.startswith(city_code[:4]) or window[0] <= 2000):
            codes.append(code)
            years.append(window)
    return codes, years


# --- addresses ------------------------------------------------------------------------


def _permute(x: np.ndarray) -> np.ndarray:
    """A fixed permutation of [0, ADDRESS_SPACE): a 4-round Feistel network on 26 bits, cycle-walked.

    Consecutive address numbers land on unrelated roads, houses and rooms, and distinct
    numbers stay distinct.
    """
    half, mask = 13, np.uint64((1 << 13) - 1)
    v = x.astype(np.uint64)
    todo = np.ones(len(v), bool)
    while todo.any():
        left, right = v[todo] >> np.uint64(half), v[todo] & mask
        for key in (0x9E37, 0x7F4A, 0x85EB, 0xC2B2):
            with np.errstate(over="ignore"):
                f = ((right * np.uint64(0x2545F491) + np.uint64(key)) >> np.uint64(7)) & mask
            left, right = right, left ^ f
        v[todo] = (left << np.uint64(half)) | right
        todo = v >= np.uint64(ADDRESS_SPACE)
    return v.astype(np.int64)


def address_components(number: np.ndarray) -> dict[str, np.ndarray]:
    """Road index, house, building, unit and room of each address number (a bijection)."""
    v = _permute(np.asarray(number, dtype=np.int64))
    road = v % ROADS_PER_STREET
    v //= ROADS_PER_STREET
    house = v % _HOUSES + 1
    v //= _HOUSES
    bldg = v % _BUILDINGS + 1
    v //= _BUILDINGS
    unit = v % _UNITS + 1
    v //= _UNITS
    floor = v % _FLOORS + 1
    door = v // _FLOORS + 1
    return {"road": road, "house": house, "bldg": bldg, "unit": unit, "room": floor * 100 + door}


def format_addresses(geo: Geography, number: np.ndarray, street: np.ndarray) -> list[str]:
    """The canonical text of each address (province to room), as the register writes it."""
    c = address_components(number)
    prefix = geo.prefix
    out = []
    for i in range(len(number)):
        s = int(street[i])
        d = int(geo.street_district[s])
        out.append(f"{prefix}{geo.district_names[d]}{geo.street_names[s]}{geo.roads[s][c['road'][i]]}"
                   f"{c['house'][i]}号{c['bldg'][i]}栋{c['unit'][i]}单元{c['room'][i]}室")
    return out


def address_lonlat(geo: Geography, number: np.ndarray, street: np.ndarray) -> np.ndarray:
    """Coordinates near the street's centre, fixed per address number."""
    h = (number.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(11)
    dx = (h % np.uint64(1000)).astype(np.float64) / 1000 - 0.5
    dy = ((h // np.uint64(1000)) % np.uint64(1000)).astype(np.float64) / 1000 - 0.5
    return np.round(geo.street_lonlat[street] + np.c_[dx, dy] * 0.02, 6)


_CN_DIGITS = "零一二三四五六七八九"


def address_variant(canonical: str, pick: int) -> str:
    """The same address as another clerk writes it (no province, '#', Chinese numerals, '幢', ...)."""
    m = CANONICAL_ADDRESS.match(canonical)
    if m is None:
        return canonical.replace("号", "#", 1)
    g = m.groupdict()
    style = pick % 6
    if style == 0:
        return f"{g['city']}{g['district']}{g['road']}{g['house']}号{g['bldg']}栋{g['unit']}单元{g['room']}室"
    if style == 1:
        return f"{g['district']}{g['street']}{g['road']}{g['house']}号{g['bldg']}-{g['unit']}-{g['room']}"
    if style == 2:
        return f"{g['prov']}{g['city']}{g['district']}{g['road']}{g['house']}#{g['bldg']}幢{g['unit']}单元{g['room']}"
    if style == 3:
        unit = _CN_DIGITS[int(g["unit"])] if int(g["unit"]) < 10 else g["unit"]
        return f"{g['city']}{g['district']}{g['street']}{g['road']}{g['house']}号{g['bldg']}号楼{unit}单元{g['room']}室"
    if style == 4:
        return canonical.replace(g["road"] + g["house"], g["road"] + g["house"].translate(_FW))
    return f"{g['prov']} {g['city']} {g['district']} {g['road']}{g['house']}号{g['bldg']}栋{g['unit']}单元{g['room']}室"


_FW = str.maketrans("0123456789", "".join(chr(0xFF10 + i) for i in range(10)))


def birth_year_ok(geo: Geography, birthplace: np.ndarray, birth: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Birthplaces python-stdnum accepts for the birth year: a code not yet (or no longer) in
    use that year is replaced by one of the city's codes that was."""
    year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    window = geo.birthplace_years[birthplace]
    bad = np.flatnonzero((year < window[:, 0]) | (year > window[:, 1]))
    out = birthplace.copy()
    own = np.array(geo.city_birthplaces)
    pick = rng.integers(0, 1 << 30, len(bad))
    for y in np.unique(year[bad]):
        pool = own[(geo.birthplace_years[own, 0] <= y) & (geo.birthplace_years[own, 1] >= y)]
        if not len(pool):
            raise CitylakeError(f"no birthplace code of {geo.city_code} is valid for people born in {y}.")
        sel = bad[year[bad] == y]
        out[sel] = pool[pick[year[bad] == y] % len(pool)]
    return out


def days_since_epoch(d: dt.date) -> int:
    return (d - dt.date(1900, 1, 1)).days
