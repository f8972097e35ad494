"""Drawing a lineage graph to a file: SVG, or one self-contained HTML page (inline SVG
and script, nothing fetched) where clicking an asset highlights its paths.

Layout is the classic layered one: an asset's column is its longest distance from a
source, so data flows left to right (landing → bronze → silver → gold); a column-level
graph draws each table once, with the traced columns as rows.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from citylake.catalog.graph import Graph, Key, label

BOX_W, ROW_H, HEAD_H, GAP_X, GAP_Y, PAD = 300, 20, 26, 90, 24, 20
COLOURS = {"landing": "#eceff1", "bronze": "#f3d9c2", "silver": "#e3e7ea", "quarantine": "#f8d7da",
           "gold": "#f6e7b0", "published": "#d4edda", "ops": "#dbe9f6", "standards": "#e6def5"}


def _layers(graph: Graph) -> dict[str, int]:
    """Longest-path layer of each asset (cycles, which lineage should not have, are cut)."""
    assets = {k[0] for k in graph.nodes}
    preds: dict[str, set[str]] = {a: set() for a in assets}
    for a, b in graph.edges:
        if a[0] != b[0]:
            preds[b[0]].add(a[0])
    layer = {a: 0 for a in assets}
    for _ in range(len(assets)):
        changed = False
        for a in assets:
            best = max((layer[p] + 1 for p in preds[a]), default=0)
            if best != layer[a] and best < len(assets):
                layer[a], changed = best, True
        if not changed:
            break
    return layer


def layout(graph: Graph) -> tuple[dict[str, tuple[float, float, float]], dict[Key, tuple[float, float]], float, float]:
    """Box (x, y, height) of each asset and the anchor (y) of each node's row."""
    layer = _layers(graph)
    rows: dict[str, list[Key]] = {}
    for key in sorted(graph.nodes, key=lambda k: (k[0], k[1] or "")):
        rows.setdefault(key[0], []).append(key)
    boxes: dict[str, tuple[float, float, float]] = {}
    anchors: dict[Key, tuple[float, float]] = {}
    heights = [0.0] * (max(layer.values(), default=0) + 1)
    for asset in sorted(rows, key=lambda a: (layer[a], graph.nodes[rows[a][0]].short)):
        col = layer[asset]
        n_rows = len([k for k in rows[asset] if k[1] is not None])
        h = HEAD_H + n_rows * ROW_H + (6 if n_rows else 0)
        x, y = PAD + col * (BOX_W + GAP_X), PAD + heights[col]
        boxes[asset] = (x, y, h)
        heights[col] += h + GAP_Y
        for i, key in enumerate(k for k in rows[asset] if k[1] is not None):
            anchors[key] = (x, y + HEAD_H + i * ROW_H + ROW_H / 2)
        for key in rows[asset]:
            if key[1] is None:
                anchors[key] = (x, y + HEAD_H / 2)
    width = PAD * 2 + len(heights) * BOX_W + (len(heights) - 1) * GAP_X
    return boxes, anchors, width, PAD + max(heights, default=0)


def svg(graph: Graph, title: str) -> str:
    boxes, anchors, width, height = layout(graph)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height + 30:.0f}" '
           f'viewBox="0 0 {width:.0f} {height + 30:.0f}" font-family="sans-serif" font-size="12">',
           f"<title>{html.escape(title)}</title>",
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
           'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#546e7a"/></marker></defs>']
    for i, (a, b) in enumerate(sorted(graph.edges)):
        (x1, y1), (x2, y2) = anchors[a], anchors[b]
        x1 += BOX_W
        mid = (x1 + x2) / 2
        out.append(f'<path class="edge" data-from="{html.escape(a[0])}" data-to="{html.escape(b[0])}" '
                   f'd="M{x1:.1f},{y1:.1f} C{mid:.1f},{y1:.1f} {mid:.1f},{y2:.1f} {x2 - 2:.1f},{y2:.1f}" fill="none" '
                   f'stroke="#546e7a" stroke-width="1.4" marker-end="url(#arrow)"/>')
    for asset, (x, y, h) in boxes.items():
        node = graph.nodes.get((asset, None)) or next(n for k, n in graph.nodes.items() if k[0] == asset)
        fill = COLOURS.get(node.layer, "#ffffff")
        root = asset == graph.root[0]
        out.append(f'<g class="asset" data-fqn="{html.escape(asset)}">'
                   f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{h}" rx="6" fill="{fill}" '
                   f'stroke="{"#c62828" if root else "#78909c"}" stroke-width="{2.5 if root else 1}"/>'
                   f'<text x="{x + 8}" y="{y + 17}" font-weight="bold">{html.escape(node.short)}</text>')
        for key, (ax, ay) in anchors.items():
            if key[0] == asset and key[1] is not None:
                weight = ' font-weight="bold" fill="#c62828"' if key == graph.root else ""
                out.append(f'<text x="{x + 14}" y="{ay + 4:.1f}"{weight}>{html.escape(key[1])}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; color: #263238; }}
#graph {{ overflow: auto; border: 1px solid #cfd8dc; border-radius: 6px; }}
.asset {{ cursor: pointer; }}
.dim {{ opacity: 0.15; }}
#info {{ margin-top: 1em; white-space: pre-wrap; }}
</style></head><body>
<h2>{title}</h2>
<p>Click an asset to highlight its paths; click the background to reset.</p>
<div id="graph">{svg}</div>
<div id="info"></div>
<script>
const edges = {edges};
const info = {info};
function related(fqn) {{
  const keep = new Set([fqn]);
  for (const dir of [0, 1]) {{
    let frontier = [fqn];
    while (frontier.length) {{
      const next = [];
      for (const e of edges) {{
        const [a, b] = dir ? [e[1], e[0]] : [e[0], e[1]];
        if (frontier.includes(a) && !keep.has(b)) {{ keep.add(b); next.push(b); }}
      }}
      frontier = next;
    }}
  }}
  return keep;
}}
document.querySelectorAll('.asset').forEach(g => g.addEventListener('click', ev => {{
  ev.stopPropagation();
  const keep = related(g.dataset.fqn);
  document.querySelectorAll('.asset').forEach(x => x.classList.toggle('dim', !keep.has(x.dataset.fqn)));
  document.querySelectorAll('.edge').forEach(x => x.classList.toggle('dim', !(keep.has(x.dataset.from) && keep.has(x.dataset.to))));
  document.getElementById('info').textContent = info[g.dataset.fqn] || g.dataset.fqn;
}}));
document.getElementById('graph').addEventListener('click', () => {{
  document.querySelectorAll('.dim').forEach(x => x.classList.remove('dim'));
  document.getElementById('info').textContent = '';
}});
</script></body></html>
"""


def page(graph: Graph, title: str, info: dict[str, str]) -> str:
    edges = sorted({(a[0], b[0]) for a, b in graph.edges})
    return _PAGE.format(title=html.escape(title), svg=svg(graph, title),
                        edges=json.dumps(edges, ensure_ascii=False).replace("</", "<\\/"),
                        info=json.dumps(info, ensure_ascii=False).replace("</", "<\\/"))


def write(graph: Graph, path: Path, info: dict[str, str] | None = None) -> Path:
    """Write the graph as SVG or HTML, by the file's suffix."""
    from citylake.errors import CitylakeError

    root = graph.nodes[graph.root]
    title = f"Lineage of {label(root)}"
    if path.suffix.lower() == ".svg":
        text = svg(graph, title)
    elif path.suffix.lower() in (".html", ".htm"):
        text = page(graph, title, info or {})
    else:
        raise CitylakeError(f"cannot draw lineage to {path.name}: name a .svg or .html file.")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
