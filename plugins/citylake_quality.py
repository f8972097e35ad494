"""Airflow plugin: the data stewards' "Data quality" page (质检分析报告) in Airflow's navigation.

Thin on purpose: the page is ``citylake.quality.report_app``; this file only mounts it on
the API server at /dq, puts it in the Browse menu (Airflow shows it in an iframe at
/plugin/data-quality) and requires a logged-in Airflow user for every route — plugin
apps are not protected by default, and the page shows (masked) samples of failing data.
"""

from __future__ import annotations

from airflow.api_fastapi.core_api.security import requires_authenticated
from airflow.plugins_manager import AirflowPlugin
from fastapi import Depends

from citylake.quality.report_app import create_app

quality_page = create_app(dependencies=[Depends(requires_authenticated())])


class CitylakeQualityPlugin(AirflowPlugin):
    name = "citylake_quality"
    fastapi_apps = [{"app": quality_page, "url_prefix": "/dq", "name": "citylake data quality"}]
    external_views = [{"name": "Data quality", "href": "dq/", "destination": "nav", "url_route": "data-quality",
                       "category": "browse"}]
