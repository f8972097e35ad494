"""Roles and what each may see: ``metadata/security/policy.yml``, validated here.

A role has a kind — ``analyst``, ``steward``, ``tenant`` (a department, optionally
narrowed to administrative divisions) or ``auditor`` — the layers it reads, the highest
grade it sees in the clear (columns above it are masked), and optionally the right to
decrypt for named purposes up to a grade. Each role gets one schema of views,
``secure_<role>`` (``views``). The policy is data, like contracts: a wrong file fails to
load with the field named.

Separation of duties is built in: an auditor, who reviews decryptions, cannot decrypt.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from citylake.errors import CitylakeError

RoleKind = Literal["analyst", "steward", "tenant", "auditor"]
Layer = Literal["silver", "gold", "published", "ops"]
ANY_MEMBER = "*"
_ROLE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")


class PolicyError(CitylakeError):
    """The policy file is missing or invalid; the message names the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DecryptGrant(_Strict):
    """Decryption for the stated purposes only, of columns up to ``max_grade``."""

    purposes: list[str] = Field(min_length=1, description="Purposes (用途) a request must name, e.g. quality_review.")
    max_grade: int = Field(4, ge=1, le=4)


class TenantScope(_Strict):
    """The rows of a department tenant: its sources' tables, and within them its divisions."""

    sources: list[str] = Field(min_length=1, description="Contract sources (departments) whose tables the tenant sees.")
    divisions: list[str] = Field(default_factory=list, description="GB/T 2260 code prefixes (2-12 digits); empty: every division.")

    @field_validator("divisions")
    @classmethod
    def _codes(cls, v: list[str]) -> list[str]:
        for code in v:
            if not re.fullmatch(r"[0-9]{2,12}", code):
                raise ValueError(f"division {code!r} must be a GB/T 2260 code prefix of 2-12 digits")
        return v


class Role(_Strict):
    kind: RoleKind
    description: str = Field(min_length=1)
    members: list[str] = Field(default_factory=lambda: [ANY_MEMBER],
                               description='Principals (login names) who may act in this role; "*": anyone.')
    layers: list[Layer] = Field(min_length=1, description="Schemas whose tables get a view in secure_<role>.")
    clear_max_grade: int = Field(1, ge=0, le=4, description="Columns up to this grade are shown as stored; above it, masked.")
    show_tokens: bool = Field(True, description="Token columns (pseudonymous join keys) are shown.")
    decrypt: DecryptGrant | None = None
    tenant: TenantScope | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Role:
        if self.kind == "tenant" and self.tenant is None:
            raise ValueError("a tenant role needs a `tenant:` section with its sources")
        if self.kind != "tenant" and self.tenant is not None:
            raise ValueError(f"only tenant roles take a `tenant:` section, not a {self.kind}")
        if self.kind == "auditor" and self.decrypt is not None:
            raise ValueError("an auditor reviews decryptions and cannot decrypt (separation of duties)")
        return self

    def admits(self, principal: str) -> bool:
        return ANY_MEMBER in self.members or principal in self.members


class Policy(_Strict):
    version: Literal[1] = 1
    roles: dict[str, Role]

    @field_validator("roles")
    @classmethod
    def _names(cls, v: dict[str, Role]) -> dict[str, Role]:
        for name in v:
            if not _ROLE_NAME.match(name):
                raise ValueError(f"role name {name!r} must be snake_case (it names the schema secure_{name})")
        return v

    def role(self, name: str) -> Role:
        try:
            return self.roles[name]
        except KeyError:
            raise PolicyError(f"no role {name!r} in the policy; roles: {', '.join(sorted(self.roles))}") from None


def view_schema(role: str) -> str:
    """The schema of a role's views."""
    return f"secure_{role}"


def policy_path(metadata_dir: Path) -> Path:
    return metadata_dir / "security" / "policy.yml"


def load_policy(path: Path) -> Policy:
    return _load(Path(path).resolve(), Path(path).stat().st_mtime_ns if Path(path).exists() else 0)


@lru_cache(maxsize=8)
def _load(path: Path, _mtime: int) -> Policy:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PolicyError(f"no access policy at {path}: restore metadata/security/policy.yml") from None
    except yaml.YAMLError as exc:
        raise PolicyError(f"{path}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(top)"
        raise PolicyError(f"{path}: {where}: {err['msg']}") from None
