"""Entitled decryption: the one way a person sees a protected value, and always audited.

``decrypt`` checks the request against the policy — the principal may act in the role,
the role may decrypt, for this purpose, this table (its layers, a tenant's sources and
rows), these columns (encrypted, and within the role's grade) — and then decrypts the
matching rows in Spark (``column_protection.decrypt_col``). Every attempt writes one row
to ``ops.audit_log`` (``audit``): a refusal before the error is raised, a grant before
any value is returned, a failure (a tampered value) with its reason.

Rows are chosen with ``where`` (SQL on the table's non-sensitive columns and tokens) or
``match`` (``{"citizen_id": "…"}``): a matched value is standardized and tokenized in
this process and compared with the stored token, so the plaintext a steward searches for
never enters a query plan, a server log or the audit log. A ``where`` that names a
protected column is refused for the same reason.
"""

from __future__ import annotations

import getpass
import re
from dataclasses import dataclass, field

from pyspark.errors import PySparkException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from citylake.errors import CitylakeError
from citylake.layers.protection import token_column
from citylake.security.audit import AuditEvent, record
from citylake.security.column_protection import clear_error, decrypt_col
from citylake.security.crypto import Tokenizer
from citylake.security.keys import DataKeyRef, keyring
from citylake.security.policy import Policy, Role, load_policy, policy_path
from citylake.security.specs import table_spec
from citylake.security.tags import TableSpec
from citylake.security.views import row_filter
from citylake.settings import Settings
from citylake.standards.identifiers import normalize_bank_card, normalize_citizen_id, normalize_credit_code
from citylake.standards.validators import normalize_phone

ACTION = "decrypt"


class AccessDenied(CitylakeError):
    """The policy does not allow this decryption (the attempt is in ops.audit_log)."""


@dataclass
class DecryptRequest:
    role: str
    purpose: str
    table: str
    columns: list[str]
    where: str | None = None
    match: dict[str, str] = field(default_factory=dict)
    principal: str | None = None
    limit: int = 1000


@dataclass
class DecryptResult:
    columns: list[str]
    rows: list[tuple[object, ...]]
    audit_id: str


def _standardize(kind: str, value: str) -> str:
    """The stored (silver) form of a searched value, so its token equals the stored one."""
    value = value.strip()
    if kind == "citizen_id":
        return normalize_citizen_id(value) or value
    if kind == "phone":
        checked = normalize_phone(value)
        return checked.value if checked.ok else value
    if kind == "credit_code":
        return normalize_credit_code(value) or value
    if kind == "bank_card":
        return normalize_bank_card(value) or value
    return value


def refusal(role: Role, role_name: str, principal: str, request: DecryptRequest, spec: TableSpec | None) -> str | None:
    """Why the policy refuses the request, or None if it grants it."""
    if spec is None:
        return f"{request.table} is not a table citylake knows the tags of"
    if not role.admits(principal):
        return f"{principal} is not a member of role {role_name}"
    if role.decrypt is None:
        return f"role {role_name} may not decrypt"
    if request.purpose not in role.decrypt.purposes:
        return f"purpose {request.purpose!r} is not one of role {role_name}'s: {', '.join(role.decrypt.purposes)}"
    if spec.schema not in role.layers:
        return f"role {role_name} does not read {spec.schema}"
    if not row_filter(role, spec)[0]:
        return f"{spec.qualified} is outside tenant {role_name}'s sources or divisions"
    for name in request.columns:
        tag = spec.tag(name)
        if tag is None or not tag.encrypted:
            return f"{spec.qualified}.{name} is not an encrypted column"
        if tag.grade > role.decrypt.max_grade:
            return f"{spec.qualified}.{name} is grade {tag.grade}, above role {role_name}'s {role.decrypt.max_grade}"
    for name in request.match:
        tag = spec.tag(name)
        if tag is None or tag.token_domain is None or spec.tag(token_column(name)) is None:
            return f"{spec.qualified}.{name} has no token to match on"
    if request.where:
        words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", request.where))
        named = sorted(t.name for t in spec.columns if t.protection != "none" and t.name in words)
        if named:
            return f"the row filter names protected column(s) {', '.join(named)}: select rows with match= (tokenized) instead"
    if not request.columns:
        return "no column to decrypt"
    return None


def _rows(spark: SparkSession, settings: Settings, role: Role, spec: TableSpec, request: DecryptRequest,
          ring_refs: list[DataKeyRef]) -> tuple[DataFrame, str, list[str]]:
    df = spark.table(spec.qualified)
    conditions = []
    tenant_filter = row_filter(role, spec)[1]
    if tenant_filter:
        conditions.append(tenant_filter)
    if request.where:
        conditions.append(f"({request.where})")
    ring = keyring(settings)
    for name, value in request.match.items():
        tag = spec.tag(name)
        assert tag is not None and tag.token_domain is not None  # refusal() checked it
        token = Tokenizer(ring.current(f"token:{tag.token_domain}", "token").key())(_standardize(tag.kind, value))
        conditions.append(f"`{token_column(name)}` = '{token}'")
    where = " AND ".join(conditions)
    if where:
        df = df.where(where)
    keys = [token_column(k) if spec.tag(token_column(k)) else k for k in spec.keys]
    keys = [k for k in keys if k in df.columns and k not in request.columns]
    selected = df.select(*[F.col(f"`{k}`") for k in keys],
                         *[decrypt_col(F.col(f"`{c}`"), ring_refs).alias(c) for c in request.columns])
    return selected.limit(request.limit), where, keys


def decrypt(spark: SparkSession, settings: Settings, request: DecryptRequest, policy: Policy | None = None,
            specs: list[TableSpec] | None = None) -> DecryptResult:
    """Decrypt the requested columns of the matching rows, if the policy allows; audited either way."""
    policy = policy or load_policy(policy_path(settings.metadata_dir))
    principal = request.principal or getpass.getuser()
    event = AuditEvent(principal, request.role, ACTION, request.table, list(request.columns), request.purpose)
    role = policy.roles.get(request.role)
    if specs is not None:
        spec = next((s for s in specs if s.qualified == request.table), None)
    else:
        spec = table_spec(spark, settings, request.table)
    reason = f"no role {request.role!r} in the policy" if role is None else refusal(
        role, request.role, principal, request, spec)
    if reason is not None:
        event.reason = reason
        record(spark, event)
        raise AccessDenied(f"decryption refused: {reason} (recorded in ops.audit_log as {event.event_id})")
    assert role is not None and spec is not None
    event.granted = True
    try:  # a --where Spark rejects fails at analysis (building the frame), a tampered value at collect
        df, where, keys = _rows(spark, settings, role, spec, request, keyring(settings).refs("encrypt"))
        event.row_filter = where or None
        rows = [tuple(r) for r in df.collect()]
    except PySparkException as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        clear = clear_error(exc) or CitylakeError(f"decryption failed: {first}")
        event.reason = f"failed: {clear}"
        record(spark, event)
        raise clear from None
    event.rows = len(rows)
    event.row_keys = ["|".join(str(v) for v in r[:len(keys)]) for r in rows] if keys else []
    audit_id = record(spark, event)  # written before any value is handed back
    return DecryptResult(keys + list(request.columns), rows, audit_id)
