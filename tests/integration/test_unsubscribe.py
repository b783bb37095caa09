"""Unsubscribing: the core function, the page and one-click POST, and the platform write-back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.messaging.unsubscribe import UnsubscribeLinks, unsubscribe
from app.core.ports import NotFound, Transient
from app.db.base import utcnow
from app.db.models import AuditEntry, Customer, Enrollment, Store, Suppression
from app.runtime import Runtime
from tests.factories import make_store
from tests.fakes_messaging import RecordingConnector
from workers import consent
from workers.queues import DEFAULT, JobQueues

EMAIL = "ada@example.com"


def make_customer(session: Session, store: Store, **values: object) -> Customer:
    customer = Customer(
        store_id=store.id,
        platform_id=values.pop("platform_id", "gid://shopify/Customer/1"),
        email=values.pop("email", EMAIL),
        consent=values.pop("consent", "subscribed"),
        **values,
    )
    session.add(customer)
    session.flush()
    return customer


def make_enrollment(
    session: Session, customer: Customer, state: str, **values: object
) -> Enrollment:
    enrollment = Enrollment(
        store_id=customer.store_id,
        recipe=values.pop("recipe", "abandoned_cart"),
        customer_id=customer.id,
        trigger_ref=values.pop("trigger_ref", f"cart-{state}"),
        state=state,
        step=1,
        next_run_at=utcnow() - timedelta(minutes=1) if state == "active" else None,
        **values,
    )
    session.add(enrollment)
    session.flush()
    return enrollment


def suppressions(session: Session, store: Store) -> list[Suppression]:
    return list(session.scalars(select(Suppression).where(Suppression.store_id == store.id)))


def due_enrollments(session: Session, store: Store) -> list[Enrollment]:
    """What the engine's clock would claim now (state active, next_run_at passed)."""
    return list(
        session.scalars(
            select(Enrollment).where(
                Enrollment.store_id == store.id,
                Enrollment.state == "active",
                Enrollment.next_run_at <= utcnow(),
            )
        )
    )


# --- the core function ---------------------------------------------------------------------------


def test_unsubscribe_suppresses_sets_consent_and_exits_open_enrollments(session: Session) -> None:
    store = make_store(session)
    customer = make_customer(session, store)
    guest = make_customer(session, store, platform_id=None)
    other = make_customer(session, store, platform_id="2", email="bob@example.com")
    active = make_enrollment(session, customer, "active")
    claimed = make_enrollment(session, guest, "claimed", recipe="birthday", trigger_ref="2026")
    done = make_enrollment(session, customer, "completed", trigger_ref="old")
    bobs = make_enrollment(session, other, "active")

    result = unsubscribe(session, store, " Ada@Example.com ", source="page")

    assert (result.newly_suppressed, result.customers_updated, result.enrollments_exited) == (
        True,
        2,
        2,
    )
    [row] = suppressions(session, store)
    assert (row.email, row.reason, row.source, row.consent_written_back_at) == (
        EMAIL,
        "unsubscribed",
        "page",
        None,
    )
    for item in (customer, guest, other, active, claimed, done, bobs):
        session.refresh(item)
    assert customer.consent == guest.consent == "unsubscribed" and other.consent == "subscribed"
    assert (active.state, active.exit_reason, active.next_run_at) == (
        "exited",
        "unsubscribed",
        None,
    )
    assert claimed.state == "exited" and done.state == "completed" and bobs.state == "active"
    assert due_enrollments(session, store) == [bobs]
    audit = session.scalars(select(AuditEntry).where(AuditEntry.store_id == store.id)).one()
    assert audit.action == "customer.unsubscribed" and EMAIL not in str(audit.detail)


def test_unsubscribing_twice_changes_nothing_the_second_time(session: Session) -> None:
    store = make_store(session)
    make_enrollment(session, make_customer(session, store), "active")
    unsubscribe(session, store, EMAIL, source="page")
    again = unsubscribe(session, store, EMAIL, source="list_unsubscribe")
    assert not again.changed
    assert len(suppressions(session, store)) == 1
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == 1


def test_an_unknown_address_is_still_suppressed(session: Session) -> None:
    store = make_store(session)
    result = unsubscribe(session, store, "stranger@example.com", source="page")
    assert result.newly_suppressed and result.customers_updated == 0


def test_an_explicit_unsubscribe_upgrades_a_bounce_suppression(session: Session) -> None:
    store = make_store(session)
    session.add(Suppression(store_id=store.id, email=EMAIL, reason="bounced", source="sendgrid"))
    session.flush()
    result = unsubscribe(session, store, EMAIL, source="page")
    [row] = suppressions(session, store)
    session.refresh(row)
    assert not result.newly_suppressed and row.reason == "unsubscribed"


def test_a_non_address_is_refused(session: Session) -> None:
    store = make_store(session)
    with pytest.raises(ValueError, match="not an email address"):
        unsubscribe(session, store, "nobody", source="page")
    assert suppressions(session, store) == []


# --- the page and RFC 8058 one-click -------------------------------------------------------------


@pytest.fixture
def links(runtime: Runtime) -> UnsubscribeLinks:
    return UnsubscribeLinks(runtime.settings.secret_key, runtime.settings.app_url)


def queued_job_ids(runtime: Runtime) -> list[str]:
    return JobQueues(runtime.redis).queue(DEFAULT).job_ids


def test_get_shows_a_branded_page_and_changes_nothing(
    client: FlaskClient, session: Session, links: UnsubscribeLinks, runtime: Runtime
) -> None:
    store = make_store(
        session,
        name="Snowdevil",
        settings={"accent_color": "#123abc", "logo_url": "javascript:alert(1)"},
    )
    enrollment = make_enrollment(session, make_customer(session, store), "active")
    session.commit()
    response = client.get(links.unsubscribe_url(store.key, EMAIL).removeprefix(links.app_url))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Unsubscribe from Snowdevil emails?" in page and "a•••@example.com" in page
    assert 'method="post"' in page and "#123abc" in page
    assert "<script" not in page and "javascript:" not in page and EMAIL not in page
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    assert suppressions(session, store) == [] and queued_job_ids(runtime) == []
    session.refresh(enrollment)
    assert enrollment.state == "active"


@pytest.mark.parametrize("multipart", [False, True])
def test_one_click_post_unsubscribes_without_cookies_or_csrf(
    client: FlaskClient,
    session: Session,
    links: UnsubscribeLinks,
    runtime: Runtime,
    multipart: bool,
) -> None:
    store = make_store(session, name="Snowdevil")
    enrollment = make_enrollment(session, make_customer(session, store), "active")
    session.commit()
    path = links.unsubscribe_url(store.key, EMAIL).removeprefix(links.app_url)
    response = client.post(
        path,
        data={"List-Unsubscribe": "One-Click"},
        content_type="multipart/form-data" if multipart else "application/x-www-form-urlencoded",
    )
    assert response.status_code == 200 and "You are unsubscribed" in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers and "Location" not in response.headers
    [row] = suppressions(session, store)
    assert row.source == "list_unsubscribe"
    session.refresh(enrollment)
    assert (enrollment.state, enrollment.exit_reason) == ("exited", "unsubscribed")
    assert due_enrollments(session, store) == []
    assert [job for job in queued_job_ids(runtime) if job.startswith("consent-")]
    assert EMAIL not in "".join(queued_job_ids(runtime))
    # A second POST (the provider retrying) is fine and changes nothing more.
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert len(suppressions(session, store)) == 1
    # And the page now says so.
    assert "You are unsubscribed" in client.get(path).get_data(as_text=True)


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_bad_or_foreign_token_is_a_404_page_and_changes_nothing(
    client: FlaskClient, session: Session, links: UnsubscribeLinks, method: str
) -> None:
    store = make_store(session)
    session.commit()
    good = links.token(store.key, EMAIL)
    foreign = UnsubscribeLinks("some-other-secret-key-123", links.app_url).token(store.key, EMAIL)
    tokens = [good[:-2] + "AA", foreign, "garbage", links.token("no-such-store", EMAIL)]
    for token in tokens:
        response = getattr(client, method)(f"/u/{token}", data={"List-Unsubscribe": "One-Click"})
        assert response.status_code == 404
        assert "not valid" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Suppression)) == 0


# --- the write-back job --------------------------------------------------------------------------


@pytest.fixture
def connector(monkeypatch: pytest.MonkeyPatch) -> RecordingConnector:
    fake = RecordingConnector()

    def connector_for(store):
        # The real factory reads the store (its platform, domain, keys) outside the job's
        # session: the row must still be readable there.
        assert store.platform and store.domain
        return fake

    monkeypatch.setattr(consent, "connector_for", connector_for)
    return fake


def test_write_back_sets_platform_consent_once(
    session: Session, runtime: Runtime, connector: RecordingConnector
) -> None:
    store = make_store(session)
    make_customer(session, store, platform_id="7")
    make_customer(session, store, platform_id=None)
    unsubscribe(session, store, EMAIL, source="page")
    session.commit()

    assert consent.write_back_unsubscribe(store.id, EMAIL) == "written"
    assert [(c.customer_platform_id, c.email, c.subscribed) for c in connector.consent_calls] == [
        ("7", EMAIL, False)
    ]
    [row] = suppressions(session, store)
    session.refresh(row)
    assert row.consent_written_back_at is not None
    assert consent.write_back_unsubscribe(store.id, EMAIL) == "already_written"
    assert len(connector.consent_calls) == 1


def test_write_back_of_a_guest_goes_by_email(
    session: Session, runtime: Runtime, connector: RecordingConnector
) -> None:
    store = make_store(session, platform="woocommerce")
    unsubscribe(session, store, EMAIL, source="page")
    session.commit()
    assert consent.write_back_unsubscribe(store.id, EMAIL) == "written"
    assert [(c.customer_platform_id, c.email) for c in connector.consent_calls] == [(None, EMAIL)]


def test_a_failed_write_back_stays_owed_and_the_sweep_queues_it(
    session: Session, runtime: Runtime, connector: RecordingConnector
) -> None:
    store = make_store(session)
    make_customer(session, store, platform_id="7")
    make_customer(session, store, platform_id="8", email=EMAIL)
    connector.fail_with["7"] = Transient("platform timed out")
    unsubscribe(session, store, EMAIL, source="page")
    row = suppressions(session, store)[0]
    row.created_at = utcnow() - timedelta(minutes=10)
    session.commit()

    with pytest.raises(Transient):
        consent.write_back_unsubscribe(store.id, EMAIL)
    session.refresh(row)
    assert row.consent_written_back_at is None
    assert consent.requeue_owed_write_backs() == 1
    assert consent.requeue_owed_write_backs() == 0  # already waiting in the queue

    connector.fail_with["7"] = NotFound("customer deleted on the platform")
    assert consent.write_back_unsubscribe(store.id, EMAIL) == "written"
    assert [c.customer_platform_id for c in connector.consent_calls] == ["8"]


def test_write_back_skips_a_resubscribed_address_and_an_uninstalled_store(
    session: Session, runtime: Runtime, connector: RecordingConnector
) -> None:
    store = make_store(session)
    gone = make_store(session, status="uninstalled")
    unsubscribe(session, gone, EMAIL, source="page")
    session.commit()
    assert consent.write_back_unsubscribe(store.id, EMAIL) == "not_unsubscribed"
    assert consent.write_back_unsubscribe(gone.id, EMAIL) == "store_inactive"
    assert consent.write_back_unsubscribe(999_999, EMAIL) == "store_inactive"
    assert connector.consent_calls == []
