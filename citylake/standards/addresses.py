"""Addresses to a standard form and a GB/T 2260 district code.

Clerks write one address many ways: without province or city, with spaces, full-width
digits, ``#`` for 号, ``幢`` or ``号楼`` for 栋, ``15-3-303`` for building, unit and room,
Chinese numerals. cpca (which knows China's divisions and fills in the province and
city of a district) resolves the divisions and the code; the rest of the address is
brought to the register's building format here. What cannot be recovered from the text
alone (a street 街道 the clerk left out) is left for gold's match against the
standard address register.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

from citylake.standards.text import normalize_text

_CN_NUMERALS = {"一": "1", "二": "2", "三": "3", "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9", "十": "10"}
_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\s+"), ""),
    (re.compile(r"(\d+)#(\d+)(?:幢|栋|号楼)"), r"\1号\2栋"),
    (re.compile(r"(\d+)号(\d+)-(\d+)-(\d+)$"), r"\1号\2栋\3单元\4室"),
    (re.compile(r"(\d+)(?:幢|号楼)"), r"\1栋"),
    (re.compile(r"([一二三四五六七八九十])单元"), lambda m: _CN_NUMERALS[m.group(1)] + "单元"),  # type: ignore[dict-item]
    (re.compile(r"单元(\d+)$"), r"单元\1室"),
)


def normalize_rest(text: str) -> str:
    """The part after the divisions, in the register's building format."""
    for pattern, repl in _RULES:
        text = pattern.sub(repl, text)  # type: ignore[arg-type]
    return text


@lru_cache(maxsize=1)
def _cpca():  # type: ignore[no-untyped-def]
    import cpca  # loads its division data (about a second): only where addresses are parsed

    return cpca


def standardize(values: Iterable[str | None]) -> list[tuple[str | None, str | None]]:
    """(standard address, district code) for each value; (None, None) for empty ones, and
    (the normalized text, None) where no division is recognised."""
    items = list(values)
    texts = [normalize_text(v) if isinstance(v, str) else None for v in items]
    unique = sorted({t for t in texts if t})
    parsed: dict[str, tuple[str | None, str | None]] = {}
    if unique:
        frame = _cpca().transform([t.replace(" ", "") for t in unique])
        for text, province, city, district, rest, code in zip(
                unique, frame["省"], frame["市"], frame["区"], frame["地址"], frame["adcode"]):
            if isinstance(code, str) and code and isinstance(district, str):
                prefix = "".join(p for p in (province, city, district) if isinstance(p, str) and p)
                parsed[text] = (prefix + normalize_rest(rest if isinstance(rest, str) else ""), code[:6])
            else:
                parsed[text] = (normalize_rest(text), None)
    return [parsed[t] if t else (None, None) for t in texts]
