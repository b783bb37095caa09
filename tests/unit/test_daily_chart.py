"""The server-drawn chart: a pure function from daily series to SVG."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from xml.etree import ElementTree

import pytest

from app.web.admin.charts import ChartBox, ChartSeries, daily_chart_svg, nice_scale
from app.web.admin.formatting import money

DAYS = [date(2026, 11, 1) + timedelta(days=offset) for offset in range(7)]
SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)  # noqa: S314 - our own output


def bars(svg: str) -> list[ElementTree.Element]:
    return [rect for rect in parse(svg).iter(f"{SVG}rect") if rect.find(f"{SVG}title") is not None]


def test_it_is_well_formed_svg_with_a_title_and_a_text_summary() -> None:
    svg = daily_chart_svg(
        DAYS, [ChartSeries("Abandoned cart", "#5c6ac4", [1, 2, 0, 0, 3, 0, 1])], title="Sent"
    )
    root = parse(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Sent"
    assert root.find(f"{SVG}desc").text == "Nov 1 to Nov 7: Abandoned cart 7."


def test_each_nonzero_day_is_a_bar_with_its_value_as_tooltip() -> None:
    svg = daily_chart_svg(
        DAYS, [ChartSeries("Birthday", "#c4588e", [0, 4, 0, 0, 0, 0, 2])], title="t"
    )
    tips = [rect.find(f"{SVG}title").text for rect in bars(svg)]
    assert tips == ["Nov 2 · Birthday: 4", "Nov 7 · Birthday: 2"]


def test_series_stack_and_the_tallest_day_fits_the_axis() -> None:
    box = ChartBox()
    svg = daily_chart_svg(
        DAYS[:2],
        [ChartSeries("A", "#111111", [3, 1]), ChartSeries("B", "#222222", [5, 0])],
        title="t",
        box=box,
    )
    first_day = [rect for rect in bars(svg) if "Nov 1" in rect.find(f"{SVG}title").text]
    heights = [float(rect.get("height")) for rect in first_day]
    top = box.top + box.plot_height
    # 3 + 5 = 8 on an axis of 0..8 (step 2): the stack is exactly the plot's height.
    assert sum(heights) == pytest.approx(box.plot_height, abs=0.2)
    lower, upper = first_day
    assert float(lower.get("y")) + float(lower.get("height")) == pytest.approx(top, abs=0.1)
    assert float(upper.get("y")) + float(upper.get("height")) == pytest.approx(
        float(lower.get("y")), abs=0.1
    )


def test_the_y_axis_uses_round_steps() -> None:
    assert nice_scale(8) == (2, 8)
    assert nice_scale(9) == (3, 12)
    assert nice_scale(1234) == (500, 2000)
    assert nice_scale(0) == (1, 4)
    assert nice_scale(0.3, whole=False) == pytest.approx((0.1, 0.4))
    assert nice_scale(3) == (1, 4)


def test_money_values_are_labelled_with_the_currency() -> None:
    svg = daily_chart_svg(
        DAYS[:3],
        [ChartSeries("Cross-sell", "#e8833a", [Decimal("120.50"), Decimal("0"), Decimal("79.5")])],
        title="Revenue",
        value_label=lambda value: money(value, "EUR"),
        whole_numbers=False,
    )
    assert "Nov 1 · Cross-sell: €120.50" in svg and "Cross-sell €200.00." in svg
    assert ">€200.00</text>" in svg  # the top of the axis


def test_an_empty_period_says_so() -> None:
    svg = daily_chart_svg(
        DAYS, [ChartSeries("A", "#111111", [0] * 7)], title="t", empty_text="No emails yet"
    )
    assert bars(svg) == [] and ">No emails yet</text>" in svg
    assert daily_chart_svg([], [], title="t").count("<rect") == 0


def test_labels_are_escaped() -> None:
    svg = daily_chart_svg(
        DAYS[:1], [ChartSeries("<script>x</script>", "#111111", [1])], title="a&b"
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "a&amp;b" in svg
    parse(svg)


def test_x_labels_are_thinned_for_long_periods() -> None:
    ninety = [date(2026, 8, 1) + timedelta(days=offset) for offset in range(90)]
    svg = daily_chart_svg(ninety, [ChartSeries("A", "#111111", [1] * 90)], title="t")
    labels = re.findall(r'text-anchor="middle">([A-Z][a-z]{2} \d+)</text>', svg)
    assert 6 <= len(labels) <= 8 and labels[0] == "Aug 1"


def test_bad_series_are_refused() -> None:
    with pytest.raises(ValueError, match="3 values for 7 days"):
        daily_chart_svg(DAYS, [ChartSeries("A", "#111111", [1, 2, 3])], title="t")
    with pytest.raises(ValueError, match="negative"):
        daily_chart_svg(DAYS[:1], [ChartSeries("A", "#111111", [-1])], title="t")
    with pytest.raises(ValueError, match="colour"):
        daily_chart_svg(DAYS[:1], [ChartSeries("A", "red", [1])], title="t")
