"""Defects and normalizable variations, injected into clean batches and recorded per row.

The vocabulary is stable (docs/synthetic_city.md): every injected change is one manifest
row with a ``defect_type`` and the ``expected_outcome`` a correct pipeline reaches. A row
carries at most one defect, drawn once per row from the configured rates, so each rate
is the share of eligible rows that carry it; variations are drawn independently per value
on the other columns. Line-level defects (malformed, truncated, wrong column count) are
only marked here: the writer damages the serialized line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from citylake.generate import codes, identifiers, names, variations
from citylake.generate.addresses import address_variant
from citylake.generate.config import CityConfig
from citylake.generate.schema import Batch, Column, Entity

OUTCOME = {
    "lowercase_x": "corrected", "fullwidth_digits": "corrected", "phone_format": "corrected",
    "date_format": "corrected", "traditional_chars": "corrected", "address_variant": "corrected",
    "name_homophone": "resolved", "name_typo": "resolved", "fuzzy_duplicate": "resolved",
    "invalid_check_digit": "quarantined", "impossible_date": "quarantined", "unknown_code": "quarantined",
    "id_birthdate_mismatch": "quarantined", "id_gender_mismatch": "quarantined",
    "orphan_reference": "flagged", "out_of_range": "quarantined", "malformed_line": "quarantined",
    "truncated_line": "quarantined", "wrong_column_count": "quarantined",
    "exact_duplicate": "deduplicated", "empty_file": "file_rejected", "schema_drift": "file_rejected",
}
LINE_DEFECTS = ("malformed_line", "truncated_line", "wrong_column_count")
_CODE_CANDIDATES = ("99", "999", "9999", "00", "X9", "Z99", "8")
_NAME_CANDIDATES = ("火星族", "同居", "室友", "外星", "未知类别")
_FAKE_ORDERS = {True: tuple(range(981, 1000, 2)), False: tuple(range(982, 1000, 2))}


def fake_citizen_id(real: str, pick: int) -> str:
    """A valid ID with the same birthplace, birth date and sex as ``real`` that belongs to nobody."""
    male = int(real[16]) % 2 == 1
    orders = _FAKE_ORDERS[male]
    return identifiers.citizen_id(f"{real[:14]}{orders[pick % len(orders)]:03d}")


def reserved_record_id(value: str, pick: int) -> str:
    """A record number in the range source systems here never reach (a 9 before the last nine digits)."""
    return f"{value[:-10]}9{pick % 1_000_000_000:09d}"


@dataclass
class Prepared:
    """A batch after injection: values to write, line damage to do, manifest rows without a file yet."""

    entity: Entity
    day: int
    columns: dict[str, list]
    refs: list[tuple[str, str, list[int], str | None]]
    line_defects: dict[int, str] = field(default_factory=dict)
    manifest: list[tuple[int, str, str | None, str]] = field(default_factory=list)  # (row, type, column, detail)
    batch_time: str | None = None

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def key(self, row: int) -> str | None:
        values = [self.columns[k][row] for k in self.entity.key]
        return None if any(v is None for v in values) else "|".join(str(v) for v in values)


class Injector:
    """Injects the configured defects into the batches of one entity."""

    def __init__(self, config: CityConfig, entity: Entity, city_name: str) -> None:
        self.config = config
        self.entity = entity
        self.city_name = city_name
        self.rates = config.defects
        self.vary = config.variations
        self.row_types = self._row_types()

    def _row_types(self) -> list[tuple[str, float]]:
        e, r = self.entity, self.rates
        kinds = {c.kind for c in e.columns}
        has = {
            "invalid_check_digit": bool(kinds & {"citizen_id", "credit_code"}),
            "impossible_date": bool(kinds & {"date", "datetime", "month"}),
            "unknown_code": bool(kinds & {"code", "division"}),
            "id_birthdate_mismatch": any(b for _, b, _ in e.id_checks),
            "id_gender_mismatch": any(g for _, _, g in e.id_checks),
            "orphan_reference": any(c.ref for c in e.columns),
            "out_of_range": any(c.lo is not None for c in e.columns),
            "malformed_line": e.line_based,
            "truncated_line": e.line_based,
            "wrong_column_count": e.fmt == "csv",
            "exact_duplicate": True,
            "fuzzy_duplicate": e.fuzzy,
        }
        return [(t, getattr(r, t)) for t, ok in has.items() if ok and getattr(r, t) > 0]

    def apply(self, batch: Batch, rng: np.random.Generator, clean: bool = False) -> Prepared:
        cols = {k: list(v) for k, v in batch.columns.items()}
        refs = [(role, kind, list(ids), col) for role, kind, ids, col in batch.refs]
        out = Prepared(self.entity, batch.day, cols, refs, batch_time=batch.batch_time)
        n = len(batch)
        if n == 0 or clean or not self.entity.defects:
            return out
        picks = rng.integers(0, 2**31, n)
        draw = rng.random(n)
        chosen: dict[int, str] = {}
        if self.row_types:
            cum = np.cumsum([rate for _, rate in self.row_types])
            which = np.searchsorted(cum, draw, side="right")
            for i in np.flatnonzero(which < len(self.row_types)):
                chosen[int(i)] = self.row_types[int(which[i])][0]
        touched: dict[int, set[str]] = {}
        for i, kind in chosen.items():
            if kind in LINE_DEFECTS:
                out.line_defects[i] = kind
                out.manifest.append((i, kind, None, "line damaged in the file"))
            elif kind not in ("exact_duplicate", "fuzzy_duplicate"):
                column = self._row_defect(out, i, kind, int(picks[i]))
                if column:
                    touched.setdefault(i, set()).add(column)
        # Fuzzy copies get their own variations; exact copies must stay byte-identical, so they come last.
        for i in sorted(i for i, k in chosen.items() if k == "fuzzy_duplicate"):
            j, changed = self._duplicate(out, i, "fuzzy_duplicate", int(picks[i]))
            touched[j] = changed
        self._variations(out, rng, len(out), touched)
        for i in sorted(i for i, k in chosen.items() if k == "exact_duplicate"):
            self._duplicate(out, i, "exact_duplicate", int(picks[i]))
        return out

    # --- one defect on one row ------------------------------------------------------

    def _row_defect(self, out: Prepared, i: int, kind: str, pick: int) -> str | None:
        cols, e = out.columns, self.entity
        def present(c: Column) -> bool:
            return cols[c.name][i] is not None and cols[c.name][i] != ""
        if kind == "invalid_check_digit":
            cands = [c for c in e.columns if c.kind in ("citizen_id", "credit_code") and present(c)]
            if not cands:
                return None
            c = cands[pick % len(cands)]
            old = cols[c.name][i]
            alphabet = "0123456789X" if c.kind == "citizen_id" else identifiers.USCC_ALPHABET
            cols[c.name][i] = identifiers.wrong_check(old, alphabet, pick)
            return self._note(out, i, kind, c.name, f"check character {old[-1]} written as {cols[c.name][i][-1]}")
        if kind == "impossible_date":
            cands = [c for c in e.columns if c.kind in ("date", "datetime", "month") and present(c)]
            if not cands:
                return None
            c = cands[pick % len(cands)]
            cols[c.name][i] = variations.impossible_date(cols[c.name][i], pick // 7)
            return self._note(out, i, kind, c.name, f"no such date: {cols[c.name][i]}")
        if kind == "unknown_code":
            cands = [c for c in e.columns if c.kind in ("code", "division") and present(c)]
            if not cands:
                return None
            c = cands[pick % len(cands)]
            if c.kind == "division":
                cols[c.name][i] = codes.unknown_code("admin_division", ("429999", "999999")) + "001000"
            else:
                assert c.table
                cols[c.name][i] = codes.unknown_code(c.table, _NAME_CANDIDATES if c.form == "name" else _CODE_CANDIDATES)
            return self._note(out, i, kind, c.name, f"{cols[c.name][i]} is not in {c.table or 'admin_division'}")
        if kind in ("id_birthdate_mismatch", "id_gender_mismatch"):
            idc, birth, gender = e.id_checks[0]
            target = birth if kind == "id_birthdate_mismatch" else gender
            if not target or not cols[idc][i] or not cols[target][i]:
                return None
            if kind == "id_birthdate_mismatch":
                cols[target][i] = variations.shifted_date(cols[target][i], pick)
            else:
                c = e.column(target)
                male = int(cols[idc][i][16]) % 2 == 1
                cols[target][i] = ("女" if male else "男") if c.form == "name" else ("2" if male else "1")
            return self._note(out, i, kind, target, f"{idc} says otherwise")
        if kind == "orphan_reference":
            cands = [c for c in e.columns if c.ref and present(c)]
            if not cands:
                return None
            c = cands[pick % len(cands)]
            old = cols[c.name][i]
            if c.kind == "citizen_id":
                cols[c.name][i] = fake_citizen_id(old, pick)
            else:
                cols[c.name][i] = identifiers.fake_credit_code(old[2:8], pick)
            for _, _, ids, col in out.refs:
                if col == c.name:
                    ids[i] = -1
            return self._note(out, i, kind, c.name, f"{cols[c.name][i]} is registered nowhere")
        if kind == "out_of_range":
            cands = [c for c in e.columns if c.lo is not None and present(c)]
            if not cands:
                return None
            c = cands[pick % len(cands)]
            assert c.lo is not None and c.hi is not None
            bad = c.hi * 10 + 1 if pick % 2 else c.lo - (c.hi - c.lo) - 1
            cols[c.name][i] = int(bad) if c.dtype == "int64" else round(float(bad), 2)
            return self._note(out, i, kind, c.name, f"{cols[c.name][i]} outside [{c.lo:g}, {c.hi:g}]")
        raise AssertionError(kind)

    @staticmethod
    def _note(out: Prepared, i: int, kind: str, column: str, detail: str) -> str:
        out.manifest.append((i, kind, column, detail))
        return column

    # --- variations -----------------------------------------------------------------

    def _variations(self, out: Prepared, rng: np.random.Generator, n: int, touched: dict[int, set[str]]) -> None:
        v, cols = self.vary, out.columns
        external = self.entity.source != "public_security"
        for c in self.entity.columns:
            if not c.vary:
                continue
            plans: list[tuple[str, float]] = []
            if c.kind == "citizen_id":
                plans = [("lowercase_x", v.lowercase_x), ("fullwidth_digits", v.fullwidth_digits)]
            elif c.kind == "credit_code":
                plans = [("fullwidth_digits", v.fullwidth_digits)]
            elif c.kind in ("mobile", "landline"):
                plans = [("phone_format", v.phone_format), ("fullwidth_digits", v.fullwidth_digits)]
            elif c.kind == "date":
                plans = [("date_format", v.date_format)]
            elif c.kind == "person_name":
                plans = [("traditional_chars", v.traditional_chars)]
                if external:
                    plans += [("name_homophone", v.name_homophone), ("name_typo", v.name_typo)]
            elif c.kind == "address":
                plans = [("address_variant", v.address_variant)]
            for kind, rate in plans:
                if rate <= 0:
                    continue
                hits = np.flatnonzero(rng.random(n) < rate)
                picks = rng.integers(0, 2**31, len(hits))
                values = cols[c.name]
                for i, pick in zip(hits.tolist(), picks.tolist()):
                    if i in out.line_defects or c.name in touched.get(i, ()):
                        continue
                    value = values[i]
                    if not value:
                        continue
                    new = self._vary(kind, c, value, pick)
                    if new is None or new == value:
                        continue
                    values[i] = new
                    touched.setdefault(i, set()).add(c.name)
                    out.manifest.append((i, kind, c.name, f"{value} written as {new}"))

    def _vary(self, kind: str, c: Column, value: str, pick: int) -> str | None:
        if kind == "lowercase_x":
            return variations.lowercase_x(value) if value.endswith("X") else None
        if kind == "fullwidth_digits":
            return variations.fullwidth_digits(value)
        if kind == "phone_format":
            return variations.mobile_variant(value, pick) if c.kind == "mobile" else variations.landline_variant(value, pick)
        if kind == "date_format":
            return variations.date_variant(value, pick)
        if kind == "traditional_chars":
            return names.to_traditional(value)
        if kind == "name_homophone":
            return names.homophone(value, pick)
        if kind == "name_typo":
            return names.typo(value, pick)
        if kind == "address_variant":
            return address_variant(value, pick)
        raise AssertionError(kind)

    # --- duplicates -----------------------------------------------------------------

    def _duplicate(self, out: Prepared, i: int, kind: str, pick: int) -> tuple[int, set[str]]:
        """Append a copy of row ``i``; returns its position and the columns changed in it."""
        cols, e = out.columns, self.entity
        row = {k: v[i] for k, v in cols.items()}
        changed: set[str] = set()
        if kind == "fuzzy_duplicate":
            original = out.key(i)
            for c in e.columns:
                value = row[c.name]
                if not value or c.name in e.key:
                    continue
                if c.kind == "person_name":
                    row[c.name] = names.homophone(value, pick) or names.typo(value, pick)
                elif c.kind == "org_name":
                    row[c.name] = variations.org_name_variant(value, self.city_name, pick)
                elif c.kind == "address":
                    row[c.name] = address_variant(value, pick)
                elif c.kind == "mobile":
                    row[c.name] = variations.mobile_variant(value, pick)
            key = e.column(e.key[0])
            if key.kind == "citizen_id":
                row[key.name] = fake_citizen_id(row[key.name].upper(), pick)
            elif key.kind == "credit_code":
                row[key.name] = identifiers.fake_credit_code(row[key.name][2:8], pick)
            else:
                row[key.name] = reserved_record_id(row[key.name], pick)
            detail = f"a second record of the same {e.master or 'subject'} as {original}"
            column = key.name
            changed = {k for k in cols if row[k] != cols[k][i]}
        else:
            detail, column = "a byte-identical copy of an earlier row", None
        j = len(out)
        for k, v in cols.items():
            v.append(row[k])
        for _, _, ids, _ in out.refs:
            ids.append(ids[i])
        out.manifest.append((j, kind, column, detail))
        return j, changed
