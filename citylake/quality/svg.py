"""Small server-rendered SVG charts: a page that needs no script and no CDN.

Two kinds are enough for the quality page: lines (scores over days, one series per
department or layer) and horizontal bars (quarantined rows per reason). Every label
is escaped; sizes are fixed so the page lays out before anything loads.
"""

from __future__ import annotations

from html import escape

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22")


def line_chart(series: dict[str, list[tuple[str, float]]], width: int = 640, height: int = 240,
               y_min: float | None = None, y_max: float = 100.0, title: str = "") -> str:
    """One line per series over the union of their x labels (days), y in [y_min, y_max]."""
    xs = sorted({x for points in series.values() for x, _ in points})
    if not xs:
        return f'<svg class="chart" width="{width}" height="40" role="img"><text x="8" y="24">no data yet</text></svg>'
    values = [y for points in series.values() for _, y in points]
    low = y_min if y_min is not None else max(0.0, min(values) - 1.0)
    low = min(low, y_max - 1.0)
    left, right, top, bottom = 48, 160, 24, 36
    plot_w, plot_h = width - left - right, height - top - bottom

    def px(i: int) -> float:
        return left + (plot_w * i / (len(xs) - 1) if len(xs) > 1 else plot_w / 2)

    def py(y: float) -> float:
        return top + plot_h * (1 - (y - low) / (y_max - low))

    parts = [f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}">']
    if title:
        parts.append(f'<text x="{left}" y="14" class="title">{escape(title)}</text>')
    for frac in (0, 0.25, 0.5, 0.75, 1):
        y = low + (y_max - low) * frac
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{py(y):.1f}" y2="{py(y):.1f}" class="grid"/>'
                     f'<text x="{left - 6}" y="{py(y) + 4:.1f}" text-anchor="end" class="tick">{y:.1f}</text>')
    step = max(1, len(xs) // 6)
    for i, x in enumerate(xs):
        if i % step == 0 or i == len(xs) - 1:
            parts.append(f'<text x="{px(i):.1f}" y="{height - 12}" text-anchor="middle" class="tick">{escape(x)}</text>')
    for n, (name, points) in enumerate(sorted(series.items())):
        colour = PALETTE[n % len(PALETTE)]
        coords = [(px(xs.index(x)), py(y)) for x, y in sorted(points)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for (x, y), (day, value) in zip(coords, sorted(points)):
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                         f'<title>{escape(name)} {escape(day)}: {value:.2f}</title></circle>')
        label_y = top + 14 * n + 8
        parts.append(f'<rect x="{width - right + 12}" y="{label_y - 8}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{width - right + 26}" y="{label_y + 1}" class="legend">{escape(name[:22])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(bars: list[tuple[str, float]], width: int = 640, bar_height: int = 18, title: str = "") -> str:
    """Horizontal bars, longest first, with their values."""
    if not bars:
        return f'<svg class="chart" width="{width}" height="40" role="img"><text x="8" y="24">nothing to show</text></svg>'
    bars = sorted(bars, key=lambda b: -b[1])
    label_w, top = 260, 22 if title else 4
    height = top + len(bars) * (bar_height + 6) + 4
    scale = (width - label_w - 60) / max(v for _, v in bars)
    parts = [f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}">']
    if title:
        parts.append(f'<text x="4" y="14" class="title">{escape(title)}</text>')
    for i, (label, value) in enumerate(bars):
        y = top + i * (bar_height + 6)
        parts.append(f'<text x="{label_w - 8}" y="{y + bar_height - 5}" text-anchor="end" class="tick">{escape(label[:40])}</text>'
                     f'<rect x="{label_w}" y="{y}" width="{max(1.0, value * scale):.1f}" height="{bar_height}" class="bar"/>'
                     f'<text x="{label_w + value * scale + 6:.1f}" y="{y + bar_height - 5}" class="tick">{value:g}</text>')
    parts.append("</svg>")
    return "".join(parts)
