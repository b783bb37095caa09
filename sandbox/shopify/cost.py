"""Calculated query cost, after Shopify's published rules (research §5, shopify.dev rate limits):

- scalars and enums cost 0; an object costs 1; `PageInfo` and `*Edge` wrappers cost 0;
- a connection costs 2 + (first or last) × the cost of one item (`edges { node }` or `nodes`);
- each mutation field costs 10 plus the cost of what it selects from its payload;
- union/interface selections are summed over their fragments (Shopify takes the maximum).

The requested cost is computed from the document before execution (page sizes as requested);
the actual cost walks the returned data (pages as returned, null objects free). Shopify's real
numbers are somewhat lower for deeply nested selections: the sandbox errs on the high side.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_leaf_type,
)

MUTATION_COST = 10
MAX_PAGE = 250


class CostCalculator:
    """Requested and actual cost of one operation."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables

    def cost(self, operation: OperationDefinitionNode, data: dict[str, Any] | None = None) -> int:
        """Requested cost when `data` is None, else the actual cost of that result."""
        root = root_type(self.schema, operation)
        if operation.operation != OperationType.MUTATION:
            return self._selection(operation.selection_set, root, data)
        total = 0
        for node, field in self._fields(operation.selection_set, root):
            key = _key(node)
            if data is not None and key not in data:
                continue
            payload = data.get(key) if data is not None else None
            total += MUTATION_COST
            if node.selection_set is not None and (data is None or payload is not None):
                payload_type = get_named_type(field.type)
                total += self._selection(node.selection_set, payload_type, payload)
        return total

    def _fields(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType
    ) -> Iterator[tuple[FieldNode, GraphQLField]]:
        fields = getattr(parent, "fields", {})
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                field = fields.get(selection.name.value)
                if field is not None:
                    yield selection, field
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                if target is not None:
                    yield from self._fields(selection.selection_set, target)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                target = (
                    self.schema.get_type(fragment.type_condition.name.value) if fragment else None
                )
                if fragment is not None and target is not None:
                    yield from self._fields(fragment.selection_set, target)

    def _selection(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType, data: Any
    ) -> int:
        total = 0
        for node, field in self._fields(selection_set, parent):
            key = _key(node)
            if data is not None and key not in data:
                continue
            value = data.get(key) if data is not None else None
            total += self._field(node, field, value, actual=data is not None)
        return total

    def _field(self, node: FieldNode, field: GraphQLField, value: Any, actual: bool) -> int:
        named = get_named_type(field.type)
        if is_leaf_type(named) or node.selection_set is None or (actual and value is None):
            return 0
        children = node.selection_set
        if named.name.endswith("Connection"):
            if actual:
                return 2 + self._selection(children, named, value)
            return 2 + self._page_size(node) * self._selection(children, named, None)
        own = 0 if named.name == "PageInfo" or named.name.endswith("Edge") else 1
        if not actual:
            return own + self._selection(children, named, None)
        if isinstance(value, list):
            items = [self._selection(children, named, item) for item in value if item is not None]
            if node.name.value in ("nodes", "edges"):  # the items of a connection page
                return own * len(items) + sum(items)
            return own + sum(items)
        return own + self._selection(children, named, value)

    def _page_size(self, node: FieldNode) -> int:
        for argument in node.arguments or ():
            if argument.name.value not in ("first", "last"):
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return min(int(value.value), MAX_PAGE)
            if isinstance(value, VariableNode):
                size = self.variables.get(value.name.value)
                return min(size, MAX_PAGE) if isinstance(size, int) else 0
        return 0


def root_type(schema: GraphQLSchema, operation: OperationDefinitionNode) -> GraphQLObjectType:
    """QueryRoot or Mutation for `operation`."""
    is_mutation = operation.operation == OperationType.MUTATION
    root = schema.mutation_type if is_mutation else schema.query_type
    if root is None:
        raise RuntimeError("the Admin schema has no root type for this operation")
    return root


def _key(node: FieldNode) -> str:
    return node.alias.value if node.alias else node.name.value
