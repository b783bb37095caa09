"""Request arguments checked the way WordPress's `rest_validate_value_from_schema` checks them.

A null argument counts as absent (`WP_REST_Request::has_valid_params` skips nulls). Integers
accept numeric strings, booleans accept "true"/"false"/"1"/"0", arrays accept a comma-separated
string (`wp_parse_list`); a string must really be a string.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sandbox.woocommerce.errors import WooError, missing_params

_EMAIL = re.compile(r"^[a-zA-Z0-9!#$%&'*+/=?^_`{|}~.-]+@[a-zA-Z0-9-]+(\.[a-zA-Z0-9-]+)+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}(:?\d{2})?)?$")


@dataclass(frozen=True)
class Arg:
    """One argument of a route, as in the route's JSON-schema `args`."""

    name: str
    type: str
    enum: tuple[Any, ...] | None = None
    items: str | None = None
    minimum: int | None = None
    maximum: int | None = None
    required: bool = False
    format: str | None = None
    default: Any = None


class _Invalid(Exception):
    def __init__(self, reason: str, code: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


def validate(params: Mapping[str, Any], args: Sequence[Arg]) -> dict[str, Any]:
    """Coerced values of the present arguments (defaults filled in); WooError if any is bad."""
    missing = [arg.name for arg in args if arg.required and params.get(arg.name) is None]
    if missing:
        raise missing_params(missing)
    values: dict[str, Any] = {}
    errors: dict[str, _Invalid] = {}
    for arg in args:
        raw = params.get(arg.name)
        if raw is None:
            if arg.default is not None:
                values[arg.name] = arg.default
            continue
        try:
            values[arg.name] = _coerce(arg, raw, arg.name)
        except _Invalid as invalid:
            errors[arg.name] = invalid
    if errors:
        raise _as_error(errors)
    return values


def _as_error(errors: dict[str, _Invalid]) -> WooError:
    names = ", ".join(errors)
    return WooError(
        "rest_invalid_param",
        f"Invalid parameter(s): {names}",
        400,
        {
            "params": {name: e.reason for name, e in errors.items()},
            "details": {
                name: {"code": e.code, "message": e.reason, "data": {"param": name}}
                for name, e in errors.items()
            },
        },
    )


def _coerce(arg: Arg, raw: Any, label: str) -> Any:
    value = _COERCERS[arg.type](raw, label)
    if arg.type == "array" and arg.items:
        item_arg = Arg(name=label, type=arg.items, enum=arg.enum)
        return [_coerce(item_arg, item, f"{label}[{i}]") for i, item in enumerate(value)]
    if arg.enum is not None and value not in arg.enum:
        raise _Invalid(f"{label} is not one of {_wp_list(arg.enum)}.", "rest_not_in_enum")
    _check_bounds(arg, value, label)
    _check_format(arg, value)
    return value


def _check_bounds(arg: Arg, value: Any, label: str) -> None:
    if arg.type != "integer" or (arg.minimum is None and arg.maximum is None):
        return
    low, high = arg.minimum, arg.maximum
    if low is not None and high is not None and not low <= value <= high:
        reason = f"{label} must be between {low} (inclusive) and {high} (inclusive)"
        raise _Invalid(reason, "rest_out_of_bounds")
    if low is not None and high is None and value < low:
        raise _Invalid(f"{label} must be greater than or equal to {low}", "rest_out_of_bounds")


def _check_format(arg: Arg, value: Any) -> None:
    if arg.format == "email" and value != "" and not _EMAIL.match(value):
        raise _Invalid("Invalid email address.", "rest_invalid_email")
    if arg.format == "date-time" and not _DATE.match(value):
        raise _Invalid("Invalid date.", "rest_invalid_date")


def _wp_list(values: Sequence[Any]) -> str:
    words = [str(v) for v in values]
    if len(words) <= 2:
        return " and ".join(words)
    return ", ".join(words[:-1]) + ", and " + words[-1]


def _string(raw: Any, label: str) -> str:
    if not isinstance(raw, str):
        raise _Invalid(f"{label} is not of type string.", "rest_invalid_type")
    return raw


def _integer(raw: Any, label: str) -> int:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str) and re.fullmatch(r"\s*-?\d+\s*", raw):
        return int(raw)
    raise _Invalid(f"{label} is not of type integer.", "rest_invalid_type")


def _number(raw: Any, label: str) -> float:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return float(raw)
    if isinstance(raw, str):
        try:
            return float(raw)
        except ValueError:
            pass
    raise _Invalid(f"{label} is not of type number.", "rest_invalid_type")


def _boolean(raw: Any, label: str) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str) and raw.lower() in ("true", "false", "1", "0"):
        return raw.lower() in ("true", "1")
    raise _Invalid(f"{label} is not of type boolean.", "rest_invalid_type")


def _array(raw: Any, label: str) -> list[Any]:
    if isinstance(raw, list):
        return raw
    if isinstance(raw, dict) and all(str(key).isdigit() for key in raw):
        return [raw[key] for key in sorted(raw, key=lambda k: int(k))]
    if isinstance(raw, str):
        return [part for part in re.split(r"[\s,]+", raw) if part]
    raise _Invalid(f"{label} is not of type array.", "rest_invalid_type")


def _object(raw: Any, label: str) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    raise _Invalid(f"{label} is not of type object.", "rest_invalid_type")


def _any(raw: Any, _label: str) -> Any:
    return raw


_COERCERS = {
    "string": _string,
    "integer": _integer,
    "number": _number,
    "boolean": _boolean,
    "array": _array,
    "object": _object,
    "any": _any,
}


def collection_args(
    orderby: tuple[str, ...], default_orderby: str, order: str = "desc"
) -> list[Arg]:
    """The pagination, search and ordering arguments every WooCommerce collection takes."""
    return [
        Arg("page", "integer", minimum=1, default=1),
        Arg("per_page", "integer", minimum=1, maximum=100, default=10),
        Arg("offset", "integer"),
        Arg("search", "string"),
        Arg("include", "array", items="integer"),
        Arg("exclude", "array", items="integer"),
        Arg("order", "string", enum=("asc", "desc"), default=order),
        Arg("orderby", "string", enum=orderby, default=default_orderby),
        Arg("context", "string", enum=("view", "edit")),
    ]


def date_filter_args() -> list[Arg]:
    """`after`, `before`, `modified_after`, `modified_before`, `dates_are_gmt`."""
    return [
        Arg("after", "string", format="date-time"),
        Arg("before", "string", format="date-time"),
        Arg("modified_after", "string", format="date-time"),
        Arg("modified_before", "string", format="date-time"),
        Arg("dates_are_gmt", "boolean", default=False),
    ]
