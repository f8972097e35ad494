"""Classification and grading: from what a column holds to what it should be declared.

A column's sampled values give a *detection* (the kind most of them are, and identifiers
found inside free text); the rules in ``metadata/security/classification.yml`` turn a
kind into a *proposal* (personal level, GB/T 43697 classification, grade, protection);
``compare`` says where the proposal and the declaration (contract, data element, or a
gold model's tags) disagree, and whether plaintext sits where it must not.
Everything here is pure: the Spark side is ``discovery``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from citylake.errors import CitylakeError
from citylake.security.detectors import ENCRYPTED, LEAK_KINDS, TOKEN, detect_value, find_embedded
from citylake.security.tags import ColumnTag

PERSONAL_ORDER = {"none": 0, "personal": 1, "sensitive_personal": 2}
CLASS_ORDER = {"general": 0, "important": 1, "core": 2}
PROTECTION_ORDER = {"none": 0, "tokenize": 1, "encrypt": 1, "encrypt_and_tokenize": 2}

OK, PROTECTED, LEAK, UNDER, OVER, UNTAGGED = "ok", "protected", "plaintext_leak", "under_declared", "over_declared", "untagged"
#: Status by how urgent it is: reports sort by this.
SEVERITY = {LEAK: 0, UNDER: 1, UNTAGGED: 2, OVER: 3, PROTECTED: 4, OK: 5}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KindRule(_Strict):
    personal: str = Field(pattern="^(none|personal|sensitive_personal)$")
    classification: str = Field(pattern="^(general|important|core)$")
    grade: int = Field(ge=1, le=4)
    protection: str = Field(pattern="^(none|encrypt|tokenize|encrypt_and_tokenize)$")
    about_people: bool = False


class ClassificationRules(_Strict):
    threshold: float = Field(0.6, gt=0, le=1)
    min_values: int = Field(5, ge=1)
    min_distinct: float = Field(0.3, ge=0, le=1)
    sample_rows: int = Field(2000, ge=10)
    kinds: dict[str, KindRule]


@lru_cache(maxsize=4)
def load_rules(path: Path) -> ClassificationRules:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return ClassificationRules.model_validate(data)
    except FileNotFoundError:
        raise CitylakeError(f"no classification rules at {path}: restore metadata/security/classification.yml") from None
    except (yaml.YAMLError, ValidationError) as exc:
        first = str(exc).strip().splitlines()
        raise CitylakeError(f"{path}: invalid classification rules ({' '.join(first[:3])})") from None


@dataclass(frozen=True)
class Level:
    personal: str = "none"
    classification: str = "general"
    grade: int = 1
    protection: str = "none"

    @classmethod
    def of(cls, tag: ColumnTag) -> Level:
        return cls(tag.personal, tag.classification, tag.grade, tag.protection)

    def stricter(self, other: Level) -> Level:
        """Each dimension's stricter value: what the catalog should show as the column's tag."""
        return Level(
            max(self.personal, other.personal, key=PERSONAL_ORDER.__getitem__),
            max(self.classification, other.classification, key=CLASS_ORDER.__getitem__),
            max(self.grade, other.grade),
            max(self.protection, other.protection, key=PROTECTION_ORDER.__getitem__),
        )


@dataclass
class Detection:
    kind: str | None = None
    share: float = 0.0
    values: int = 0
    distinct: float = 0.0
    embedded: dict[str, int] = field(default_factory=dict)  # kind -> values holding one in their text

    @property
    def plaintext_kinds(self) -> set[str]:
        """Leak kinds seen in the clear, as whole values or inside text."""
        kinds = {k for k in self.embedded if k in LEAK_KINDS}
        if self.kind in LEAK_KINDS:
            kinds.add(self.kind)
        return kinds


def detect_column(values: list[object], rules: ClassificationRules) -> Detection:
    """The kind most of a column's sampled values are, if at least ``threshold`` of them."""
    texts = [str(v) for v in values if v is not None and str(v).strip()]
    if not texts:
        return Detection()
    kinds = Counter(detect_value(t) for t in texts)
    embedded: Counter[str] = Counter()
    for text in texts:
        if len(text) > 20 or not text.isalnum():  # free text: look inside as well
            for kind in find_embedded(text):
                embedded[kind] += 1
    detection = Detection(values=len(texts), distinct=len(set(texts)) / len(texts), embedded=dict(embedded))
    kind, count = max(((k, n) for k, n in kinds.items() if k), key=lambda kn: kn[1], default=(None, 0))
    share = count / len(texts)
    varied = kind not in ("person_name", "address") or detection.distinct >= rules.min_distinct
    if kind and share >= rules.threshold and (len(texts) >= rules.min_values or kind in (ENCRYPTED, TOKEN)) and varied:
        detection.kind, detection.share = kind, round(share, 3)
    return detection


def propose(kind: str | None, about_people: bool, rules: ClassificationRules) -> Level | None:
    rule = rules.kinds.get(kind or "")
    if rule is None:
        return None
    if rule.about_people and not about_people:
        return Level()
    return Level(rule.personal, rule.classification, rule.grade, rule.protection)


def _looser(a: Level, b: Level) -> list[tuple[str, str, str]]:
    """The dimensions in which ``a`` is looser than ``b``: (dimension, a's value, b's value)."""
    out = []
    if PERSONAL_ORDER[a.personal] < PERSONAL_ORDER[b.personal]:
        out.append(("personal", a.personal, b.personal))
    if CLASS_ORDER[a.classification] < CLASS_ORDER[b.classification]:
        out.append(("classification", a.classification, b.classification))
    if a.grade < b.grade:
        out.append(("grade", str(a.grade), str(b.grade)))
    if PROTECTION_ORDER[a.protection] < PROTECTION_ORDER[b.protection]:
        out.append(("protection", a.protection, b.protection))
    return out


def compare(declared: Level | None, proposed: Level | None, detection: Detection, plaintext_forbidden: bool,
            element_personal: str | None = None) -> tuple[str, str]:
    """(status, note) of one column. ``plaintext_forbidden``: the column must not hold citizen
    IDs, phones or bank cards in the clear (a protected silver column, any gold, published or
    ops column). ``element_personal``: what the column's data element says."""
    clear = detection.plaintext_kinds
    if clear and plaintext_forbidden:
        found = ", ".join(sorted(clear))
        return LEAK, f"plaintext {found} where only ciphertext, tokens or masks may be"
    if declared is None:
        if proposed is not None and proposed != Level():
            return UNTAGGED, f"holds {detection.kind or 'personal data'}; no declared tags"
        return OK, ""
    notes: list[str] = []
    if element_personal and PERSONAL_ORDER[declared.personal] < PERSONAL_ORDER.get(element_personal, 0):
        notes.append(f"data element says {element_personal}, contract says {declared.personal}")
    if proposed is not None:
        notes += [f"{dim} declared {d}, proposed {p}" for dim, d, p in _looser(declared, proposed)]
    if notes:
        return UNDER, "; ".join(notes)
    if detection.kind in (ENCRYPTED, TOKEN):
        return PROTECTED, ""
    stricter = _looser(proposed, declared) if proposed is not None and detection.kind else []
    if stricter:
        return OVER, "; ".join(f"{dim} declared {d}, proposed {p}" for dim, p, d in stricter)
    return OK, ""
