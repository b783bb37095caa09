"""Errors worded as Shopify words them.

Shopify runs graphql-ruby, so a document that names an unknown field fails with HTTP 200 and
`{"errors":[{"message":"Field 'brand' doesn't exist on type 'Shop'", "locations": [...],
"extensions":{"code":"undefinedField", ...}}]}` rather than graphql-core's wording. The common
validation failures are translated; the rest keep graphql-core's message. Variable problems and
oversized input arrays follow captured Shopify responses (research §4.2, draft-proxy fixtures).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from graphql import (
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    get_argument_values,
)
from graphql.execution.values import VariableValues, get_variable_values

from sandbox.shopify.cost import root_type

MAX_INPUT_ARRAY = 250
Translation = Callable[[re.Match[str]], tuple[str, dict[str, Any]]]

TRANSLATIONS: list[tuple[re.Pattern[str], Translation]] = [
    (
        re.compile(r"^Cannot query field '(\w+)' on type '(\w+)'\."),
        lambda m: (
            f"Field '{m[1]}' doesn't exist on type '{m[2]}'",
            {"code": "undefinedField", "typeName": m[2], "fieldName": m[1]},
        ),
    ),
    (
        re.compile(r"^Unknown argument '(\w+)' on field '(\w+)\.(\w+)'\."),
        lambda m: (
            f"Field '{m[3]}' doesn't accept argument '{m[1]}'",
            {
                "code": "argumentNotAccepted",
                "name": m[3],
                "typeName": "Field",
                "argumentName": m[1],
            },
        ),
    ),
    (
        re.compile(r"^Argument '\w+\.(\w+)\((\w+):\)' of type '.+' is required, but it was not"),
        lambda m: (
            f"Field '{m[1]}' is missing required arguments: {m[2]}",
            {
                "code": "missingRequiredArguments",
                "className": "Field",
                "name": m[1],
                "arguments": m[2],
            },
        ),
    ),
    (
        re.compile(r"^Field '(\w+)' of type '(.+?)' must have a selection of subfields"),
        lambda m: (
            f"Field must have selections (field '{m[1]}' returns {m[2].strip('[]!')} but has no "
            f"selections. Did you mean '{m[1]} {{ ... }}'?)",
            {
                "code": "selectionMismatch",
                "nodeName": f"field '{m[1]}'",
                "typeName": m[2].strip("[]!"),
            },
        ),
    ),
    (
        re.compile(
            r"^(?:Enum '\w+' cannot represent|Value '\w+' does not exist in|Expected value)"
        ),
        lambda m: (m.string, {"code": "argumentLiteralsIncompatible"}),
    ),
]


def _locations(error: GraphQLError) -> list[dict[str, int]]:
    return [{"line": loc.line, "column": loc.column} for loc in error.locations or []]


def shopify_error(error: GraphQLError) -> dict[str, Any]:
    """One validation error as Shopify reports it."""
    for pattern, translate in TRANSLATIONS:
        match = pattern.match(error.message)
        if match:
            message, extensions = translate(match)
            return {"message": message, "locations": _locations(error), "extensions": extensions}
    return {"message": error.message, "locations": _locations(error)}


def syntax_error(error: GraphQLError) -> dict[str, Any]:
    """A parse failure, graphql-ruby style ("Parse error on ... at [line, column]")."""
    where = error.locations[0] if error.locations else None
    at = f" at [{where.line}, {where.column}]" if where else ""
    detail = error.message.removeprefix("Syntax Error: ")
    return {
        "message": f"Parse error: {detail}{at}",
        "locations": _locations(error),
        "extensions": {"code": "parseError"},
    }


def coerce_variables(
    schema: GraphQLSchema, operation: OperationDefinitionNode, raw: dict[str, Any]
) -> tuple[VariableValues | None, list[dict[str, Any]]]:
    """(coerced variables, Shopify-style INVALID_VARIABLE errors)."""
    result = get_variable_values(schema, operation.variable_definitions or (), raw)
    if isinstance(result, VariableValues):
        return result, []
    errors = []
    for error in result:
        match = re.match(r"^Variable '\$(\w+)'", error.message)
        name = match[1] if match else "?"
        definition = next(
            (d for d in operation.variable_definitions or () if d.variable.name.value == name), None
        )
        type_text = _type_text(definition.type) if definition is not None else "?"
        explanation = error.message.split("; ", 1)[-1]
        errors.append(
            {
                "message": f"Variable ${name} of type {type_text} was provided invalid value",
                "locations": _locations(error),
                "extensions": {
                    "code": "INVALID_VARIABLE",
                    "value": raw.get(name),
                    "problems": [{"path": [], "explanation": explanation}],
                },
            }
        )
    return None, errors


def _type_text(node: Any) -> str:
    from graphql import print_ast

    return str(print_ast(node))


def oversized_inputs(
    schema: GraphQLSchema, operation: OperationDefinitionNode, variables: VariableValues
) -> list[dict[str, Any]]:
    """MAX_INPUT_SIZE_EXCEEDED for any list argument of a root field longer than 250."""
    root = root_type(schema, operation)
    errors = []
    for node in operation.selection_set.selections:
        if not isinstance(node, FieldNode) or node.name.value not in root.fields:
            continue
        values = get_argument_values(root.fields[node.name.value], node, variables)
        for name, value in values.items():
            size = _largest_list(value)
            if size > MAX_INPUT_ARRAY:
                loc = node.loc.source.get_location(node.loc.start) if node.loc else None
                errors.append(
                    {
                        "message": f"The input array size of {size} is greater than the maximum "
                        f"allowed of {MAX_INPUT_ARRAY}.",
                        "locations": [{"line": loc.line, "column": loc.column}] if loc else [],
                        "path": [node.name.value, name],
                        "extensions": {"code": "MAX_INPUT_SIZE_EXCEEDED"},
                    }
                )
    return errors


def _largest_list(value: Any) -> int:
    if isinstance(value, list):
        return max([len(value), *(_largest_list(item) for item in value)])
    if isinstance(value, dict):
        return max([0, *(_largest_list(item) for item in value.values())])
    return 0
