"""Public security household registration: persons and households (GBK CSV, Chinese headers)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from citylake.generate.addresses import format_addresses
from citylake.generate.context import Context
from citylake.generate.people import household_no
from citylake.generate.entities import HOUSEHOLDS, PERSONS
from citylake.generate.schema import Batch
from citylake.generate.sources import gender_names, iso, names_of
from citylake.generate.world import Chunk

_GENDER_WORD = {"男": "男", "女": "女"}


def _as_of(ctx: Context, chunk: Chunk, idx: np.ndarray, day: int) -> tuple[list[str], np.ndarray, list[str]]:
    """Address text, street and marital status of people ``idx`` at the end of ``day``."""
    h = chunk.households
    hh = chunk.hh_of[idx]
    street = h.street[hh].copy()
    address = h.address[hh].copy()
    movers, move_day, new_street, new_address = chunk.events["moves"]
    if len(movers):
        where = np.full(len(h), -1)
        where[movers] = np.arange(len(movers))
        k = where[hh]
        moved = (k >= 0) & (move_day[np.maximum(k, 0)] <= day)
        street = np.where(moved, new_street[np.maximum(k, 0)], street)
        address = np.where(moved, new_address[np.maximum(k, 0)], address)
    marital = [chunk.people.marital[i] for i in idx.tolist()]
    men, women, wed = chunk.events["marriages"]
    if len(men):
        married = set(np.r_[men[wed <= day], women[wed <= day]].tolist())
        marital = ["20" if i in married else m for i, m in zip(idx.tolist(), marital)]
    return format_addresses(ctx.geo, address, street), street, marital


def _persons(ctx: Context, chunk: Chunk, idx: np.ndarray, day: int, change: list[str], when: list[str],
             status: list[str]) -> Batch:
    p = chunk.people
    address, _, marital = _as_of(ctx, chunk, idx, day)
    rel = [p.relationship[i] for i in idx.tolist()]
    cols = {
        "公民身份号码": [p.cid[i] for i in idx.tolist()],
        "姓名": [p.name[i] for i in idx.tolist()],
        "性别": gender_names(p.male[idx]),
        "民族": names_of("ethnicity", [p.ethnicity[i] for i in idx.tolist()]),
        "出生日期": iso(p.birth[idx]),
        "婚姻状况": names_of("marital_status", marital),
        "户号": [household_no(x) for x in p.household[idx].tolist()],
        "与户主关系": names_of("family_relationship", rel),
        "户籍地址": address,
        "联系电话": [p.phone[i] for i in idx.tolist()],
        "人员状态": status,
        "变动类型": change,
        "变动日期": when,
    }
    return Batch(PERSONS, day, cols, [("subject", "person", p.person_id[idx].tolist(), "公民身份号码")])


def batches(ctx: Context, chunk: Chunk) -> Iterator[Batch]:
    p, n = chunk.people, chunk.n_residents
    base_iso = ctx.iso(0)
    day0 = np.arange(n)
    yield _persons(ctx, chunk, day0, 0, ["初始"] * n, [base_iso] * n, ["正常"] * n)
    yield _households(ctx, chunk, np.arange(len(chunk.households)), 0, "初始")
    movers, move_day, _, _ = chunk.events["moves"]
    births = chunk.events["births"][0]
    men, women, wed = chunk.events["marriages"]
    for d in range(1, ctx.config.days + 1):
        day_iso = ctx.iso(d)
        born = births[p.born_day[births] == d]
        moving_hh = movers[move_day == d]
        moved = np.flatnonzero(np.isin(chunk.hh_of[:n], moving_hh) & ((p.death_day[:n] < 0) | (p.death_day[:n] > d)))
        wed_today = np.r_[men[wed == d], women[wed == d]]
        died = np.flatnonzero(p.death_day[:n] == d)
        idx = np.r_[born, moved, wed_today, died].astype(np.int64)
        change = ["出生"] * len(born) + ["迁移"] * len(moved) + ["婚姻变更"] * len(wed_today) + ["死亡注销"] * len(died)
        status = ["正常"] * (len(idx) - len(died)) + ["死亡注销"] * len(died)
        yield _persons(ctx, chunk, idx, d, change, [day_iso] * len(idx), status)
        yield _households(ctx, chunk, moving_hh, d, "迁移")


def _households(ctx: Context, chunk: Chunk, hh: np.ndarray, day: int, change: str) -> Batch:
    h, p = chunk.households, chunk.people
    heads = h.head[hh]
    address, street, _ = _as_of(ctx, chunk, heads, day)
    cols = {
        "户号": [household_no(x) for x in h.number[hh].tolist()],
        "户别": ["集体户" if t == 5 else "家庭户" for t in h.type[hh].tolist()],
        "户主公民身份号码": [p.cid[i] for i in heads.tolist()],
        "户主姓名": [p.name[i] for i in heads.tolist()],
        "户籍地址": address,
        "行政区划代码": [ctx.geo.street_codes[s] for s in street.tolist()],
        "立户日期": iso(h.founded[hh]),
        "变动类型": [change] * len(hh),
        "变动日期": [ctx.iso(day)] * len(hh),
    }
    return Batch(HOUSEHOLDS, day, cols, [("head", "person", p.person_id[heads].tolist(), "户主公民身份号码")])
