"""A stand-in OpenMetadata server for tests, run with the OpenMetadata environment's Python.

It serves the endpoints openmetadata-ingestion's client uses to create entities and
lineage, and holds every request to what the real server checks: the body must validate
against OpenMetadata's own create model (extra fields forbidden), every entity referred
to — service, database, schema, parent, owner, domain, tag, glossary term, pipeline —
must exist, and lineage may only name columns the two entities have. Answers are the
entity models the client parses. Usage: ``python fake_openmetadata.py PORT TOKEN``.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import uuid
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

warnings.filterwarnings("ignore")

from citylake.catalog.kinds import ROUTES, entity_model_path, request_model_path  # noqa: E402
from citylake.catalog.om_validate import first_error  # noqa: E402

import importlib  # noqa: E402

ROUTE_KINDS = {v: k for k, v in ROUTES.items()}
LOCK = threading.Lock()
STORE: dict[str, dict[str, dict[str, Any]]] = {k: {} for k in ROUTES if k != "lineage"}  # kind → fqn → entity
BY_ID: dict[str, tuple[str, str]] = {}
EDGES: dict[tuple[str, str], dict[str, Any]] = {}
REQUESTS: list[tuple[str, str]] = []


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def model(kind: str, entity: bool = False) -> Any:
    module, cls = (entity_model_path if entity else request_model_path)(kind)
    return getattr(importlib.import_module(module), cls)


def quote(name: str) -> str:
    return f'"{name}"' if "." in name else name


def ref(kind: str, fqn: str) -> dict[str, Any]:
    entity = STORE[kind].get(fqn)
    if entity is None:
        raise Refused(404, f"{kind} instance for {fqn} not found")
    return {"id": entity["id"], "type": kind, "name": entity["name"], "fullyQualifiedName": fqn}


def by_id(value: dict[str, Any]) -> dict[str, Any]:
    found = BY_ID.get(str(value["id"]))
    if found is None or found[0] != value["type"]:
        raise Refused(404, f"{value['type']} instance for {value['id']} not found")
    return ref(*found)


def check_tags(tags: list[dict[str, Any]] | None) -> None:
    for tag in tags or []:
        kind = "glossaryTerm" if tag["source"] == "Glossary" else "tag"
        if tag["tagFQN"] not in STORE[kind]:
            raise Refused(404, f"{kind} instance for {tag['tagFQN']} not found")


def columns_with_fqn(parent: str, columns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for col in columns:
        check_tags(col.get("tags"))
        col = {**col, "fullyQualifiedName": f"{parent}.{quote(col['name'])}"}
        if col.get("children"):
            col["children"] = columns_with_fqn(col["fullyQualifiedName"], col["children"])
        out.append(col)
    return out


def make_entity(kind: str, req: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The entity a create request makes on the real server (the fields these tests send)."""
    e = dict(req)
    name = quote(req["name"])
    check_tags(req.get("tags"))
    if req.get("owners"):
        e["owners"] = [by_id(o) for o in req["owners"]]
    if req.get("domains"):
        e["domains"] = [ref("domain", d) for d in req["domains"]]
    if kind in ("databaseService", "storageService", "pipelineService", "domain", "team", "classification", "glossary"):
        fqn = name
    elif kind == "database":
        fqn, e["service"] = f"{req['service']}.{name}", ref("databaseService", req["service"])
    elif kind == "databaseSchema":
        db = ref("database", req["database"])
        fqn, e["database"] = f"{req['database']}.{name}", db
        e["service"] = STORE["database"][req["database"]]["service"]
    elif kind == "table":
        schema = STORE["databaseSchema"].get(req["databaseSchema"]) or ref("databaseSchema", req["databaseSchema"])
        fqn = f"{req['databaseSchema']}.{name}"
        e.update(databaseSchema=ref("databaseSchema", req["databaseSchema"]), database=schema["database"],
                 service=schema["service"], columns=columns_with_fqn(fqn, req["columns"]))
    elif kind == "container":
        e["service"] = ref("storageService", req["service"])
        parent = by_id(req["parent"]) if req.get("parent") else None
        fqn = f"{parent['fullyQualifiedName']}.{name}" if parent else f"{req['service']}.{name}"
        if parent:
            e["parent"] = parent
        if req.get("dataModel"):
            e["dataModel"] = {**req["dataModel"], "columns": columns_with_fqn(fqn, req["dataModel"]["columns"])}
    elif kind == "pipeline":
        fqn, e["service"] = f"{req['service']}.{name}", ref("pipelineService", req["service"])
        e["tasks"] = [{**t, "fullyQualifiedName": f"{fqn}.{quote(t['name'])}"} for t in req.get("tasks", [])]
    elif kind == "tag":
        classification = req.get("classification")
        fqn, e["classification"] = f"{classification}.{name}", ref("classification", classification)
    elif kind == "glossaryTerm":
        parent = req.get("parent")
        fqn = f"{parent or req['glossary']}.{name}"
        e["glossary"] = ref("glossary", req["glossary"])
        if parent:
            e["parent"] = ref("glossaryTerm", parent)
        if req.get("relatedTerms"):
            e["relatedTerms"] = [{"term": ref("glossaryTerm", t)} for t in req["relatedTerms"]]
    else:
        raise Refused(400, f"unsupported kind {kind}")
    return fqn, e


def create(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    try:
        request = model(kind).model_validate(body)
    except Exception as exc:  # noqa: BLE001 - the client gets the validation message, as from the server
        raise Refused(400, first_error(exc)) from None
    req = request.model_dump(mode="json", exclude_none=True, by_alias=True)
    with LOCK:
        fqn, entity = make_entity(kind, req)
        old = STORE[kind].get(fqn)
        entity["id"] = old["id"] if old else str(uuid.uuid4())
        entity["fullyQualifiedName"] = fqn
        entity["version"] = 0.1 if not old else round(old["version"] + 0.1, 1)
        for key in ("parents", "children", "users", "defaultRoles", "policies"):
            entity.pop(key, None)
        try:
            answer = model(kind, entity=True).model_validate(entity).model_dump(mode="json", exclude_none=True, by_alias=True)
        except Exception as exc:  # noqa: BLE001 - a bug of this fake, reported loudly
            raise Refused(500, f"fake server cannot build {kind}: {first_error(exc)}") from None
        STORE[kind][fqn] = answer
        BY_ID[answer["id"]] = (kind, fqn)
    return answer


def entity_columns(kind: str, fqn: str) -> set[str]:
    e = STORE[kind][fqn]
    cols = e.get("columns") or (e.get("dataModel") or {}).get("columns") or []
    return {c["fullyQualifiedName"] for c in cols}


def add_lineage(body: dict[str, Any]) -> dict[str, Any]:
    try:
        request = model("lineage").model_validate(body)
    except Exception as exc:  # noqa: BLE001
        raise Refused(400, first_error(exc)) from None
    edge = request.model_dump(mode="json", exclude_none=True, by_alias=True)["edge"]
    with LOCK:
        src, dst = by_id(edge["fromEntity"]), by_id(edge["toEntity"])
        details = edge.get("lineageDetails") or {}
        if details.get("pipeline"):
            details["pipeline"] = by_id(details["pipeline"])
        have_from = entity_columns(src["type"], src["fullyQualifiedName"])
        have_to = entity_columns(dst["type"], dst["fullyQualifiedName"])
        for cl in details.get("columnsLineage") or []:
            for column in cl.get("fromColumns") or []:
                if column not in have_from:
                    raise Refused(400, f"Invalid column name {column}")
            if cl.get("toColumn") and cl["toColumn"] not in have_to:
                raise Refused(400, f"Invalid column name {cl['toColumn']}")
        EDGES[(src["id"], dst["id"])] = {"fromEntity": src, "toEntity": dst, "lineageDetails": details}
    return {}


def lineage_of(kind: str, fqn: str, up: int, down: int) -> dict[str, Any]:
    root = ref(kind, fqn)
    nodes, upstream, downstream = {}, [], []
    for direction, depth, out in (("up", up, upstream), ("down", down, downstream)):
        frontier = {root["id"]}
        for _ in range(depth):
            nxt = set()
            for (a, b), e in EDGES.items():
                hit = b in frontier if direction == "up" else a in frontier
                if hit:
                    out.append({"fromEntity": a, "toEntity": b, **{k: v for k, v in e["lineageDetails"].items()
                                                                   if k in ("columnsLineage", "pipeline", "source")}})
                    other = e["fromEntity"] if direction == "up" else e["toEntity"]
                    nodes[other["id"]] = other
                    nxt.add(other["id"])
            frontier = nxt
    return {"entity": root, "nodes": list(nodes.values()), "upstreamEdges": upstream, "downstreamEdges": downstream}


class Handler(BaseHTTPRequestHandler):
    token = ""

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, method: str) -> None:
        url = urlparse(self.path)
        path = url.path
        REQUESTS.append((method, path))
        try:
            if path == "/api/v1/system/version":
                return self._send(200, {"version": "2.0.7", "revision": "fake", "timestamp": 0})
            if path == "/api/v1/__state":
                return self._send(200, {"entities": {k: sorted(v) for k, v in STORE.items()},
                                        "edges": list(EDGES.values()), "requests": REQUESTS})
            if self.headers.get("Authorization") != f"Bearer {self.token}":
                raise Refused(401, "Not authorized: token missing or wrong")
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}") \
                if method in ("PUT", "POST") else None
            route = path.removeprefix("/api/v1/")
            if route == "lineage" and method == "PUT":
                return self._send(200, add_lineage(body))
            m = re.match(r"^lineage/([A-Za-z]+)/name/(.+)$", route)
            if m and method == "GET":
                q = parse_qs(url.query)
                return self._send(200, lineage_of(m.group(1), unquote(m.group(2)), int(q.get("upstreamDepth", ["1"])[0]),
                                                  int(q.get("downstreamDepth", ["1"])[0])))
            if route in ROUTE_KINDS and method in ("PUT", "POST"):
                return self._send(200 if method == "PUT" else 201, create(ROUTE_KINDS[route], body))
            m = re.match(r"^(.+)/name/(.+)$", route)
            if m and m.group(1) in ROUTE_KINDS and method == "GET":
                found = STORE[ROUTE_KINDS[m.group(1)]].get(unquote(m.group(2)))
                if found is None:
                    raise Refused(404, f"{ROUTE_KINDS[m.group(1)]} instance for {unquote(m.group(2))} not found")
                return self._send(200, found)
            raise Refused(404, f"no endpoint {method} {path}")
        except Refused as exc:
            self._send(exc.status, {"code": exc.status, "message": str(exc)})

    def do_GET(self) -> None:  # noqa: N802
        self._handle("GET")

    def do_PUT(self) -> None:  # noqa: N802
        self._handle("PUT")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")


def seed() -> None:
    """What a new OpenMetadata server already has: the Tier and PII classifications."""
    for name, tags in (("Tier", [f"Tier{i}" for i in range(1, 6)]), ("PII", ["Sensitive", "NonSensitive", "None"])):
        create("classification", {"name": name, "description": f"{name} (system)"})
        for tag in tags:
            create("tag", {"classification": name, "name": tag, "description": tag})


if __name__ == "__main__":
    port, Handler.token = int(sys.argv[1]), sys.argv[2]
    seed()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print("ready", flush=True)
    server.serve_forever()
