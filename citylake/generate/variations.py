"""The ways departments write the same value: what the silver layer must normalize.

Each function takes a value in its canonical form and returns another form of the same
value (``pick`` chooses among the styles, so the choice is deterministic). The impossible
and wrong values that silver must reject are here too, beside the forms they imitate.
"""

from __future__ import annotations

import datetime as dt

from citylake.generate.identifiers import fullwidth

DATE_STYLES = ("{y}/{m}/{d}", "{y}年{m}月{d}日", "{y:04d}{m:02d}{d:02d}", "{y}.{m:02d}.{d:02d}")


def date_variant(iso: str, pick: int) -> str:
    y, m, d = int(iso[:4]), int(iso[5:7]), int(iso[8:10])
    return DATE_STYLES[pick % len(DATE_STYLES)].format(y=y, m=m, d=d)


def impossible_date(iso: str, pick: int) -> str:
    """A date in the canonical shape that no calendar has (Feb 30, month 13, Apr 31, day 32)."""
    y = iso[:4]
    style = pick % 4
    body = (f"{y}-02-30", f"{y}-13-{iso[8:10] if len(iso) >= 10 else '01'}", f"{y}-04-31", f"{y}-{iso[5:7]}-32")[style]
    if len(iso) == 7:  # a month
        return f"{y}-{('13', '00', '14', '99')[style]}"
    return body + iso[10:]


def shifted_date(iso: str, pick: int) -> str:
    """Another real date: what a clerk types when the birth date disagrees with the ID."""
    d = dt.date.fromisoformat(iso[:10])
    delta = dt.timedelta(days=(pick % 700) + 30) * (1 if pick % 2 else -1)
    return (d + delta).isoformat()


def mobile_variant(phone: str, pick: int) -> str:
    a, b, c = phone[:3], phone[3:7], phone[7:]
    styles = (f"+86 {a} {b} {c}", f"{a}-{b}-{c}", f"+86-{phone}", f"{a} {b} {c}", f"(+86){phone}", f"86{phone}")
    return styles[pick % len(styles)]


def landline_variant(phone: str, pick: int) -> str:
    area, number = phone.split("-", 1)
    styles = (f"({area}){number}", f"{area}{number}", f"{area} {number[:4]} {number[4:]}", f"+86 {area[1:]} {number}")
    return styles[pick % len(styles)]


def lowercase_x(value: str) -> str:
    return value[:-1] + "x"


def fullwidth_digits(value: str) -> str:
    return fullwidth(value)


ORG_SUFFIXES = (("有限责任公司", "有限公司"), ("有限公司", "有限责任公司"), ("股份有限公司", "股份公司"))


def org_name_variant(name: str, city: str, pick: int) -> str:
    """The same organisation as another register writes its name."""
    for long, short in ORG_SUFFIXES:
        if name.endswith(long) and pick % 2 == 0:
            return name[: -len(long)] + short
    short_city = city.removesuffix("市")
    if name.startswith(short_city):
        return name.replace(short_city, f"{short_city}市", 1) if pick % 3 else name[len(short_city):] + f"（{short_city}）"
    return name + "（普通合伙）" if pick % 5 == 0 else "（" + short_city + "）" + name
