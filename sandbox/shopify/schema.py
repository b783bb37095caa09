"""The real Admin GraphQL schema (2026-07 SDL, specs/) and how the sandbox executes on it.

The SDL is built once per process with `assume_valid=True`: graphql-core 3.3 reports four
deprecation mismatches in Shopify's own SDL (specs README) that would otherwise make every
`validate()` raise. Resolvers are data: a dict shaped like the schema type, whose values are
plain data or callables `(info, **args)` evaluated only when the field is selected. A field the
dict does not have at all is answered with a clear SANDBOX_NOT_IMPLEMENTED error rather than a
made-up value.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo, GraphQLSchema, build_schema

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SDL = PROJECT_ROOT / "specs" / "shopify-admin-2026-07.graphql"


def sdl_path() -> Path:
    """SHOPIFY_ADMIN_SDL when set, else the copy in specs/."""
    return Path(os.environ.get("SHOPIFY_ADMIN_SDL", DEFAULT_SDL))


@functools.cache
def admin_schema() -> GraphQLSchema:
    """The 2026-07 Admin API schema (about 3 s to build, so once per process)."""
    return build_schema(sdl_path().read_text(encoding="utf-8"), assume_valid=True)


def resolve_field(source: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
    """Field resolver for data-shaped dicts; see the module docstring."""
    if isinstance(source, Mapping):
        if info.field_name not in source:
            raise GraphQLError(
                f"The Shopify sandbox does not implement {info.parent_type.name}.{info.field_name}",
                extensions={"code": "SANDBOX_NOT_IMPLEMENTED"},
            )
        value = source[info.field_name]
        return value(info, **args) if callable(value) else value
    return getattr(source, info.field_name, None)
