"""Home: the dashboard of what each recipe did over a period, and what is left to set up."""

from __future__ import annotations

from functools import partial

from flask import render_template, request
from flask.typing import ResponseReturnValue

from app.core.onboarding import setup_checklist
from app.core.progress import visible_progress
from app.core.reporting import LIFT_MINIMUM_CUSTOMERS, PERIOD_CHOICES, Period, dashboard
from app.core.store_settings import effective_timezone, load_store_settings
from app.db.base import utcnow
from app.web.admin.access import current_scope
from app.web.admin.blueprint import bp
from app.web.admin.charts import ChartSeries, daily_chart_svg
from app.web.admin.formatting import money
from app.web.admin.recipe_catalog import RECIPES

DEFAULT_PERIOD = 30


def period_days(value: str | None) -> int:
    """The period the merchant chose (7, 30 or 90 days); anything else is the default."""
    if value and value.isdigit() and int(value) in PERIOD_CHOICES:
        return int(value)
    return DEFAULT_PERIOD


@bp.get("/")
def home() -> ResponseReturnValue:
    """The dashboard."""
    scope = current_scope()
    settings = load_store_settings(scope.store)
    days = period_days(request.args.get("period"))
    period = Period.last_days(days, effective_timezone(scope.store, settings), utcnow())
    numbers = dashboard(scope, period)
    chart = daily_chart_svg(
        period.days,
        [ChartSeries(info.title, info.colour, numbers.daily_revenue(info.key)) for info in RECIPES],
        title=f"Revenue attributed per day, last {days} days",
        value_label=partial(money, currency=scope.store.currency),
        empty_text="No attributed orders in this period",
    )
    return render_template(
        "admin/home.html",
        numbers=numbers,
        chart=chart,
        checklist=setup_checklist(scope, settings),
        progress=visible_progress(scope.store),
        period_days=days,
        period_choices=PERIOD_CHOICES,
        lift_minimum=LIFT_MINIMUM_CUSTOMERS,
        lift_rows=[*((info.key, info.title) for info in RECIPES), ("all", "All recipes")],
    )
