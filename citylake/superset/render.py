"""The dashboards' charts drawn without Superset: a PNG per chart, a self-contained HTML page per dashboard.

For a report, a ticket or a reviewer who wants to look rather than log in. Each chart is read
from the same YAML Superset imports and runs the same query (``bundle.chart_query`` /
``bundle.to_sql``: the dataset's metric expressions, the chart's groupings and filters)
through the same SQLAlchemy URI Superset uses, then Vega-Lite (Altair) draws it. vl-convert
bundles Vega, so PNGs and HTML (scripts inlined) come out with no browser and no CDN.

Runs in the Superset environment, which has the drivers of both SQL endpoints (DuckDB,
PyHive); ``citylake charts render`` in the main environment calls it as
``python -m citylake.superset.render``, which prints one JSON object per chart.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from citylake.superset.bundle import Assets, ChartQuery, chart_query, load_assets, to_sql

WIDTH, HEIGHT = 640, 320


def _labels(dataset: dict[str, Any]) -> dict[str, str]:
    names = {c["column_name"]: c.get("verbose_name") or c["column_name"] for c in dataset.get("columns") or []}
    names.update({m["metric_name"]: m.get("verbose_name") or m["metric_name"] for m in dataset.get("metrics") or []})
    return names


def figure(chart: dict[str, Any], dataset: dict[str, Any], q: ChartQuery, df: Any) -> Any:
    """The Vega-Lite chart of one Superset chart, from its params and its query's rows."""
    import altair as alt

    params, label = chart.get("params") or {}, _labels(dataset)
    viz, metric = chart["viz_type"], q.metrics[0]
    title = alt.TitleParams(chart["slice_name"], subtitle=chart.get("description") or "", anchor="start")
    value = alt.Y(f"{metric}:Q", title=label[metric])
    tooltip = [alt.Tooltip(c, title=label[c]) for c in [*q.columns, *q.metrics]]
    base = alt.Chart(df, title=title)
    if viz == "big_number_total":
        number = float(df[metric].iloc[0]) if len(df) else 0.0
        text = f"{number:,.0f}" if number.is_integer() else f"{number:,.2f}"
        return base.mark_text(fontSize=64, fontWeight="bold").encode(
            text=alt.value(text)).properties(width=WIDTH // 2, height=HEIGHT // 2, title=alt.TitleParams(
                chart["slice_name"], subtitle=params.get("subheader") or "", anchor="start"))
    if viz == "pie":
        group = q.columns[0]
        return base.mark_arc(innerRadius=70 if params.get("donut") else 0).encode(
            theta=alt.Theta(f"{metric}:Q"), color=alt.Color(f"{group}:N", title=label[group]),
            tooltip=tooltip).properties(width=HEIGHT, height=HEIGHT)
    if viz == "deck_scatter":
        lon, lat = q.not_null
        color = params.get("color_picker") or {}
        fill = f"rgb({color.get('r', 31)},{color.get('g', 168)},{color.get('b', 201)})"
        # No map tiles offline: a 0.1° graticule over the points' extent gives them a scale
        # (and the projection fits to it).
        lo = (float(df[lon].min()) - 0.05, float(df[lat].min()) - 0.05) if len(df) else (0.0, 0.0)
        hi = (float(df[lon].max()) + 0.05, float(df[lat].max()) + 0.05) if len(df) else (1.0, 1.0)
        grid = alt.Chart(alt.graticule(extent=[list(lo), list(hi)], step=[0.1, 0.1])).mark_geoshape(
            stroke="#dddddd", strokeWidth=0.5, filled=False)
        points = alt.Chart(df).mark_circle(opacity=float(color.get("a", 0.8)), color=fill, stroke="#333",
                                           strokeWidth=0.5).encode(
            longitude=f"{lon}:Q", latitude=f"{lat}:Q",
            size=alt.Size(f"{metric}:Q", title=label[metric], scale=alt.Scale(range=[30, 900])), tooltip=tooltip)
        return alt.layer(grid, points, title=title).project("mercator").properties(width=WIDTH, height=int(HEIGHT * 1.4))
    # echarts_timeseries_bar: the x axis a category (numbers kept in numeric order), one
    # stacked bar segment per group.
    x, groups = q.columns[0], q.columns[1:]
    numeric_x = df[x].dtype.kind in "iuf"
    if params.get("x_axis_sort") == metric:
        order: Any = alt.EncodingSortField(metric, op="sum", order="ascending" if params.get("x_axis_sort_asc") else "descending")
    else:
        order = "ascending" if params.get("x_axis_sort_asc", True) else "descending"
    field, axis_title = f"{x}:{'O' if numeric_x else 'N'}", params.get("x_axis_title") or label[x]
    encoding: dict[str, Any] = {"tooltip": tooltip}
    if groups:
        encoding["color"] = alt.Color(f"{groups[0]}:N", title=label[groups[0]])
    if params.get("orientation") == "horizontal":
        encoding |= {"y": alt.Y(field, title=axis_title, sort=order), "x": alt.X(f"{metric}:Q", title=label[metric])}
    else:
        encoding |= {"x": alt.X(field, title=axis_title, sort=order), "y": value}
    return base.mark_bar().encode(**encoding).properties(width=WIDTH, height=HEIGHT)


def render(folder: Path, uri: str, engine_params: dict[str, Any] | None, out: Path,
           only: list[str] | None = None) -> list[dict[str, Any]]:
    """Draw every chart (or the charts of the dashboards whose slug or file name is in
    ``only``) into ``out``; returns one record per chart: files, rows, dashboard."""
    import altair as alt
    import pandas as pd
    import sqlalchemy as sa

    assets: Assets = load_assets(folder)
    engine = sa.create_engine(uri, **(engine_params or {}))
    out.mkdir(parents=True, exist_ok=True)
    records = []
    try:
        for duuid, dashboard in assets.dashboards.items():
            if only and dashboard.get("slug") not in only and assets.name(duuid) not in only:
                continue
            figures = []
            for chart in assets.charts_of(dashboard):
                dataset = assets.dataset_of(chart)
                q = chart_query(chart, dataset)
                sql = to_sql(q, dataset)
                with engine.connect() as con:
                    df = pd.read_sql_query(sa.text(sql), con)
                name = assets.name(str(chart["uuid"]))
                fig = figure(chart, dataset, q, df)
                png = out / f"{name}.png"
                fig.save(str(png), scale_factor=2)
                figures.append(fig)
                records.append({"dashboard": dashboard["dashboard_title"], "chart": chart["slice_name"], "name": name,
                                "viz_type": chart["viz_type"], "rows": len(df), "png": str(png)})
            # One page per dashboard, its charts one under the other, data and scripts inlined.
            html = out / f"{assets.name(duuid)}.html"
            alt.vconcat(*figures, title=dashboard["dashboard_title"]).resolve_scale(color="independent", size="independent").save(
                str(html), inline=True)
            for record in records:
                if record["dashboard"] == dashboard["dashboard_title"]:
                    record["html"] = str(html)
    finally:
        engine.dispose()
    return records


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render the dashboards' charts to PNG and HTML.")
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--uri", required=True)
    parser.add_argument("--engine-params", default="{}", help="JSON: SQLAlchemy create_engine keyword arguments")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--only", action="append", help="a dashboard's slug or file name (repeatable)")
    args = parser.parse_args(argv)
    for record in render(args.folder, args.uri, json.loads(args.engine_params), args.out, args.only):
        print(json.dumps(record, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":  # pragma: no cover - run by `citylake charts render`
    sys.exit(main())
