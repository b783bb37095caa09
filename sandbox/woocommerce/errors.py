"""WP_Error as the REST API renders it: `{"code", "message", "data": {"status", ...}}`."""

from __future__ import annotations

from typing import Any


class WooError(Exception):
    """An error answered with WordPress's error body and the given HTTP status."""

    def __init__(
        self, code: str, message: str, status: int = 400, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        """The JSON body WordPress sends for this error."""
        return {
            "code": self.code,
            "message": self.message,
            "data": {"status": self.status, **self.extra},
        }


def invalid_param(param: str, reason: str, code: str = "rest_invalid_type") -> WooError:
    """WP core's 400 `rest_invalid_param` for one argument that failed its schema."""
    return WooError(
        "rest_invalid_param",
        f"Invalid parameter(s): {param}",
        400,
        {
            "params": {param: reason},
            "details": {param: {"code": code, "message": reason, "data": {"param": param}}},
        },
    )


def missing_params(names: list[str]) -> WooError:
    """WP core's 400 `rest_missing_callback_param`."""
    return WooError(
        "rest_missing_callback_param",
        f"Missing parameter(s): {', '.join(names)}",
        400,
        {"params": names},
    )


def no_route() -> WooError:
    """WP core's 404 for a path/method no route matches."""
    return WooError("rest_no_route", "No route was found matching the URL and request method.", 404)


def invalid_id(post_type: str, status: int = 404, message: str = "Invalid ID.") -> WooError:
    """`woocommerce_rest_<post type>_invalid_id`."""
    return WooError(f"woocommerce_rest_{post_type}_invalid_id", message, status)
