"""Validate catalog payloads against OpenMetadata's own pydantic models.

Runs in ``.venv-openmetadata``: ``python -m citylake.catalog.om_validate --input FILE``
(a JSON list of payloads, as ``Payload.wire()`` writes them) prints one JSON line:
``{"checked": N, "by_kind": {...}, "errors": [{"kind", "fqn", "error"}]}``. A payload is
valid when ``Model.model_validate(request)`` accepts it — the same models the client
serializes before every request.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import warnings
from collections import Counter
from functools import lru_cache
from typing import Any

from citylake.catalog.kinds import request_model_path


@lru_cache(maxsize=None)
def request_model(kind: str) -> Any:
    module, cls = request_model_path(kind)
    return getattr(importlib.import_module(module), cls)


def check(payload: dict[str, Any]) -> Any:
    """The request as OpenMetadata's model; raises pydantic's ValidationError."""
    return request_model(payload["kind"]).model_validate(payload["request"])


def first_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        err = errors()[0]
        where = ".".join(str(p) for p in err.get("loc", ()))
        return f"{where}: {err.get('msg')}" + (f" (and {len(errors()) - 1} more)" if len(errors()) > 1 else "")
    return str(exc).splitlines()[0]


def validate(payloads: list[dict[str, Any]]) -> dict[str, Any]:
    by_kind: Counter[str] = Counter()
    errors = []
    for payload in payloads:
        by_kind[payload["kind"]] += 1
        try:
            check(payload)
        except Exception as exc:  # noqa: BLE001 - every failure is reported, none stops the others
            errors.append({"kind": payload["kind"], "fqn": payload["fqn"], "error": first_error(exc)})
    return {"checked": len(payloads), "by_kind": dict(by_kind), "errors": errors}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--input", help="JSON file of payloads (default: stdin)")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    with (open(args.input, encoding="utf-8") if args.input else sys.stdin) as fh:
        payloads = json.load(fh)
    result = validate(payloads)
    print(json.dumps(result, ensure_ascii=False))
    return 0 if not result["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
