"""Money as WooCommerce writes it: strings with 2 decimals in REST, minor units in the Store API."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0")
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "$", "AUD": "$", "JPY": "¥"}


def to_decimal(value: object) -> Decimal | None:
    """A Decimal from a number or numeric string; None if it is not one."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def rounded(amount: Decimal) -> Decimal:
    """Rounded to cents, half up (`wc_round_tax_total`/`round()` in PHP)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def rest_money(amount: Decimal | None) -> str:
    """`wc_format_decimal($x, 2)`: "29.35"."""
    return str(rounded(amount if amount is not None else ZERO))


def minor_units(amount: Decimal) -> str:
    """Store API prices: integer minor units as a string ("1800" for 18.00)."""
    return str(int(rounded(amount) * 100))


def php_number(amount: Decimal) -> int | float:
    """A line item's `price`, a JSON number in WooCommerce (3 or 12.5)."""
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def currency_symbol(currency: str) -> str:
    """The symbol shown in prices."""
    return CURRENCY_SYMBOLS.get(currency, currency)


def price_html(amount: str, currency: str) -> str:
    """`wc_price()` markup as in `price_html`."""
    symbol = "&#36;" if currency_symbol(currency) == "$" else currency_symbol(currency)
    value = rest_money(to_decimal(amount)) if amount != "" else ""
    if value == "":
        return ""
    return (
        '<span class="woocommerce-Price-amount amount"><bdi><span class="woocommerce-Price-'
        f'currencySymbol">{symbol}</span>{value}</bdi></span>'
    )
