"""A bar chart drawn on the server as SVG: no chart library, no JavaScript, readable in the admin and printable.

Readable without colour: bars are hatched (a pattern, not a hue) with a dark outline, each bar carries its value
as text, both axes are labelled, and the page puts the chart's title above it and the same numbers in a table
beside it (reports/templates). The <svg> has no inline style (Content-Security-Policy).
"""
from decimal import Decimal

from django.utils.html import escape

HATCH = ('<defs><pattern id="report-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
         'patternTransform="rotate(45)"><rect width="6" height="6" fill="#dfe9ef"/>'
         '<line x1="0" y1="0" x2="0" y2="6" stroke="#1f3b4d" stroke-width="2"/></pattern></defs>')


def nice_top(value) -> Decimal:
    """The axis' top: the smallest 1, 2 or 5 × 10^n at or above `value` (1 when there is nothing to show)."""
    value = Decimal(value)
    if value <= 0:
        return Decimal(1)
    scale = Decimal(1)
    while scale * 10 <= value:
        scale *= 10
    while scale > value:
        scale /= 10
    for step in (1, 2, 5, 10):
        if step * scale >= value:
            return (step * scale).normalize()
    return value


def bar_chart_svg(bars: list[tuple[str, object]], *, label: str, x_label: str, y_label: str,
                  top=None, width: int = 720, height: int = 240) -> str:
    """`bars`: (label, value) in order; `label`: what the chart shows, for screen readers (the page shows the
    title). `top`: the axis' top (e.g. 100 for a percentage), else a round number above the highest bar."""
    top = Decimal(top) if top is not None else nice_top(max((Decimal(v) for _, v in bars), default=0))
    left, right, bottom, head = 56, 12, 48, 18
    plot_w, plot_h = width - left - right, height - bottom - head
    step = plot_w / max(len(bars), 1)
    base = head + plot_h
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(label)}" class="report-chart">{HATCH}',
             # The axes and their labels.
             f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="#333"/>',
             f'<line x1="{left}" y1="{head}" x2="{left}" y2="{base}" stroke="#333"/>',
             f'<text x="{left - 6}" y="{base + 4}" font-size="11" text-anchor="end">0</text>',
             f'<text x="{left - 6}" y="{head + 4}" font-size="11" text-anchor="end">{escape(top)}</text>',
             f'<line x1="{left - 3}" y1="{head}" x2="{left}" y2="{head}" stroke="#333"/>',
             f'<text x="{left + plot_w / 2:.0f}" y="{height - 6}" font-size="12" text-anchor="middle" '
             f'class="axis-label">{escape(x_label)}</text>',
             f'<text x="14" y="{head + plot_h / 2:.0f}" font-size="12" text-anchor="middle" class="axis-label" '
             f'transform="rotate(-90 14 {head + plot_h / 2:.0f})">{escape(y_label)}</text>']
    for index, (name, value) in enumerate(bars):
        bar_h = float(plot_h * Decimal(value) / top) if top else 0.0
        x = left + index * step + step * 0.15
        parts.append(f'<rect x="{x:.1f}" y="{base - bar_h:.1f}" width="{step * 0.7:.1f}" height="{bar_h:.1f}" '
                     f'fill="url(#report-hatch)" stroke="#1f3b4d"><title>{escape(name)}: {escape(value)}</title>'
                     '</rect>')
        parts.append(f'<text x="{x + step * 0.35:.1f}" y="{base - bar_h - 3:.1f}" font-size="10" '
                     f'text-anchor="middle" class="bar-value">{escape(value)}</text>')
        parts.append(f'<text x="{x + step * 0.35:.1f}" y="{base + 14}" font-size="10" '
                     f'text-anchor="middle">{escape(name[-5:])}</text>')
    parts.append("</svg>")
    return "".join(parts)
