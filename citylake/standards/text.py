"""Text normalization shared by the validators and the code-table lookups.

Source systems type the same value many ways: full-width digits and letters from a
Chinese input method, stray spaces, ideographic spaces. Comparing normalized text is
what makes "（有限公司）" and "(有限公司)" the same name.
"""

from __future__ import annotations

import csv
import io
import re
from functools import lru_cache

from citylake.errors import CitylakeError
from citylake.standards import standards_dir

#: Full-width ASCII (U+FF01..U+FF5E) maps to ASCII by a fixed offset. Only this block
#: is touched: Chinese characters stay as they are.
_FULLWIDTH = "".join(chr(c) for c in range(0xFF01, 0xFF5F))
_HALFWIDTH = "".join(chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F))
#: Every character Python counts as whitespace (tabs, no-break, ideographic U+3000 ...).
WHITESPACE = "".join(chr(c) for c in range(0x10000) if chr(c).isspace())

#: One character map, used as ``str.translate`` here and as Spark's ``translate`` in
#: ``spark_rules``: full-width → ASCII and any whitespace → " ". A character map, not a
#: regex, because it is several times cheaper per row in Spark.
FULLWIDTH = _FULLWIDTH + WHITESPACE
HALFWIDTH = _HALFWIDTH + " " * len(WHITESPACE)
_TO_HALFWIDTH = str.maketrans(FULLWIDTH, HALFWIDTH)
_SPACE_RUNS = re.compile(" {2,}")


def to_halfwidth(value: str) -> str:
    """Full-width ASCII forms → ASCII and every kind of whitespace → a plain space."""
    return value.translate(_TO_HALFWIDTH)


def normalize_text(value: str | None) -> str | None:
    """Trim, map full-width ASCII to half-width and collapse runs of spaces into one.

    None and text that is empty after trimming both give None, so "missing" has one form.
    """
    if value is None:
        return None
    text = _SPACE_RUNS.sub(" ", to_halfwidth(str(value))).strip(" ")
    return text or None


def lookup_key(value: str | None) -> str:
    """The form names and aliases are compared in: normalized and case-folded."""
    return (normalize_text(value) or "").casefold()


@lru_cache(maxsize=1)
def simplified_map() -> tuple[str, str]:
    """The traditional → simplified character map as two equal-length strings.

    Read from ``metadata/standards/traditional_simplified.csv`` so that the Python
    normalizer and Spark's ``translate`` use the same pairs.
    """
    path = standards_dir() / "traditional_simplified.csv"
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CitylakeError(f"{path}: cannot be read as UTF-8 ({exc}); restore the file.") from None
    reader = csv.reader(io.StringIO(text))
    if next(reader, None) != ["traditional", "simplified"]:
        raise CitylakeError(f"{path}:1: the header must be traditional,simplified.")
    pairs: dict[str, str] = {}
    for fields in reader:
        if not fields:
            continue
        if len(fields) != 2 or len(fields[0]) != 1 or len(fields[1]) != 1 or fields[0] in pairs:
            raise CitylakeError(
                f"{path}:{reader.line_num}: each line is one traditional and one simplified character, "
                "and each traditional character appears once."
            )
        pairs[fields[0]] = fields[1]
    return "".join(pairs), "".join(pairs.values())


def to_simplified(value: str | None) -> str | None:
    """Traditional → simplified for the characters common in personal and place names.

    A small map, not a full converter: enough to match 陳 with 陈 across sources
    without adding a conversion dependency. Characters not in the map are kept.
    """
    if value is None:
        return None
    return value.translate(_simplified_table())


@lru_cache(maxsize=1)
def _simplified_table() -> dict[int, int]:
    return str.maketrans(*simplified_map())
