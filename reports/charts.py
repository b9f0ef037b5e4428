"""A bar chart drawn on the server as SVG: no chart library, no JavaScript, readable in the admin and printable."""
from django.utils.html import escape


def bar_chart_svg(bars: list[tuple[str, int]], *, title: str, width: int = 720, height: int = 220) -> str:
    """`bars`: (label, value) in order. Returns an <svg> with a <title>, one labelled bar per value."""
    top = max((value for _, value in bars), default=0) or 1
    margin_left, margin_bottom, margin_top = 36, 40, 16
    plot_w, plot_h = width - margin_left - 8, height - margin_bottom - margin_top
    step = plot_w / max(len(bars), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}" class="report-chart"><title>{escape(title)}</title>',
             f'<line x1="{margin_left}" y1="{margin_top + plot_h}" x2="{width - 8}" y2="{margin_top + plot_h}" '
             'stroke="#888"/>',
             f'<text x="4" y="{margin_top + 10}" font-size="11">{top}</text>']
    for index, (label, value) in enumerate(bars):
        bar_h = plot_h * value / top
        x = margin_left + index * step + step * 0.15
        parts.append(f'<rect x="{x:.1f}" y="{margin_top + plot_h - bar_h:.1f}" width="{step * 0.7:.1f}" '
                     f'height="{bar_h:.1f}" fill="#417690"><title>{escape(label)}: {value}</title></rect>')
        parts.append(f'<text x="{x + step * 0.35:.1f}" y="{height - margin_bottom + 14}" font-size="10" '
                     f'text-anchor="middle">{escape(label[-5:])}</text>')
    parts.append("</svg>")
    return "".join(parts)
