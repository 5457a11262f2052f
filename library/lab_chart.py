"""The lab's query count against page size as an inline SVG line chart, drawn on the server.

No JavaScript and nothing fetched at runtime: a few lines and labels, one colour per strategy.
Every label is escaped (strategy names are code, but the chart takes any text).
"""

from __future__ import annotations

from django.utils.html import escape

WIDTH, HEIGHT = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 56, 150, 16, 40
COLOURS = ("#c05621", "#2b6cb0", "#2f855a", "#805ad5", "#b7791f", "#718096")


def _scale(value: float, top: float, size: float) -> float:
    return size * value / top if top else 0.0


def query_count_svg(points: dict[str, list[tuple[int, int]]]) -> str:
    """A line per strategy through its `(books, queries)` points, linear axes from zero."""
    xs = [x for series in points.values() for x, _ in series] or [1]
    ys = [y for series in points.values() for _, y in series] or [1]
    x_top, y_top = max(max(xs), 1), max(max(ys), 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def at(x: int, y: int) -> str:
        return (
            f"{LEFT + _scale(x, x_top, plot_w):.1f},{TOP + plot_h - _scale(y, y_top, plot_h):.1f}"
        )

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" font-family="sans-serif" font-size="11">',
        "<title>Queries per page size, by loading strategy</title>",
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" '
        'stroke="#1d2330"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#1d2330"/>',
        f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 6}" text-anchor="middle">books on the page'
        "</text>",
        f'<text x="14" y="{TOP + plot_h / 2}" text-anchor="middle" '
        f'transform="rotate(-90 14 {TOP + plot_h / 2})">queries</text>',
    ]
    for tick in sorted({0, x_top // 2, x_top}):
        x = LEFT + _scale(tick, x_top, plot_w)
        parts.append(
            f'<text x="{x:.1f}" y="{TOP + plot_h + 14}" text-anchor="middle">{tick}</text>'
        )
    for tick in sorted({0, y_top // 2, y_top}):
        y = TOP + plot_h - _scale(tick, y_top, plot_h)
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
    for number, (name, series) in enumerate(points.items()):
        colour = COLOURS[number % len(COLOURS)]
        line = " ".join(at(x, y) for x, y in series)
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{line}"/>')
        parts += [
            f'<circle cx="{at(x, y).split(",")[0]}" cy="{at(x, y).split(",")[1]}" r="3" '
            f'fill="{colour}"><title>{escape(name)}: {y} queries for {x} books</title>'
            "</circle>"
            for x, y in series
        ]
        legend_y = TOP + 14 + 16 * number
        last = series[-1][1] if series else 0
        parts.append(
            f'<text x="{WIDTH - RIGHT + 12}" y="{legend_y}" fill="{colour}">'
            f"{escape(name)} ({last})</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
