"""Bar charts of report tables as inline SVG, drawn on the server.

No script and no outside resource (the CSP allows neither): the page carries the chart
as markup next to the table with the same numbers. Each chart is an image to assistive
technology (``role="img"``, a ``<title>`` and a ``<desc>`` that points to the table);
the bars carry their value as text, so nothing is told by colour or length alone.
Pure: a ``Table`` in, an escaped SVG string out.
"""

from __future__ import annotations

from decimal import Decimal
from itertools import count

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .report import PERCENT, Table

# colour-blind-safe pair (Okabe–Ito blue and orange), each with a text label
COLOURS = ("#0072B2", "#E69F00")
BAR, GAP, LABEL_WIDTH, PLOT_WIDTH, VALUE_WIDTH, LEGEND_LINE = 16, 10, 190, 360, 70, 18
_ids = count(1)


def _number(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _truncate(text: str, limit: int = 16) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(table: Table, *, chart_id: str | None = None) -> SafeString:
    """A horizontal bar chart of ``table.chart.columns`` for each row of ``table`` (the
    total row left out); "" if the table has no chart or no rows."""
    spec = table.chart
    if spec is None or not table.rows:
        return mark_safe("")
    index = {c.key: i for i, c in enumerate(table.columns)}
    columns = [table.columns[index[key]] for key in spec.columns]
    series = [[row.values[index[c.key]] for row in table.rows] for c in columns]
    largest = max([v for values in series for v in values if v is not None] or [0])
    scale_to = spec.max_value if spec.max_value is not None else largest
    scale_to = max(scale_to, largest) or 1
    group = BAR * len(columns) + GAP
    legend = 6 + LEGEND_LINE * len(columns) if len(columns) > 1 else 0
    height = legend + group * len(table.rows) + GAP
    width = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH
    chart_id = chart_id or f"report-chart-{next(_ids)}"
    title = escape(table.title)
    desc = escape(_("Bar chart of the table “%(table)s” shown next to it: %(columns)s by "
                    "%(rows)s.") % {"table": table.title,
                                    "columns": ", ".join(c.label for c in columns),
                                    "rows": table.row_header})
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="wf-report-chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" data-table="{table.key}">',
        f'<title id="{chart_id}-title">{title}</title>',
        f'<desc id="{chart_id}-desc">{desc}</desc>',
    ]
    for s, column in enumerate(columns if legend else ()):
        y = 6 + s * LEGEND_LINE
        parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="12" height="12" '
                     f'fill="{COLOURS[s % len(COLOURS)]}"/>')
        parts.append(f'<text x="{LABEL_WIDTH + 16}" y="{y + 10}" font-size="12">'
                     f'{escape(column.label)}</text>')
    for r, row in enumerate(table.rows):
        top = legend + GAP + r * group
        parts.append(f'<text x="{LABEL_WIDTH - 6}" y="{top + BAR * len(columns) / 2 + 4:g}" '
                     f'font-size="12" text-anchor="end"><title>{escape(row.label)}</title>'
                     f'{escape(_truncate(row.label))}</text>')
        for s, column in enumerate(columns):
            value = series[s][r]
            y = top + s * BAR
            length = 0 if value is None else PLOT_WIDTH * float(value) / float(scale_to)
            unit = "%" if column.kind == PERCENT else ""
            text = f"{_number(value)}{unit if value is not None else ''}"
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y + 1}" width="{length:.1f}" '
                f'height="{BAR - 2}" fill="{COLOURS[s % len(COLOURS)]}" '
                f'data-row="{escape(row.key)}" data-column="{escape(column.key)}" '
                f'data-value="{escape(_number(value))}">'
                f'<title>{escape(row.label)}, {escape(column.label)}: {escape(text)}</title>'
                f'</rect>')
            parts.append(f'<text x="{LABEL_WIDTH + length + 4:.1f}" y="{y + BAR - 4}" '
                         f'font-size="11">{escape(text)}</text>')
    parts.append(f'<line x1="{LABEL_WIDTH}" y1="{legend}" x2="{LABEL_WIDTH}" '
                 f'y2="{height}" stroke="#757575"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above is escaped
