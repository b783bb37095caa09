"""One GraphQL request through the pipeline Shopify applies (research §5):

parse → validate against the 2026-07 schema → coerce variables → requested cost (refused above
`max_query_cost`) → reserve it in the shop's bucket (THROTTLED when short) → input array sizes
(≤ 250) → execute → refund the difference between requested and actual cost.

Every outcome is HTTP 200 with `errors` and/or `data`, plus `extensions.cost` once the cost is
known. The caller holds `Sandbox.lock`, so executions on one sandbox are serialized.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    execute_sync,
    get_operation_ast,
    parse,
    validate,
)

from sandbox.shopify.cost import CostCalculator
from sandbox.shopify.graphql_errors import (
    coerce_variables,
    oversized_inputs,
    shopify_error,
    syntax_error,
)
from sandbox.shopify.resolvers import MUTATION_ROOT, QUERY_ROOT
from sandbox.shopify.resolvers.context import Context
from sandbox.shopify.schema import admin_schema, resolve_field

if TYPE_CHECKING:
    from sandbox.shopify.state import Sandbox, Shop

Payload = dict[str, Any]
RATE_LIMITS_DOC = "https://shopify.dev/api/usage/rate-limits"


@dataclass
class Outcome:
    """The response body and what the request log records about it."""

    payload: Payload
    operation: str = "unknown"
    name: str | None = None
    root_fields: list[str] = field(default_factory=list)
    requested_cost: int | None = None
    actual_cost: int | None = None
    throttled: bool = False


def _cost(shop: Shop, now: float, requested: int, actual: int | None) -> Payload:
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": shop.bucket.status(now),
        }
    }


def _describe(outcome: Outcome, operation: OperationDefinitionNode) -> None:
    outcome.operation = operation.operation.value
    outcome.name = operation.name.value if operation.name else None
    outcome.root_fields = [
        node.name.value
        for node in operation.selection_set.selections
        if isinstance(node, FieldNode)
    ]


def _prepare(document_text: str, operation_name: str | None) -> Outcome | Any:
    """Parse and validate; an Outcome (errors) or (document, operation)."""
    schema = admin_schema()
    try:
        document = parse(document_text)
    except GraphQLError as error:
        return Outcome({"errors": [syntax_error(error)]})
    errors = validate(schema, document)
    if errors:
        return Outcome({"errors": [shopify_error(error) for error in errors]})
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        message = (
            "An operation name is required"
            if operation_name is None
            else (f'No operation named "{operation_name}"')
        )
        return Outcome({"errors": [{"message": message}]})
    if operation.operation == OperationType.SUBSCRIPTION:
        return Outcome({"errors": [{"message": "Subscriptions are not supported"}]})
    return document, operation


def run(
    sandbox: Sandbox,
    shop: Shop,
    version: str,
    document_text: str,
    variables: dict[str, Any] | None,
    operation_name: str | None,
) -> Outcome:
    """Execute one request for `shop`; see the module docstring for the steps."""
    prepared = _prepare(document_text, operation_name)
    if isinstance(prepared, Outcome):
        return prepared
    document, operation = prepared
    outcome = Outcome({})
    _describe(outcome, operation)
    schema = admin_schema()
    coerced, variable_errors = coerce_variables(schema, operation, variables or {})
    if coerced is None:
        outcome.payload = {"errors": variable_errors}
        return outcome
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    calculator = CostCalculator(schema, fragments, coerced.coerced)
    requested = outcome.requested_cost = calculator.cost(operation)
    now, config = sandbox.now(), sandbox.config
    if requested > config.max_query_cost:
        outcome.payload = {"errors": [_max_cost_error(requested, config.max_query_cost)]}
        outcome.payload["extensions"] = _cost(shop, now, requested, None)
        return outcome
    if not shop.bucket.try_take(requested, now):
        outcome.throttled = True
        outcome.payload = {
            "errors": [
                {
                    "message": "Throttled",
                    "extensions": {"code": "THROTTLED", "documentation": RATE_LIMITS_DOC},
                }
            ],
            "extensions": _cost(shop, now, requested, None),
        }
        return outcome
    oversized = oversized_inputs(schema, operation, coerced)
    if oversized:
        outcome.payload = {"errors": oversized, "extensions": _cost(shop, now, requested, None)}
        return outcome
    _execute(sandbox, shop, version, document, operation, variables or {}, outcome, calculator)
    return outcome


def _execute(
    sandbox: Sandbox,
    shop: Shop,
    version: str,
    document: Any,
    operation: OperationDefinitionNode,
    variables: dict[str, Any],
    outcome: Outcome,
    calculator: CostCalculator,
) -> None:
    is_mutation = operation.operation == OperationType.MUTATION
    result = execute_sync(
        admin_schema(),
        document,
        root_value=MUTATION_ROOT if is_mutation else QUERY_ROOT,
        context_value=Context(sandbox, shop, version),
        variable_values=variables,
        operation_name=operation.name.value if operation.name else None,
        field_resolver=resolve_field,
    )
    requested = outcome.requested_cost or 0
    actual = min(requested, calculator.cost(operation, result.data or {}))
    now = sandbox.now()
    shop.bucket.refund(requested - actual, now)
    outcome.actual_cost = actual
    payload: Payload = {}
    if result.errors:
        payload["errors"] = [error.formatted for error in result.errors]
    payload["data"] = result.data
    payload["extensions"] = _cost(shop, now, requested, actual)
    outcome.payload = payload


def _max_cost_error(requested: int, limit: int) -> Payload:
    return {
        "message": f"Query cost is {requested}, which exceeds the single query max cost limit "
        f"({limit}).\n\nSee {RATE_LIMITS_DOC} for more information on how the cost of a query "
        "is calculated.\n\nTo query larger amounts of data with fewer limits, bulk operations "
        "should be used instead.",
        "extensions": {
            "code": "MAX_COST_EXCEEDED",
            "cost": requested,
            "maxCost": limit,
            "documentation": RATE_LIMITS_DOC,
        },
    }
