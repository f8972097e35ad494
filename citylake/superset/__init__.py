"""Dashboards as code: Superset run on the lake, and the same charts rendered without it.

The dashboards, charts, datasets and the lake's database connection are YAML files in
``dashboards/`` of the checkout, laid out as Superset's import bundle. ``bundle`` reads them
(one definition for everything below), fills in what depends on the installation (the
lake's SQLAlchemy URI, each chart's saved query) and zips them for Superset's import API.
``lake_db`` gives Superset something to query where no SQL endpoint runs: a DuckDB file of
views over the lake's Delta tables. ``server`` sets up, starts, imports into and stops a
local Superset; ``render`` draws the same charts to PNG and HTML.

Superset pins SQLAlchemy < 2 and older pandas, so it lives in its own environment
(``.venv-superset``): ``bundle`` and ``render`` import nothing that environment lacks, and the
main environment runs ``render`` there as a subprocess.
"""
