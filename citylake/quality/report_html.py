"""The HTML of the stewards' quality page (Jinja2, autoescaped, self-contained: no CDN)."""

from __future__ import annotations

from typing import Any

from jinja2 import DictLoader, Environment, select_autoescape

_BASE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }} · citylake</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
 body{font:14px/1.45 system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0;color:#1d2733;background:#f6f8fa}
 header{background:#0d3b66;color:#fff;padding:14px 24px} header h1{margin:0;font-size:20px} header .sub{opacity:.8;font-size:13px}
 main{padding:16px 24px;max-width:1400px} section{background:#fff;border:1px solid #dde3ea;border-radius:6px;padding:12px 16px;margin:0 0 16px}
 h2{font-size:16px;margin:0 0 10px} table{border-collapse:collapse;width:100%} th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #edf0f3;vertical-align:top}
 th{font-weight:600;color:#4a5a6a;background:#fafbfc} td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
 .score{font-weight:700;border-radius:4px;padding:1px 6px;display:inline-block;min-width:46px;text-align:center}
 .good{background:#d9f2e3;color:#14532d}.fair{background:#fff1c2;color:#7a4d00}.poor{background:#fde0e0;color:#8a1c1c}.none{background:#eceff3;color:#555}
 .sev-critical{color:#b42318;font-weight:700}.sev-warning{color:#b54708}.sev-info{color:#4a5a6a}
 .ok{color:#14804a}.fail{color:#b42318;font-weight:600} code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
 .kpis{display:flex;gap:12px;flex-wrap:wrap}.kpi{background:#fff;border:1px solid #dde3ea;border-radius:6px;padding:10px 14px;min-width:140px}
 .kpi .v{font-size:24px;font-weight:700}.kpi .l{color:#5b6b7b;font-size:12px} .grid2{display:grid;grid-template-columns:1fr 1fr;gap:16px}
 svg.chart text{font-size:11px;fill:#4a5a6a} svg.chart .title{font-size:12px;font-weight:600;fill:#1d2733} svg.chart .grid{stroke:#edf0f3}
 svg.chart .bar{fill:#d62728;opacity:.75} a{color:#0b5cad} .muted{color:#6b7785} .sample{max-width:420px;overflow-wrap:anywhere}
 @media (max-width:1000px){.grid2{grid-template-columns:1fr}}
</style></head><body>
<header><h1>{{ title }}</h1><div class="sub">{% block sub %}{% endblock %}</div></header>
<main>{% block main %}{% endblock %}</main></body></html>"""

_MACROS = """{% macro score(v) -%}
{%- if v is none %}<span class="score none">–</span>{% else -%}
<span class="score {{ 'good' if v >= 99 else ('fair' if v >= 95 else 'poor') }}">{{ '%.2f'|format(v) }}</span>{%- endif %}
{%- endmacro %}
{% macro dag_link(dag_id, run_id) -%}
{%- if dag_id and run_id %}<a target="_top" href="/dags/{{ dag_id|urlencode }}/runs/{{ run_id|urlencode }}">DAG run</a>
{%- elif dag_id %}<a target="_top" href="/dags/{{ dag_id|urlencode }}">DAG</a>{% else %}<span class="muted">CLI run</span>{% endif %}
{%- endmacro %}"""

_INDEX = """{% extends "base" %}{% import "macros" as m %}
{% block sub %}质检分析报告 · latest run of every table · {{ tables|length }} tables · <a style="color:#fff" href="{{ root }}/docs/index.html" target="_blank">Great Expectations Data Docs</a>{% endblock %}
{% block main %}
{% if not tables %}<section><h2>No quality results yet</h2><p>Run the source DAGs (their <code>quality</code> tasks) or
<code>citylake quality run --day YYYY-MM-DD</code>; results appear here.</p></section>{% else %}
<div class="kpis" style="margin-bottom:16px">
 <div class="kpi"><div class="v">{{ m.score(card.overall) }}</div><div class="l">city overall</div></div>
 {% for dim, v in card.dimensions.items() %}<div class="kpi"><div class="v">{{ m.score(v) }}</div><div class="l">{{ dim }}</div></div>{% endfor %}
 <div class="kpi"><div class="v">{{ critical_tables }}</div><div class="l">tables failing a critical rule</div></div>
</div>
<div class="grid2">
<section><h2>Trend by department</h2>{{ trend_department|safe }}</section>
<section><h2>Trend by layer</h2>{{ trend_layer|safe }}</section>
</div>
<section><h2>Scorecard by department</h2><table><tr><th>department</th><th class="num">score</th><th class="num">tables</th></tr>
{% for d, v in card.departments.items() %}<tr><td>{{ d }}</td><td class="num">{{ m.score(v) }}</td><td class="num">{{ dept_counts.get(d, 0) }}</td></tr>{% endfor %}
</table></section>
<section><h2>Tables</h2><table><tr><th>table</th><th>layer</th><th>department</th><th>day</th><th class="num">score</th>
{% for dim in dimensions %}<th class="num">{{ dim }}</th>{% endfor %}<th class="num">failed</th><th class="num">critical</th><th>links</th></tr>
{% for t in tables %}<tr><td><a href="{{ root }}/table/{{ t.table_name }}">{{ t.table_name }}</a></td><td>{{ t.layer }}</td>
<td class="muted">{{ t.department or '' }}</td><td>{{ t.day or '' }}</td><td class="num">{{ m.score(t.score) }}</td>
{% for dim in dimensions %}<td class="num">{{ m.score(t.dimensions.get(dim)) if dim in t.dimensions else '' }}</td>{% endfor %}
<td class="num">{{ t.failed }}</td><td class="num {{ 'fail' if t.failed_critical else '' }}">{{ t.failed_critical }}</td>
<td>{{ m.dag_link(t.dag_id, t.dag_run_id) }}{% if t.data_docs_page %} · <a target="_blank" href="{{ root }}/docs/{{ t.data_docs_page }}">Data Docs</a>{% endif %}</td></tr>{% endfor %}
</table></section>
<section><h2>Failing rules (latest runs)</h2><table><tr><th>table</th><th>rule</th><th>severity</th><th>dimension</th><th class="num">failed / checked</th><th>masked sample of failing values</th></tr>
{% for t in tables %}{% for r in t.failing %}<tr><td><a href="{{ root }}/table/{{ t.table_name }}">{{ t.table_name }}</a></td><td><code>{{ r.rule }}</code></td>
<td class="sev-{{ r.severity }}">{{ r.severity }}</td><td>{{ r.dimension }}</td>
<td class="num">{{ r.unexpected_count if r.unexpected_count is not none else (r.observed_value or '') }}{% if r.element_count %} / {{ r.element_count }}{% endif %}</td>
<td class="sample mono">{{ (r.unexpected_sample or [])[:5]|join(' · ') }}</td></tr>{% endfor %}{% endfor %}
</table></section>
{% endif %}
<div class="grid2">
<section><h2>Quarantined rows by reason</h2>{{ quarantine_chart|safe }}
<table><tr><th>table</th><th>rule</th><th class="num">rows</th></tr>
{% for table, reasons in quarantine.items() %}{% for rule, n in reasons.items() %}<tr><td>{{ table }}</td><td><code>{{ rule }}</code></td><td class="num">{{ n }}</td></tr>{% endfor %}{% endfor %}
</table></section>
<section><h2>Run metrics (统一运维)</h2><table><tr><th>stage</th><th>entity</th><th>day</th><th class="num">rows</th><th class="num">seconds</th><th>status</th><th>finished</th></tr>
{% for r in metrics %}<tr><td>{{ r.stage }}</td><td>{{ r.source }}.{{ r.entity }}</td><td>{{ r.day or '' }}</td><td class="num">{{ r.rows if r.rows is not none else '' }}</td>
<td class="num">{{ '%.1f'|format(r.seconds) if r.seconds is not none else '' }}</td><td class="{{ 'ok' if r.status == 'success' else 'fail' }}">{{ r.status }}</td>
<td class="muted">{{ r.finished_at.strftime('%Y-%m-%d %H:%M') if r.finished_at else '' }}</td></tr>
{% else %}<tr><td colspan="7" class="muted">no run metrics recorded yet</td></tr>{% endfor %}
</table></section></div>
{% endblock %}"""

_TABLE = """{% extends "base" %}{% import "macros" as m %}
{% block sub %}<a style="color:#fff" href="{{ root }}/">← all tables</a> · run <code>{{ t.run_id }}</code>
{% if data_docs_page %} · <a style="color:#fff" target="_blank" href="{{ root }}/docs/{{ data_docs_page }}">Data Docs</a>{% endif %}
 · {{ m.dag_link(dag_id, dag_run_id) }}{% endblock %}
{% block main %}
<section><h2>Score over runs</h2>{{ history_chart|safe }}
<p class="muted">Runs: {% for day, score, run in t.history[-12:] %}<a href="{{ root }}/table/{{ t.table_name }}?run={{ run|urlencode }}">{{ day }}</a> ({{ '%.2f'|format(score) if score is not none else '–' }}){{ ', ' if not loop.last }}{% endfor %}</p></section>
<section><h2>Rules</h2><table><tr><th>rule</th><th>expectation</th><th>severity</th><th>dimension</th><th>result</th><th class="num">failed / checked</th><th>masked sample of failing values</th></tr>
{% for r in t.results %}<tr><td><code>{{ r.rule }}</code>{% if r.rule in t.failed_rows %} · <a href="#rows-{{ loop.index }}">rows</a>{% endif %}</td><td class="mono">{{ r.expectation }}</td>
<td class="sev-{{ r.severity }}">{{ r.severity }}{% if not r.gating %} <span class="muted">(reported)</span>{% endif %}</td><td>{{ r.dimension }}</td>
<td class="{{ 'ok' if r.success else 'fail' }}">{{ 'passed' if r.success else 'failed' }}</td>
<td class="num">{{ r.unexpected_count if r.unexpected_count is not none else (r.observed_value or '') }}{% if r.element_count %} / {{ r.element_count }}{% endif %}</td>
<td class="sample mono">{{ (r.unexpected_sample or [])|join(' · ') }}</td></tr>{% endfor %}
</table></section>
{% for r in t.results %}{% if r.rule in t.failed_rows %}
<section id="rows-{{ loop.index }}"><h2>Failing rows of <code>{{ r.rule }}</code> <span class="muted">(first {{ t.failed_rows[r.rule]|length }}; values masked)</span></h2>
<table><tr><th>delivered file</th><th class="num">line</th><th>batch</th><th>masked value</th></tr>
{% for row in t.failed_rows[r.rule] %}<tr><td class="mono">{{ row.source_file or '' }}</td><td class="num">{{ row.line if row.line is not none else '' }}</td>
<td class="mono muted">{{ row.batch_id or '' }}</td><td class="mono">{{ row.masked_value or '' }}</td></tr>{% endfor %}</table></section>
{% endif %}{% endfor %}
{% endblock %}"""

_env = Environment(loader=DictLoader({"base": _BASE, "macros": _MACROS, "index": _INDEX, "table": _TABLE}),
                   autoescape=select_autoescape(default=True, default_for_string=True))


def render(template: str, **values: Any) -> str:
    return _env.get_template(template).render(**values)
