"""A daily stacked bar chart drawn on the server as SVG: readable without JavaScript.

`daily_chart_svg` is a pure function of its arguments (no request, no database), so it is unit
tested on its own. Every bar segment has a `<title>` (the browser's own tooltip) and the chart
a `<desc>` with the totals, for screen readers and for a glance at the markup.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from markupsafe import Markup, escape

Number = int | Decimal


@dataclass(frozen=True)
class ChartSeries:
    """One stacked layer: a label, a colour (#rrggbb) and one value per day."""

    label: str
    colour: str
    values: Sequence[Number]


@dataclass(frozen=True)
class ChartBox:
    """The drawing area: outer size and the margins around the plot."""

    width: int = 720
    height: int = 260
    left: int = 56
    right: int = 8
    top: int = 36
    bottom: int = 28
    max_x_labels: int = 8

    @property
    def plot_width(self) -> float:
        """Width of the bars' area."""
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> float:
        """Height of the bars' area."""
        return self.height - self.top - self.bottom


def count_label(value: Number) -> str:
    """The default value format: whole numbers with thousands separators."""
    return f"{value:,.0f}"


def nice_scale(maximum: float, steps: int = 4, whole: bool = True) -> tuple[float, float]:
    """(step, top) of a y axis that reaches `maximum` in `steps` round steps (1, 2, 5 × 10ⁿ)."""
    if maximum <= 0:
        return 1.0, float(steps)
    raw = maximum / steps
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(f * magnitude for f in (1, 2, 2.5, 5, 10) if f * magnitude >= raw)
    if whole:
        step = max(1.0, math.ceil(step))
    return step, step * steps


def daily_chart_svg(
    days: Sequence[date],
    series: Sequence[ChartSeries],
    *,
    title: str,
    value_label: Callable[[Number], str] = count_label,
    whole_numbers: bool = True,
    empty_text: str = "No data in this period",
    box: ChartBox | None = None,
) -> Markup:
    """An SVG stacked bar chart: one bar per day, one coloured segment per series."""
    box = box or ChartBox()
    _check(days, series)
    totals = [sum((s.values[i] for s in series), Decimal(0)) for i in range(len(days))]
    step, top = nice_scale(float(max(totals, default=0)), whole=whole_numbers)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {box.width} '
        f'{box.height}" role="img" aria-labelledby="chart-title chart-desc">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(_summary(days, series, value_label))}</desc>',
        *_legend(series, box),
        *_grid(step, top, box, value_label),
        *_bars(days, series, top, box, value_label),
        *_x_labels(days, box),
    ]
    if not any(totals):
        x, y = box.left + box.plot_width / 2, box.top + box.plot_height / 2
        parts.append(f'<text class="chart-empty" x="{x:.1f}" y="{y:.1f}" text-anchor="middle">')
        parts.append(f"{escape(empty_text)}</text>")
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text node above is escaped


def _check(days: Sequence[date], series: Sequence[ChartSeries]) -> None:
    for layer in series:
        if len(layer.values) != len(days):
            raise ValueError(
                f"series {layer.label!r} has {len(layer.values)} values for {len(days)} days"
            )
        if any(value < 0 for value in layer.values):
            raise ValueError(f"series {layer.label!r} has a negative value")
        if not (len(layer.colour) == 7 and layer.colour.startswith("#")):
            raise ValueError(f"series {layer.label!r} colour must be #rrggbb")


def _summary(
    days: Sequence[date], series: Sequence[ChartSeries], value_label: Callable[[Number], str]
) -> str:
    if not days:
        return "No days to show."
    per_series = ", ".join(
        f"{layer.label} {value_label(sum(layer.values, Decimal(0)))}" for layer in series
    )
    span = f"{_day_label(days[0])} to {_day_label(days[-1])}"
    return f"{span}: {per_series}." if per_series else f"{span}: nothing to show."


def _legend(series: Sequence[ChartSeries], box: ChartBox) -> list[str]:
    parts, x = [], float(box.left)
    for layer in series:
        parts.append(
            f'<rect x="{x:.1f}" y="8" width="10" height="10" rx="2" fill="{escape(layer.colour)}"/>'
            f'<text class="chart-legend" x="{x + 15:.1f}" y="17">{escape(layer.label)}</text>'
        )
        x += 15 + 7 * len(layer.label) + 18
    return parts


def _grid(
    step: float, top: float, box: ChartBox, value_label: Callable[[Number], str]
) -> list[str]:
    parts = []
    ticks = round(top / step)
    for index in range(ticks + 1):
        value = step * index
        y = box.top + box.plot_height - box.plot_height * value / top
        label = value_label(Decimal(str(value)))
        parts.append(
            f'<line class="chart-grid" x1="{box.left}" x2="{box.width - box.right}" '
            f'y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="chart-axis" x="{box.left - 8}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(label)}</text>"
        )
    return parts


def _bars(
    days: Sequence[date],
    series: Sequence[ChartSeries],
    top: float,
    box: ChartBox,
    value_label: Callable[[Number], str],
) -> list[str]:
    if not days:
        return []
    slot = box.plot_width / len(days)
    width = max(1.0, slot * 0.7)
    parts = []
    for index, day in enumerate(days):
        x = box.left + slot * index + (slot - width) / 2
        base = float(box.top + box.plot_height)
        for layer in series:
            value = layer.values[index]
            if not value:
                continue
            height = box.plot_height * float(value) / top
            base -= height
            tip = f"{_day_label(day)} · {layer.label}: {value_label(value)}"
            parts.append(
                f'<rect x="{x:.1f}" y="{base:.1f}" width="{width:.1f}" height="{height:.1f}" '
                f'fill="{escape(layer.colour)}"><title>{escape(tip)}</title></rect>'
            )
    return parts


def _x_labels(days: Sequence[date], box: ChartBox) -> list[str]:
    if not days:
        return []
    slot = box.plot_width / len(days)
    every = max(1, math.ceil(len(days) / box.max_x_labels))
    y = box.height - 8
    parts = []
    for index in range(0, len(days), every):
        x = box.left + slot * index + slot / 2
        parts.append(
            f'<text class="chart-axis" x="{x:.1f}" y="{y}" text-anchor="middle">'
            f"{escape(_day_label(days[index]))}</text>"
        )
    return parts


def _day_label(day: date) -> str:
    return f"{day:%b} {day.day}"
