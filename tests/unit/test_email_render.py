"""Every default email renders, in HTML and text, with safe links, escaped input and local money."""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest

from app.core.messaging.contracts import Branding, EmailContext, EmailProduct, TemplateOverride
from app.core.messaging.render import TemplateRenderer, UnknownTemplate, text_to_html
from app.core.messaging.variables import UnsafeLink

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "emails"
NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
STEPS = [
    ("abandoned_cart", 0),
    ("abandoned_cart", 1),
    ("abandoned_cart", 2),
    ("birthday", 0),
    ("cross_sell", 0),
    ("product_interest", 0),
]


@pytest.fixture(scope="module")
def renderer() -> TemplateRenderer:
    return TemplateRenderer(TEMPLATES, clock=lambda: NOW)


def checkout_context(
    recipe: str = "abandoned_cart", step: int = 1, **changes: object
) -> EmailContext:
    """Values from Shopify's checkouts/create sample payload (shared/fixtures)."""
    context = EmailContext(
        recipe=recipe,
        step=step,
        to_email="example@email.com",
        branding=Branding(
            store_name="Snowdevil",
            store_url="https://snowdevil.example",
            from_email="hello@snowdevil.example",
            from_name="Snowdevil",
            postal_address="150 Elgin Street\nOttawa, ON K2P 1L4\nCanada",
            logo_url="/cdn/logo.png",
            accent_color="#1a73e8",
        ),
        currency="USD",
        locale="en",
        timezone="America/Toronto",
        cta_url="https://checkout.local/548380009/checkouts/123123123/recover?key=example-secret-token",
        unsubscribe_url="https://nudge.test/u/token123",
        first_name="John",
        products=(
            EmailProduct(
                title="IPod Nano - 8GB",
                url="/products/ipod-nano",
                price=Decimal("199.00"),
                image_url="https://cdn.example/ipod-nano-pink.png",
                variant_title="Pink",
                quantity=2,
            ),
            EmailProduct(
                title="Leather case",
                url="https://snowdevil.example/products/case",
                price=Decimal("29.00"),
                reason="Because you bought IPod Nano - 8GB",
            ),
        ),
        cart_subtotal=Decimal("398.00"),
        code="SAVE-7KQ2M9",
        code_expires_at=NOW + timedelta(hours=72),
        discount_label="10% off",
    )
    return dataclasses.replace(context, **changes)


class PageScan(HTMLParser):
    """Collects tags, attributes and links of a rendered page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            self.attributes.append((name, value or ""))
            if name in ("href", "src"):
                self.links.append(value or "")


def scan(html: str) -> PageScan:
    page = PageScan()
    page.feed(html)
    return page


def test_templates_exist_for_exactly_the_recipe_steps(renderer: TemplateRenderer) -> None:
    assert renderer.steps() == STEPS


@pytest.mark.parametrize(("recipe", "step"), STEPS)
def test_every_default_email_renders_complete(
    renderer: TemplateRenderer, recipe: str, step: int
) -> None:
    email = renderer.render(checkout_context(recipe, step))
    page = scan(email.html)
    assert email.subject and "\n" not in email.subject and "{" not in email.subject
    for part in (email.html, email.text):
        assert "{{" not in part and "{%" not in part
        assert "IPod Nano - 8GB" in part and "Leather case" in part
        assert "SAVE-7KQ2M9" in part
        assert "https://nudge.test/u/token123" in part
        assert "Ottawa, ON K2P 1L4" in part and "Snowdevil" in part
    assert "https://snowdevil.example/products/ipod-nano" in email.text
    assert "Because you bought IPod Nano - 8GB" in email.html
    # Links absolute (the relative product link and logo resolved against the store).
    assert page.links and all(link.startswith(("https://", "http://")) for link in page.links)
    assert "https://snowdevil.example/cdn/logo.png" in page.links
    assert "https://snowdevil.example/products/ipod-nano" in page.links
    # CSS inlined; the phone layout stays as a media query.
    assert 'class="headline text" style="' in email.html
    assert "@media only screen and (max-width: 620px)" in email.html
    assert "#1a73e8" in email.html
    assert email.html.count("<p class=") >= 2


def test_the_code_block_shows_the_expiry_in_the_recipients_zone(renderer: TemplateRenderer) -> None:
    email = renderer.render(checkout_context())
    assert "Valid until Thu, Nov 26, 2026, 9:00\u202fAM EST (in 3 days)" in email.text


@pytest.mark.parametrize(
    ("currency", "locale", "zone", "price", "expiry"),
    [
        ("USD", "en", "America/New_York", "$199.00", "in 3 days"),
        ("EUR", "de", "Europe/Berlin", "199,00\xa0€", "Do., 26. Nov. 2026, 15:00 MEZ (in 3 Tagen)"),
        ("JPY", "ja", "Asia/Tokyo", "￥1,990", "2026年11月26日(木) 23:00 JST"),
    ],
)
def test_money_and_dates_follow_currency_and_locale(
    renderer: TemplateRenderer, currency: str, locale: str, zone: str, price: str, expiry: str
) -> None:
    product = EmailProduct(
        title="Item", url="/p", price=Decimal("1990") if currency == "JPY" else Decimal("199")
    )
    email = renderer.render(
        checkout_context(currency=currency, locale=locale, timezone=zone, products=(product,))
    )
    assert price in email.text
    assert price.replace("\xa0", "&nbsp;") in email.html  # css-inline writes the entity
    assert expiry in email.text
    assert f'<html lang="{locale}">' in email.html


def test_merchant_and_shopper_input_is_escaped(renderer: TemplateRenderer) -> None:
    evil = '<script>alert("x")</script>'
    context = checkout_context(
        first_name='<img src=x onerror="alert(1)">',
        branding=dataclasses.replace(
            checkout_context().branding,
            store_name=f"Tom & Jerry {evil}",
            postal_address=f"1 Main St {evil}\nSpringfield",
            accent_color="red;background:url(https://evil.example/x)",
        ),
        products=(
            EmailProduct(
                title=f"Shoe {evil}",
                url="javascript:alert(1)",
                price=Decimal("10"),
                image_url="data:image/png;base64,AAAA",
                variant_title='"><b>bold</b>',
                reason=evil,
            ),
        ),
    )
    override = TemplateOverride(body='Hi {{ first_name }} <a href="javascript:alert(1)">click</a>')
    email = renderer.render(context, override)
    page = scan(email.html)
    assert "script" not in page.tags and "b" not in page.tags
    assert "img" not in [tag for tag in page.tags if tag == "img" and "x" in page.links]
    assert not [name for name, _ in page.attributes if name.startswith("on")]
    assert all(link.startswith("https://") for link in page.links)
    assert "https://evil.example" not in email.html
    assert "&lt;script&gt;" in email.html and "Tom &amp; Jerry" in email.html
    assert "#008060" in email.html  # the refused colour fell back to the default
    # In the text part nothing is escaped: it is text.
    assert f"Shoe {evil}" in email.text


def test_a_merchant_override_replaces_subject_and_body(renderer: TemplateRenderer) -> None:
    override = TemplateOverride(
        subject="{{ greeting_name }}, your cart\r\nBcc: victim@example.com",
        body="Hello {{ first_name }}!\n\nUse {{ code }} at https://snowdevil.example/sale.\nThanks",
    )
    email = renderer.render(checkout_context(), override)
    assert email.subject == "John, your cart Bcc: victim@example.com"
    assert "Hello John!" in email.text and "Use SAVE-7KQ2M9 at" in email.text
    assert (
        '<a href="https://snowdevil.example/sale">https://snowdevil.example/sale</a>.' in email.html
    )
    # The layout's compliance parts stay whatever the merchant writes.
    assert "https://nudge.test/u/token123" in email.html and "Ottawa" in email.html


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''|attr('__class__') }}",
        "{{ '{0.__class__}'.format(1) }}",
        "{{ extra.missing_key }}",
        "{% for i in range(10**6) %}x{% endfor %}",
    ],
)
def test_a_broken_or_hostile_override_falls_back_to_the_default(
    renderer: TemplateRenderer, source: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        email = renderer.render(checkout_context(), TemplateOverride(subject=source, body=source))
    default = renderer.render(checkout_context())
    assert email.subject == default.subject
    assert email.text == default.text
    assert "<class" not in email.html and "object" not in email.subject
    assert "failed, using the default" in caplog.text


def test_default_sources_are_what_a_merchant_starts_from(renderer: TemplateRenderer) -> None:
    defaults = renderer.default_override("abandoned_cart", 1)
    assert defaults.subject and "{{" in defaults.subject
    assert defaults.body and defaults.body.startswith("Hi {{ greeting_name }},")
    assert renderer.render(checkout_context(), defaults) == renderer.render(checkout_context())


def test_an_unknown_recipe_step_is_a_clear_error(renderer: TemplateRenderer) -> None:
    with pytest.raises(UnknownTemplate, match="'abandoned_cart' step 7"):
        renderer.render(checkout_context(step=7))


def test_an_unsafe_call_to_action_is_refused(renderer: TemplateRenderer) -> None:
    with pytest.raises(UnsafeLink, match="call-to-action"):
        renderer.render(checkout_context(cta_url="javascript:alert(1)"))


def test_without_a_code_or_name_the_email_still_reads_well(renderer: TemplateRenderer) -> None:
    email = renderer.render(
        checkout_context(step=0, code=None, code_expires_at=None, first_name=None)
    )
    assert email.text.splitlines()[4] == "Hi there,"
    assert "code" not in email.text.lower().split("--")[0]


def test_text_to_html_keeps_only_paragraphs_breaks_and_links() -> None:
    html = text_to_html('One <b>two</b>\nthree https://a.example/x?y=1&z=2.\n\n\n"Four"')
    assert html == (
        '<p class="copy">One &lt;b&gt;two&lt;/b&gt;<br>\nthree '
        '<a href="https://a.example/x?y=1&amp;z=2">https://a.example/x?y=1&amp;z=2</a>.</p>'
        '<p class="copy">&#34;Four&#34;</p>'
    )
