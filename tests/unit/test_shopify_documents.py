"""Every GraphQL document the Shopify connector sends validates against the 2026-07 schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import GraphQLSchema, build_schema, parse, validate
from graphql.validation import NoDeprecatedCustomRule, specified_rules

from connectors.shopify import documents

ROOT = Path(__file__).resolve().parents[2]
#: The repository's copy (specs/), else the shared reference copy beside the repository.
CANDIDATES = (
    ROOT / "specs" / "shopify-admin-2026-07.graphql",
    Path("/work/shared/specs/shopify-admin-2026-07.graphql"),
)


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    path = next((candidate for candidate in CANDIDATES if candidate.exists()), None)
    if path is None:
        pytest.fail(f"the Admin API schema is missing; expected it at {CANDIDATES[0]}")
    # assume_valid: graphql-core 3.3 flags 4 deprecation mismatches inside Shopify's own SDL.
    return build_schema(path.read_text(), assume_valid=True)


def test_there_are_documents_to_check() -> None:
    assert len(documents.ALL_DOCUMENTS) >= 20
    assert "DISCOUNT_CODES_BULK_ADD" in documents.ALL_DOCUMENTS


@pytest.mark.parametrize("name", sorted(documents.ALL_DOCUMENTS))
def test_document_is_valid_and_uses_no_deprecated_field(schema: GraphQLSchema, name: str) -> None:
    document = parse(documents.ALL_DOCUMENTS[name])
    errors = validate(schema, document, [*specified_rules, NoDeprecatedCustomRule])
    assert not errors, [error.message for error in errors]


def test_a_wrong_document_is_caught(schema: GraphQLSchema) -> None:
    # The check itself can fail: a renamed field is reported.
    errors = validate(schema, parse("query { shop { nameOfTheShop } }"))
    assert errors and "nameOfTheShop" in errors[0].message
