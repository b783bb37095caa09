"""The admin blueprint, and the short list of its pages that need no signed-in store."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint

ViewT = TypeVar("ViewT", bound=Callable[..., object])

bp = Blueprint(
    "admin", __name__, url_prefix="/admin", static_folder="static", static_url_path="/static"
)

#: Endpoints reachable without a store. Everything else under /admin requires one: the guard
#: in `access.py` runs before every view, so a new page is private unless marked `@public`.
PUBLIC_ENDPOINTS: set[str] = {"admin.static"}


def public(view: ViewT) -> ViewT:
    """Mark a view as reachable without a signed-in store (login and App Bridge pages)."""
    PUBLIC_ENDPOINTS.add(f"{bp.name}.{view.__name__}")
    return view


#: POST endpoints that change nothing (they only carry an input too large for a URL, such as an
#: email draft to preview into a frame). Inside Shopify they may be authenticated by the
#: `id_token` query parameter like a document load, since a form posted into a frame cannot set
#: an Authorization header; a write never can.
READ_ONLY_POSTS: set[str] = set()


def read_only_post(view: ViewT) -> ViewT:
    """Mark a view whose POST only reads (see READ_ONLY_POSTS)."""
    READ_ONLY_POSTS.add(f"{bp.name}.{view.__name__}")
    return view
