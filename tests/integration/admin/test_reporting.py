"""The dashboard's queries: local days, cohorts, and nothing of another store."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.core.messaging.unsubscribe import unsubscribe_customer
from app.core.progress import record_progress, visible_progress
from app.core.reporting import Period, dashboard, recipe_results, sent_per_day
from app.core.tenancy import StoreScope
from app.db.models import Enrollment
from tests.admin_data import make_customer, make_enrollment, make_message


def test_emails_are_counted_on_the_stores_local_day(session, tenants):
    alpha, customer = tenants.alpha, tenants.alpha_customer  # America/New_York
    now = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    # 23:30 in New York on Nov 18 is 04:30 UTC on Nov 19.
    make_message(session, alpha, customer, sent_at=datetime(2026, 11, 19, 4, 30, tzinfo=UTC))
    make_message(session, alpha, customer, sent_at=datetime(2026, 11, 19, 5, 30, tzinfo=UTC))
    make_message(
        session,
        alpha,
        customer,
        recipe="birthday",
        sent_at=datetime(2026, 11, 20, 14, 0, tzinfo=UTC),
    )
    session.flush()
    period = Period.last_days(3, "America/New_York", now)
    assert period.days == (date(2026, 11, 18), date(2026, 11, 19), date(2026, 11, 20))
    series = sent_per_day(StoreScope(session, alpha), period)
    assert series == {"abandoned_cart": [1, 1, 0], "birthday": [0, 0, 1]}


def test_a_period_spans_whole_local_days_across_a_clock_change():
    # Europe/London leaves summer time on 2026-10-25: that local day lasts 25 hours.
    period = Period.last_days(2, "Europe/London", datetime(2026, 10, 25, 12, tzinfo=UTC))
    assert period.start == datetime(2026, 10, 23, 23, 0, tzinfo=UTC)
    assert period.end == datetime(2026, 10, 26, 0, 0, tzinfo=UTC)
    with pytest.raises(ValueError):
        Period.last_days(0, "UTC", datetime(2026, 1, 1, tzinfo=UTC))


def test_funnels_are_cohorts_of_the_period_and_never_another_stores(session, tenants):
    alpha, beta = tenants.alpha, tenants.beta
    now = datetime.now(UTC)
    period = Period.last_days(7, "UTC", now)
    results = recipe_results(StoreScope(session, beta), period)
    assert results["abandoned_cart"].sent == 1 and results["abandoned_cart"].enrolled == 1
    old = now - timedelta(days=10)
    make_message(session, alpha, tenants.alpha_customer, sent_at=old, opened_at=now)
    session.flush()
    alpha_numbers = dashboard(StoreScope(session, alpha), period)
    assert alpha_numbers.total.sent == 1 and alpha_numbers.total.opened == 0
    assert alpha_numbers.for_recipe("birthday").sent == 0
    assert alpha_numbers.total.rate("delivered") == 1.0
    assert alpha_numbers.for_recipe("birthday").rate("opened") is None


def test_unsubscribing_a_customer_without_an_email_still_stops_their_journeys(session, tenants):
    scope = StoreScope(session, tenants.alpha)
    guest = make_customer(session, tenants.alpha, email=None)
    journey = make_enrollment(session, tenants.alpha, guest)
    outcome = unsubscribe_customer(session, scope.store, guest, source="admin")
    assert outcome.newly_suppressed is False and outcome.enrollments_exited == 1
    assert session.get(Enrollment, journey.id).state == "exited"
    with pytest.raises(ValueError):
        unsubscribe_customer(session, scope.store, tenants.beta_customer, source="admin")


def test_progress_records_are_validated_and_expire_from_view(session, tenants):
    store = tenants.alpha
    with pytest.raises(ValueError):
        record_progress(session, store, "backfill", label="x", done=-1)
    with pytest.raises(ValueError):
        record_progress(session, store, "backfill", label="x", done=1, state="paused")
    record_progress(session, store, "backfill", label="Importing", done=10, total=10, state="done")
    record_progress(session, store, "dry_run:birthday", label="Dry run", done=3)
    shown = {item.operation: item for item in visible_progress(store)}
    assert shown["backfill"].percent == 100 and shown["dry_run:birthday"].percent is None
    later = datetime.now(UTC) + timedelta(hours=2)
    assert [item.operation for item in visible_progress(store, now=later)] == ["dry_run:birthday"]
