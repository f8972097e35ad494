"""Push catalog payloads to an OpenMetadata server with OpenMetadata's own client.

Runs in ``.venv-openmetadata``: ``python -m citylake.catalog.om_push --input FILE``, the
server and its token in the environment (``CITYLAKE_OM_HOST_PORT``,
``CITYLAKE_OM_JWT_TOKEN``, ``CITYLAKE_OM_VERIFY_SSL``). Every payload is validated into its
pydantic model and sent with ``create_or_update`` (PUT: creates or updates, so a push can
be repeated) or ``add_lineage``, in dependency order. References carry ids the main
environment derived from FQNs; each is replaced with the id the server gave the entity
(or, for an entity pushed earlier, found by its FQN). Prints one JSON line:
``{"pushed": N, "by_kind": {...}, "errors": [...]}`` (or ``{"fatal": "..."}``).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import warnings
from collections import Counter
from typing import Any

from citylake.catalog.kinds import entity_model_path, sort_key
from citylake.catalog.om_validate import first_error, request_model


def entity_class(kind: str) -> Any:
    module, cls = entity_model_path(kind)
    return getattr(importlib.import_module(module), cls)


def connect(host_port: str, token: str, verify_ssl: bool) -> Any:
    from metadata.generated.schema.entity.services.connections.metadata.openMetadataConnection import (
        AuthProvider,
        OpenMetadataConnection,
    )
    from metadata.generated.schema.security.client.openMetadataJWTClientConfig import OpenMetadataJWTClientConfig
    from metadata.ingestion.ometa.ometa_api import OpenMetadata

    config = OpenMetadataConnection(hostPort=host_port, authProvider=AuthProvider.openmetadata,
                                    securityConfig=OpenMetadataJWTClientConfig(jwtToken=token),
                                    verifySSL="validate" if verify_ssl and host_port.startswith("https") else "no-ssl")
    return OpenMetadata(config)


class Pusher:
    def __init__(self, client: Any) -> None:
        self.client = client
        self.ids: dict[str, str] = {}  # id derived in the main environment → the server's

    def _server_id(self, ref: dict[str, Any]) -> str | None:
        local = ref.get("id")
        if local in self.ids:
            return self.ids[local]
        fqn, kind = ref.get("fullyQualifiedName"), ref.get("type")
        if not fqn or kind is None:
            return None
        try:
            found = self.client.get_by_name(entity=entity_class(kind), fqn=fqn)
        except KeyError:
            return None
        if found is None:
            return None
        self.ids[local] = str(found.id.root)
        return self.ids[local]

    def rewrite(self, value: Any) -> Any:
        """The request with every entity reference pointing at the server's entity."""
        if isinstance(value, dict):
            out = {k: self.rewrite(v) for k, v in value.items()}
            if "id" in out and "type" in out:
                server = self._server_id(value)
                if server is None:
                    raise LookupError(f"{value['type']} {value.get('fullyQualifiedName')} is not on the server")
                out["id"] = server
            return out
        if isinstance(value, list):
            return [self.rewrite(v) for v in value]
        return value

    def push(self, payload: dict[str, Any]) -> None:
        request = self.rewrite(payload["request"])
        model = request_model(payload["kind"]).model_validate(request)
        if payload["kind"] == "lineage":
            result = self.client.add_lineage(model, return_lineage=False)
            if isinstance(result, dict) and result.get("error"):
                raise RuntimeError(result["error"])
            return
        entity = self.client.create_or_update(model)
        self.ids[payload["id"]] = str(entity.id.root)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--input", required=True, help="JSON file of payloads")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    with open(args.input, encoding="utf-8") as fh:
        payloads = sorted(json.load(fh), key=sort_key)
    try:
        client = connect(os.environ["CITYLAKE_OM_HOST_PORT"], os.environ["CITYLAKE_OM_JWT_TOKEN"],
                         os.environ.get("CITYLAKE_OM_VERIFY_SSL", "true") == "true")
    except Exception as exc:  # noqa: BLE001 - reported as one line to the main environment
        print(json.dumps({"fatal": first_error(exc)}))
        return 2
    pusher = Pusher(client)
    done: Counter[str] = Counter()
    errors = []
    for payload in payloads:
        try:
            pusher.push(payload)
            done[payload["kind"]] += 1
        except Exception as exc:  # noqa: BLE001 - one entity's failure is reported, the rest go on
            if getattr(exc, "status_code", None) in (401, 403):  # the token, not the payload: stop at once
                print(json.dumps({"fatal": f"the server refused the token ({exc.status_code}): {first_error(exc)}"}))
                return 2
            errors.append({"kind": payload["kind"], "fqn": payload["fqn"], "error": first_error(exc)})
    print(json.dumps({"pushed": sum(done.values()), "by_kind": dict(done), "errors": errors}, ensure_ascii=False))
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
