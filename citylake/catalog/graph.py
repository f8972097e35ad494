"""Walking lineage in the embedded catalog: from a table (or one of its columns) up to
where it came from and down to what is made from it."""

from __future__ import annotations

from dataclasses import dataclass, field

from citylake.catalog.store import Store
from citylake.errors import CitylakeError

Key = tuple[str, str | None]  # (entity FQN, column or None)


@dataclass
class Node:
    key: Key
    kind: str
    short: str
    layer: str


@dataclass
class Graph:
    root: Key
    nodes: dict[Key, Node] = field(default_factory=dict)
    edges: set[tuple[Key, Key]] = field(default_factory=set)

    def parents(self, key: Key) -> list[Key]:
        return sorted(a for a, b in self.edges if b == key)

    def children(self, key: Key) -> list[Key]:
        return sorted(b for a, b in self.edges if a == key)

    @property
    def column_level(self) -> bool:
        return self.root[1] is not None


def _node(store: Store, key: Key) -> Node:
    kind = store.kind_of(key[0]) or "table"
    short = store.short(kind, key[0])
    layer = "landing" if kind == "container" else short.split(".")[0] if "." in short else kind
    return Node(key, kind, short, layer)


def walk(store: Store, fqn: str, column: str | None = None, upstream: bool = True, downstream: bool = True,
         depth: int = 20) -> Graph:
    """The lineage graph around ``fqn`` (or its ``column``), ``depth`` steps each way."""
    if column is not None and column not in {c["name"] for c in store.columns(fqn)}:
        raise CitylakeError(f"{store.short(store.kind_of(fqn) or 'table', fqn)} has no column {column!r}: "
                            "`citylake catalog show` lists its columns.")
    root: Key = (fqn, column)
    graph = Graph(root, {root: _node(store, root)})
    for going_up, wanted in ((True, upstream), (False, downstream)):
        if not wanted:
            continue
        frontier, seen = [root], {root}
        for _ in range(depth):
            nxt = []
            for key in frontier:
                if column is None:
                    found = [(r["fqn"], None) for r in store.neighbours(key[0], going_up)]
                else:
                    found = [(r["fqn"], r["col"]) for r in store.column_neighbours(key[0], key[1] or "", going_up)]
                for other in found:
                    graph.edges.add((other, key) if going_up else (key, other))
                    if other not in graph.nodes:
                        graph.nodes[other] = _node(store, other)
                    if other not in seen:
                        seen.add(other)
                        nxt.append(other)
            if not nxt:
                break
            frontier = nxt
    return graph


def label(node: Node) -> str:
    return f"{node.short}.{node.key[1]}" if node.key[1] else node.short
