"""Server-side SVG bar charts in GOV.UK Design System colours. A chart is decoration over the
table printed beside it (the same numbers): it is an image with a text alternative, and its
labels are real text, so it scales and prints without JavaScript."""
from __future__ import annotations

from markupsafe import Markup, escape

GOVUK_BLUE = "#1d70b8"
GOVUK_TEXT = "#0b0c0c"
GOVUK_MID_GREY = "#b1b4b6"
ROW_HEIGHT, BAR_HEIGHT, LABEL_WIDTH, BAR_WIDTH, VALUE_WIDTH = 30, 20, 260, 360, 60


def bar_chart(table) -> Markup:
    """Horizontal bars of the table's first numeric column, one per row."""
    numeric = next((i for i, c in enumerate(table.columns) if c.kind == "count"), None)
    if numeric is None or not table.rows:
        return Markup("")
    values = [(str(r[0]), r[numeric] or 0) for r in table.rows]
    largest = max((v for _, v in values), default=0) or 1
    height = ROW_HEIGHT * len(values) + 10
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    summary = "; ".join(f"{label}: {value}" for label, value in values)
    parts = [f'<svg class="cf-chart" xmlns="http://www.w3.org/2000/svg" role="img" '
             f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
             f'aria-label="{escape(table.title)}, {escape(table.columns[numeric].label.lower())}: {escape(summary)}">']
    for i, (label, value) in enumerate(values):
        y = 5 + i * ROW_HEIGHT
        bar = round(BAR_WIDTH * value / largest)
        shown = label if len(label) <= 38 else label[:37] + "…"
        parts.append(f'<text x="{LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end" font-size="14" '
                     f'fill="{GOVUK_TEXT}" font-family="GDS Transport, arial, sans-serif">{escape(shown)}</text>')
        parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{BAR_WIDTH}" height="{BAR_HEIGHT}" fill="none" '
                     f'stroke="{GOVUK_MID_GREY}" stroke-width="1"/>')
        if bar:
            parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{bar}" height="{BAR_HEIGHT}" fill="{GOVUK_BLUE}"/>')
        parts.append(f'<text x="{LABEL_WIDTH + BAR_WIDTH + 8}" y="{y + 15}" font-size="14" fill="{GOVUK_TEXT}" '
                     f'font-family="GDS Transport, arial, sans-serif">{value}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
