"""A catalog payload: the JSON body of one OpenMetadata create request, with what the
embedded catalog needs beside it.

The request is exactly what OpenMetadata's API takes (validated against its pydantic
models in the OpenMetadata environment); ``meta`` holds local facts that are no part of
any request — the short name people type, the layer, column pairs of a lineage edge — and
is never sent.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from citylake.catalog.naming import entity_id, split

#: Where a payload came from; a rebuild replaces the payloads of the origins it covers.
ORIGINS = ("standards", "contracts", "lake", "stage", "dbt", "openlineage")


@dataclass
class Payload:
    kind: str
    fqn: str
    request: dict[str, Any]
    origin: str
    rank: int = 0
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return entity_id(self.kind, self.fqn)

    def wire(self) -> dict[str, Any]:
        """What crosses to the OpenMetadata environment."""
        return {"kind": self.kind, "fqn": self.fqn, "id": self.id, "rank": self.rank, "request": self.request}

    @property
    def digest(self) -> str:
        body = json.dumps([self.request, self.meta], sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(body.encode()).hexdigest()[:24]


def ref(kind: str, fqn: str) -> dict[str, Any]:
    """An EntityReference to an entity the catalog builds (its id is derived from its FQN;
    a push replaces it with the server's id)."""
    return {"id": entity_id(kind, fqn), "type": kind, "name": split(fqn)[-1], "fullyQualifiedName": fqn}


def label(tag_fqn: str, source: str = "Classification", label_type: str = "Manual") -> dict[str, Any]:
    """A TagLabel: a classification tag (``DataGrade.Grade4``) or a glossary term."""
    return {"tagFQN": tag_fqn, "source": source, "labelType": label_type, "state": "Confirmed"}


def dedupe(payloads: list[Payload]) -> list[Payload]:
    """One payload per kind and FQN (the last wins; lineage: per origin too), in creation order."""
    from citylake.catalog.kinds import sort_key

    unique = {(p.kind, p.fqn, p.origin if p.kind == "lineage" else ""): p for p in payloads}
    return sorted(unique.values(), key=lambda p: sort_key(p.wire()))
