"""The demo's security step: after the pipeline, every role's views, and where to look.

``make demo`` ends with the lake as a user would meet it: the views each role reads
(``secure_<role>``), the key store and its permissions, and the commands that scan,
decrypt (audited) and rotate keys. Kept here so the demo in ``citylake.cli`` stays one call.
"""

from __future__ import annotations

from collections import Counter

from pyspark.sql import SparkSession

from citylake.console import console
from citylake.security.keys import keystore_dir
from citylake.security.policy import view_schema
from citylake.security.views import ViewPlan, refresh_views
from citylake.settings import Settings

_EXAMPLE = "public_security__persons"


def _example(plans: list[ViewPlan]) -> str | None:
    """A view worth opening first: the analyst's, else the steward's, of the household register."""
    for role in ("analyst", "steward"):
        for plan in plans:
            if plan.role == role and plan.table.endswith(_EXAMPLE):
                return plan.view
    return plans[0].view if plans else None


def demo_views(spark: SparkSession, settings: Settings) -> str:
    """Build every role's views, print how many per role, and return the demo's
    "where to look" lines for security."""
    plans = refresh_views(spark, settings)
    per_role = Counter(p.role for p in plans)
    console.print("role views (masked columns, tenant rows): "
                  + (", ".join(f"{view_schema(r)} {n}" for r, n in sorted(per_role.items())) or "none"),
                  highlight=False)
    example = _example(plans)
    lines = []
    if example:
        lines.append(f"  views      .venv/bin/citylake sql \"SELECT * FROM {example} LIMIT 5\"   "
                     "(roles: .venv/bin/citylake security policy)")
    lines += [
        "  security   .venv/bin/citylake security scan   (classification and grade per column, "
        "disagreements with the contracts); .venv/bin/citylake security leaks",
        "  decrypt    .venv/bin/citylake security decrypt --role steward --purpose quality_review "
        f"--table silver.{_EXAMPLE} --column name --match citizen_id=…   (audited: ops.audit_log)",
        f"  keys       {keystore_dir(settings)} (owner-only); .venv/bin/citylake keys list | keys rotate",
    ]
    return "\n".join(lines)
