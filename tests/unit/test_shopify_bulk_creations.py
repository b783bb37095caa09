"""The aliased status query of many bulk code creations validates against the 2026-07 schema."""

from __future__ import annotations

from graphql import parse, validate
from graphql.validation import NoDeprecatedCustomRule, specified_rules

from connectors.shopify.bulk_creations import status_document
from tests.unit.test_shopify_documents import schema  # noqa: F401 - the schema fixture


def test_status_document_is_valid_for_any_count(schema) -> None:  # noqa: F811
    for count in (1, 3, 50):
        document = parse(status_document(count))
        errors = validate(schema, document, [*specified_rules, NoDeprecatedCustomRule])
        assert not errors, [error.message for error in errors]
