"""Charts drawn on the server as inline SVG: no script, no outside library, nothing the page's
Content-Security-Policy refuses (colours are presentation attributes and classes of app.css,
never `style`). Every label passes through `escape`, so a product family or vendor named
`<script>` is text. Each chart is an image with a title and a description for screen readers;
its numbers are also a table beside it (the page's).

Coordinates are in a 400-wide viewBox that scales to its box: on a 390 px phone the text stays at
its drawn size, and on a desktop the box is capped by `.chart` in app.css."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

WIDTH = 400
# Fee kinds and measures in colours that stay apart for the common colour blindnesses (Okabe-Ito).
PALETTE = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00"]


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as the page writes it ("12", "83%", "4.5 days")


def _svg(*, title: str, desc: str, height: float, body: str, name: str) -> SafeString:
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" width="100%" role="img" aria-labelledby="{}-t {}-d" '
        'xmlns="http://www.w3.org/2000/svg"><title id="{}-t">{}</title><desc id="{}-d">{}</desc>{}</svg>',
        WIDTH,
        round(height),
        name,
        name,
        name,
        title,
        name,
        desc,
        mark_safe(body),  # noqa: S308  (built below from escaped parts only)
    )


def bar_chart(
    *, name: str, title: str, desc: str, bars: Sequence[Bar], maximum: float | None = None
) -> SafeString:
    """Horizontal bars, one a row, the label above its bar and the value after it: long labels
    never squeeze the bars on a phone."""
    top = max((bar.value for bar in bars), default=0)
    scale_to = maximum if maximum is not None else top
    row, bar_h, room = 46, 18, WIDTH - 80
    parts = []
    for i, bar in enumerate(bars):
        y = i * row
        length = room * bar.value / scale_to if scale_to else 0
        parts.append(
            f'<text class="chart-label" x="0" y="{y + 15}">{escape(bar.label)}</text>'
            f'<rect class="chart-track" x="0" y="{y + 21}" width="{room}" height="{bar_h}" rx="2"/>'
            f'<rect x="0" y="{y + 21}" width="{length:.1f}" height="{bar_h}" rx="2" fill="{PALETTE[0]}"/>'
            f'<text class="chart-value" x="{length + 5:.1f}" y="{y + 35}">{escape(bar.text)}</text>'
        )
    return _svg(title=title, desc=desc, height=max(len(bars), 1) * row, body="".join(parts), name=name)


def paired_bar_chart(
    *, name: str, title: str, desc: str, rows: Sequence[tuple[str, Bar, Bar]], legend: tuple[str, str]
) -> SafeString:
    """Two bars a row (a median and a 90th percentile), on one scale, with a legend."""
    top = max((max(a.value, b.value) for _, a, b in rows), default=0)
    row, bar_h, room, head = 60, 16, WIDTH - 90, 26
    parts = [_legend(legend, y=0)]
    for i, (label, first, second) in enumerate(rows):
        y = head + i * row
        parts.append(f'<text class="chart-label" x="0" y="{y + 15}">{escape(label)}</text>')
        for j, bar in enumerate((first, second)):
            length = room * bar.value / top if top else 0
            by = y + 21 + j * (bar_h + 2)
            parts.append(
                f'<rect x="0" y="{by}" width="{length:.1f}" height="{bar_h}" rx="2" fill="{PALETTE[j]}"/>'
                f'<text class="chart-value chart-small" x="{length + 5:.1f}" y="{by + 13}">{escape(bar.text)}</text>'
            )
    return _svg(title=title, desc=desc, height=head + max(len(rows), 1) * row, body="".join(parts), name=name)


def _legend(names: Sequence[str], *, y: float) -> str:
    parts, x = [], 0.0
    for i, label in enumerate(names):
        parts.append(
            f'<rect x="{x:.1f}" y="{y + 3}" width="12" height="12" fill="{PALETTE[i % len(PALETTE)]}"/>'
            f'<text class="chart-small" x="{x + 17:.1f}" y="{y + 14}">{escape(label)}</text>'
        )
        x += 30 + 7.5 * len(label)
    return "".join(parts)


def stacked_columns(
    *,
    name: str,
    title: str,
    desc: str,
    columns: Sequence[tuple[str, Sequence[float]]],
    top_label: Callable[[float], str],
) -> SafeString:
    """Columns (months) stacked by series (fee kinds, in PALETTE's order: the page draws their
    legend once for several charts), with the highest column's total written at its level."""
    head, plot_h = 22, 150
    top = max((sum(values) for _, values in columns), default=0)
    parts = []
    step = WIDTH / max(len(columns), 1)
    width = max(step * 0.7, 2)
    base = head + plot_h
    for c, (label, values) in enumerate(columns):
        x = c * step + (step - width) / 2
        y = base
        for s, value in enumerate(values):
            h = plot_h * value / top if top else 0
            y -= h
            if h > 0:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{h:.1f}" '
                    f'fill="{PALETTE[s % len(PALETTE)]}"/>'
                )
        parts.append(
            f'<text class="chart-small chart-tick" x="{x + width / 2:.1f}" y="{base + 17}">{escape(label)}</text>'
        )
    parts.append(_top_line(head, top_label(top)))
    parts.append(f'<line class="chart-axis" x1="0" y1="{base}" x2="{WIDTH}" y2="{base}"/>')
    return _svg(title=title, desc=desc, height=base + 24, body="".join(parts), name=name)


def _top_line(y: float, label: str) -> str:
    """A dashed line at the scale's top, with its value: the chart's one gridline."""
    return (
        f'<line class="chart-grid" x1="0" y1="{y}" x2="{WIDTH}" y2="{y}" stroke-dasharray="4 4"/>'
        f'<text class="chart-small chart-end" x="{WIDTH}" y="{y - 5}">{escape(label)}</text>'
    )


def columns_with_line(
    *,
    name: str,
    title: str,
    desc: str,
    columns: Sequence[tuple[str, float, float]],
    labels: tuple[str, str],
) -> SafeString:
    """Columns (visits per week) under a stepped line (capacity per week), one scale."""
    head, plot_h = 40, 150
    top = max((max(value, line) for _, value, line in columns), default=0)
    parts = [_legend(labels, y=0), _top_line(head, f"{top:g}")]
    step = WIDTH / max(len(columns), 1)
    width = max(step * 0.7, 1.5)
    base = head + plot_h
    points = []
    for c, (_label, value, line) in enumerate(columns):
        x = c * step
        h = plot_h * value / top if top else 0
        parts.append(
            f'<rect x="{x + (step - width) / 2:.1f}" y="{base - h:.1f}" width="{width:.1f}" height="{h:.1f}" fill="{PALETTE[0]}"/>'
        )
        ly = base - (plot_h * line / top if top else 0)
        points += [f"{x:.1f},{ly:.1f}", f"{x + step:.1f},{ly:.1f}"]
    if points:
        parts.append(
            f'<polyline class="chart-line" points="{" ".join(points)}" fill="none" stroke="{PALETTE[1]}" stroke-width="2"/>'
        )
    parts.append(f'<line class="chart-axis" x1="0" y1="{base}" x2="{WIDTH}" y2="{base}"/>')
    if columns:
        parts.append(f'<text class="chart-small" x="0" y="{base + 17}">{escape(columns[0][0])}</text>')
        parts.append(
            f'<text class="chart-small chart-end" x="{WIDTH}" y="{base + 17}">{escape(columns[-1][0])}</text>'
        )
    return _svg(title=title, desc=desc, height=base + 24, body="".join(parts), name=name)
