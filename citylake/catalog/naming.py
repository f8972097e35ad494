"""Names, fully qualified names and ids of catalog entities: one definition each.

The lake is one OpenMetadata database service (``citylake``) with one database, Spark's
session catalog (``spark_catalog``), whose schemas are the lake's schemas; a table's FQN is
``citylake.spark_catalog.<schema>.<table>``. Landing files are containers of a storage
service (``citylake_landing.<source>.<entity>``) and the Airflow DAGs are pipelines of
``citylake_airflow``, named as OpenMetadata's own Airflow connector names them.

Ids are UUIDv5 of kind and FQN: a payload built twice is identical, so the embedded
catalog and its digests are stable, and a push maps each id to the server's own.
"""

from __future__ import annotations

import uuid

SERVICE = "citylake"
DATABASE = "spark_catalog"
LANDING_SERVICE = "citylake_landing"
PIPELINE_SERVICE = "citylake_airflow"
GLOSSARY = "DataStandards"
CODE_GLOSSARY = "CodeTables"
GRADE = "DataGrade"
CATEGORY = "DataClassification"
PLATFORM_TEAM = "data-platform"
PLATFORM_DOMAIN = "platform"
LANDING = "landing"

_NAMESPACE = uuid.UUID("6b0c3c57-8d5e-4f0e-9a39-3c1f1c0ad7e1")


def quote(name: str) -> str:
    """One FQN part, quoted as OpenMetadata does when it holds a dot."""
    if '"' in name:
        raise ValueError(f"a catalog name cannot hold a double quote: {name!r}")
    return f'"{name}"' if "." in name else name


def join(*parts: str) -> str:
    return ".".join(quote(p) for p in parts)


def split(fqn: str) -> list[str]:
    """The parts of an FQN, honouring quotes."""
    parts, current, quoted = [], "", False
    for ch in fqn:
        if ch == '"':
            quoted = not quoted
        elif ch == "." and not quoted:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return parts


def database_fqn() -> str:
    return join(SERVICE, DATABASE)


def schema_fqn(schema: str) -> str:
    return join(SERVICE, DATABASE, schema)


def table_fqn(schema: str, table: str) -> str:
    return join(SERVICE, DATABASE, schema, table)


def container_fqn(source: str, entity: str | None = None) -> str:
    return join(LANDING_SERVICE, source, entity) if entity else join(LANDING_SERVICE, source)


def pipeline_fqn(dag_id: str) -> str:
    return join(PIPELINE_SERVICE, dag_id)


def column_fqn(entity_fqn: str, column: str) -> str:
    return f"{entity_fqn}.{quote(column)}"


def tag_fqn(classification: str, tag: str) -> str:
    return join(classification, tag)


def term_fqn(glossary: str, term: str) -> str:
    return join(glossary, term)


def entity_id(kind: str, fqn: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{fqn}"))


def short_name(kind: str, fqn: str) -> str:
    """What people type: ``silver.public_security__persons``, ``landing.tax.filings``."""
    parts = split(fqn)
    if kind == "table" and len(parts) == 4:
        return ".".join(parts[2:])
    if kind == "container" and parts[0] == LANDING_SERVICE:
        return ".".join([LANDING, *parts[1:]])
    return fqn


def term_name(element_id: str) -> str:
    """The glossary term of a data element: its id without ``DE.`` (a dot would need quoting)."""
    return element_id.removeprefix("DE.")
