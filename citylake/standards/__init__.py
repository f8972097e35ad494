"""The data standards: code tables, data elements, validators and their Spark forms.

Standards are data (CSV/YAML under ``metadata/standards``) read by one loader, so silver
rules, quality suites and the catalog's glossary all see the same codes.
"""

from __future__ import annotations

from pathlib import Path

from citylake.settings import SOURCE_ROOT


def standards_dir() -> Path:
    """The folder that holds ``standards.yml``, ``code_tables/`` and ``data_elements.yml``.

    The one place that knows where the standards live, so the location can become a
    setting later without touching the loaders.
    """
    return SOURCE_ROOT / "metadata" / "standards"
