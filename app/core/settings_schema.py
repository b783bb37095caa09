"""Typed, validated settings: every recipe default is a field with bounds and a clear error.

A recipe declares its fields; `Schema.validate` turns what a merchant submitted (JSON from the
admin page, where numbers may arrive as strings) into a complete settings dict, or raises
`ConfigError` with one message per field so the page can show each next to its input.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

#: A cross-field rule: returns {field: message} for the fields it finds wrong.
Rule = Callable[[Mapping[str, Any]], dict[str, str]]


class ConfigError(ValueError):
    """Invalid settings; `errors` maps each offending field to a message for the merchant."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        summary = "; ".join(f"{name}: {message}" for name, message in sorted(self.errors.items()))
        super().__init__(f"invalid settings: {summary}")


@dataclass(frozen=True)
class Field:
    """One setting: its kind, default and bounds. `label` is how the admin page names it."""

    name: str
    kind: str  # "int" | "decimal" | "bool" | "choice" | "int_list"
    default: Any
    label: str = ""
    minimum: int | Decimal | None = None
    maximum: int | Decimal | None = None
    choices: tuple[str, ...] = ()
    max_items: int | None = None

    def parse(self, raw: Any) -> Any:
        """The typed value, or ValueError with a message fit for the merchant."""
        parser = _PARSERS[self.kind]
        value = parser(self, raw)
        return value


@dataclass(frozen=True)
class Schema:
    """A recipe's fields and cross-field rules."""

    fields: tuple[Field, ...]
    rules: tuple[Rule, ...] = field(default=())

    def defaults(self) -> dict[str, Any]:
        """Every field at its default."""
        return {item.name: item.default for item in self.fields}

    def validate(
        self, raw: Mapping[str, Any], *, base: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Complete, typed settings from `raw` over `base` (default: the defaults).

        Unknown fields are errors (a typo must not be silently ignored). Raises ConfigError.
        """
        by_name = {item.name: item for item in self.fields}
        settings: dict[str, Any] = self.defaults()
        if base:
            settings.update({key: value for key, value in base.items() if key in by_name})
        errors: dict[str, str] = {}
        for name, value in raw.items():
            spec = by_name.get(name)
            if spec is None:
                errors[name] = "unknown setting"
                continue
            try:
                settings[name] = spec.parse(value)
            except ValueError as error:
                errors[name] = str(error)
        if not errors:
            for rule in self.rules:
                errors.update(rule(settings))
        if errors:
            raise ConfigError(errors)
        return settings

    def to_json(self, settings: Mapping[str, Any]) -> dict[str, Any]:
        """Settings as JSON-safe values (decimals as strings) for storage."""
        return {
            key: str(value) if isinstance(value, Decimal) else value
            for key, value in settings.items()
        }


def _parse_int(spec: Field, raw: Any) -> int:
    if isinstance(raw, bool):
        raise ValueError("must be a whole number")
    if isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
        raw = int(raw.strip())
    if not isinstance(raw, int):
        raise ValueError("must be a whole number")
    _check_bounds(spec, raw)
    return raw


def _parse_decimal(spec: Field, raw: Any) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
        raise ValueError("must be a number")
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValueError("must be a number") from None
    if not value.is_finite():
        raise ValueError("must be a number")
    _check_bounds(spec, value)
    return value


def _parse_bool(_spec: Field, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in ("true", "false", "on", "off", "1", "0"):
        return raw.strip().lower() in ("true", "on", "1")
    raise ValueError("must be true or false")


def _parse_choice(spec: Field, raw: Any) -> str:
    if not isinstance(raw, str) or raw not in spec.choices:
        raise ValueError(f"must be one of: {', '.join(spec.choices)}")
    return raw


def _parse_int_list(spec: Field, raw: Any) -> list[int]:
    if isinstance(raw, str):
        raw = [part for part in raw.replace(" ", "").split(",") if part]
    if not isinstance(raw, list | tuple) or not raw:
        raise ValueError("must be a list of whole numbers")
    if spec.max_items is not None and len(raw) > spec.max_items:
        raise ValueError(f"at most {spec.max_items} values")
    values = [_parse_int(spec, item) for item in raw]
    if any(later <= earlier for earlier, later in zip(values, values[1:], strict=False)):
        raise ValueError("each value must be larger than the one before")
    return values


def _check_bounds(spec: Field, value: int | Decimal) -> None:
    if spec.minimum is not None and value < spec.minimum:
        raise ValueError(f"must be at least {spec.minimum}")
    if spec.maximum is not None and value > spec.maximum:
        raise ValueError(f"must be at most {spec.maximum}")


_PARSERS: dict[str, Callable[[Field, Any], Any]] = {
    "int": _parse_int,
    "decimal": _parse_decimal,
    "bool": _parse_bool,
    "choice": _parse_choice,
    "int_list": _parse_int_list,
}


# --- Fields every recipe shares -------------------------------------------------------------


def common_fields(
    *, priority: int, consent_modes: tuple[str, ...] = ("marketing",)
) -> tuple[Field, ...]:
    """Holdout, priority and consent mode: the settings every recipe has."""
    return (
        Field("holdout_percent", "int", 10, "Holdout group (%)", minimum=0, maximum=50),
        Field("priority", "int", priority, "Priority (1 = first)", minimum=1, maximum=100),
        Field(
            "consent_mode", "choice", consent_modes[0], "Who may receive it", choices=consent_modes
        ),
    )


def discount_fields(
    *, enabled: bool, value: int, valid_hours: int, kinds: tuple[str, ...] | None = None
) -> tuple[Field, ...]:
    """The discount a recipe's codes give, and how long a code stays valid."""
    return (
        Field("discount_enabled", "bool", enabled, "Include a unique code"),
        Field(
            "discount_kind",
            "choice",
            "percentage",
            "Discount type",
            choices=kinds or ("percentage", "fixed_amount", "free_shipping"),
        ),
        Field("discount_value", "decimal", Decimal(value), "Discount value", minimum=Decimal(0)),
        Field(
            "discount_valid_hours",
            "int",
            valid_hours,
            "Code valid for (hours)",
            minimum=1,
            maximum=24 * 90,
        ),
    )


def discount_rule(settings: Mapping[str, Any]) -> dict[str, str]:
    """A percentage is 1-100; a fixed amount is positive; free shipping needs no value."""
    if not settings.get("discount_enabled"):
        return {}
    kind, value = settings["discount_kind"], settings["discount_value"]
    if kind == "percentage" and not Decimal(1) <= value <= Decimal(100):
        return {"discount_value": "a percentage must be between 1 and 100"}
    if kind == "fixed_amount" and not Decimal(0) < value <= Decimal(100000):
        return {"discount_value": "a fixed amount must be above 0"}
    return {}
