"""docs/synthetic_city.md describes the entities the code writes."""

from __future__ import annotations

from pathlib import Path

from citylake.generate.defects import OUTCOME
from citylake.generate.docs import splice
from citylake.generate.entities import ENTITIES

DOC = Path(__file__).resolve().parents[3] / "docs" / "synthetic_city.md"


def test_catalogue_is_in_sync_with_the_entities() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert splice(text) == text, "run: python -m citylake.generate.docs docs/synthetic_city.md"
    for e in ENTITIES:
        assert f"### {e.source} / {e.name} " in text


def test_every_defect_type_is_documented_with_its_outcome() -> None:
    text = DOC.read_text(encoding="utf-8")
    for kind, outcome in OUTCOME.items():
        assert any(line.startswith(f"| `{kind}` |") and line.rstrip().endswith(f"| {outcome} |") for line in text.splitlines()), kind
