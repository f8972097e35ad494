"""Rebuild the GB/T 2260 code tables from the data shipped in installed packages.

Why generated: the administrative-division list has about 3,500 current codes and
thousands of retired ones; typing them would be error-prone, and the packages the
pipeline already uses for addresses (cpca) and ID checks (python-stdnum) ship them.

- ``admin_division.csv``: the codes cpca knows (the ones its address parser returns),
  with level (province / city / district) and parent_code. Codes are the first six
  digits of cpca's twelve-digit adcodes.
- ``admin_division_history.csv``: the GB/T 2260 codes python-stdnum records that cpca
  does not have, with the years they were valid: retired codes (e.g. 110103 崇文区,
  valid to 2010) and codes newer than cpca's snapshot. A citizen ID keeps the code of
  the place of birth as it was at registration, so ID checks accept both tables.

Run from the repository root after upgrading cpca or python-stdnum, then update the
versions in ``code_tables/index.yml`` and the CHANGELOG in README.md:

    .venv/bin/python metadata/standards/build_admin_division.py

The output is sorted by code, so re-running on the same package versions changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from importlib import metadata, resources
from pathlib import Path

OUT_DIR = Path(__file__).resolve().parent / "code_tables"

#: One stdnum county entry: optional "[from-to]" years, then the name.
_PERIOD = re.compile(r"^\[(?P<start>\d{4})?-(?P<end>\d{4})?\](?P<name>.*)$")


def level_of(code: str) -> str:
    """GB/T 2260 encodes the level in the code: xx0000 province, xxxx00 city, else district."""
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "district"


def parent_of(code: str) -> str:
    level = level_of(code)
    if level == "province":
        return ""
    if level == "city":
        return code[:2] + "0000"
    return code[:4] + "00"


def cpca_divisions() -> dict[str, str]:
    """code -> name from cpca's adcodes.csv (twelve-digit codes, six significant)."""
    text = resources.files("cpca.resources").joinpath("adcodes.csv").read_text(encoding="utf-8")
    return {row["adcode"][:6]: row["name"] for row in csv.DictReader(io.StringIO(text))}


def stdnum_divisions() -> dict[str, tuple[str, str, str]]:
    """code -> (name, valid_from year, valid_to year) from python-stdnum's cn/loc.dat.

    A code reused over time lists several "[from-to]name" entries; the latest name is
    kept and the validity spans all of them.
    """
    text = resources.files("stdnum.cn").joinpath("loc.dat").read_text(encoding="utf-8")
    out: dict[str, tuple[str, str, str]] = {}
    province = ""
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if not line.startswith(" "):
            province = line[:2]
            continue
        suffix, _, props = line.strip().partition(" ")
        match = re.search(r'county="([^"]*)"', props)
        if match is None:
            continue
        entries = [_PERIOD.match(e) for e in match.group(1).split(",")]
        if any(e is None for e in entries):  # no period: valid throughout
            out[province + suffix] = (match.group(1).split(",")[-1], "", "")
            continue
        starts = [e["start"] or "" for e in entries if e]
        ends = [e["end"] or "" for e in entries if e]
        valid_from = "" if "" in starts else min(starts)
        valid_to = "" if "" in ends else max(ends)
        out[province + suffix] = (entries[-1]["name"], valid_from, valid_to)  # type: ignore[index]
    return out


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main() -> None:
    current = cpca_divisions()
    rows = [[code, current[code], level_of(code), parent_of(code)] for code in sorted(current)]
    missing = sorted({r[3] for r in rows if r[3] and r[3] not in current})
    if missing:
        raise SystemExit(f"cpca data has codes whose parent is missing: {', '.join(missing)}")
    write_csv(OUT_DIR / "admin_division.csv", ["code", "name", "level", "parent_code"], rows)

    history = stdnum_divisions()
    extra = [
        [code, name, level_of(code), valid_from, valid_to]
        for code, (name, valid_from, valid_to) in sorted(history.items())
        if code not in current
    ]
    write_csv(
        OUT_DIR / "admin_division_history.csv",
        ["code", "name", "level", "valid_from", "valid_to"],
        extra,
    )
    print(
        f"admin_division: {len(rows)} codes (cpca {metadata.version('cpca')}); "
        f"admin_division_history: {len(extra)} codes (python-stdnum {metadata.version('python-stdnum')})"
    )


if __name__ == "__main__":
    main()
