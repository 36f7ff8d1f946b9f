"""Limits on the document as written, checked right after parsing and before
graphql-core's validation, in one linear pass over the syntax tree.

Validation itself is not linear: OverlappingFieldsCanBeMergedRule compares
every pair of fields sharing a response name in a selection set and every
pair of fragments spread into it, so a few thousand `__typename`s or a few
hundred one-field fragments cost seconds. Bounding the selections, the
fragments and the repeats of one response name first keeps validation cheap;
depth and cost (which need fragments expanded) come after validation."""

from __future__ import annotations

from collections import Counter

from django.utils.translation import gettext as _
from graphql import GraphQLError
from graphql.language import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

from .limits import QUERY_TOO_LARGE, TOO_MANY_ALIASES, TOO_MANY_OPERATIONS, Limits, refusal


def too_large(limit_name: str, limit: int, actual: int, nodes=None) -> GraphQLError:
    return refusal(QUERY_TOO_LARGE, _("查询过大，请减少请求的字段。"), nodes, limit=limit_name, maximum=limit,
                   actual=actual)


def scan(document: DocumentNode, limits: Limits) -> GraphQLError | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) > limits.max_operations:
        return refusal(TOO_MANY_OPERATIONS, _("一次请求中的操作或根字段过多。"), operations[limits.max_operations],
                       limit="operations", maximum=limits.max_operations, actual=len(operations))
    fragments = [d for d in document.definitions if isinstance(d, FragmentDefinitionNode)]
    if len(fragments) > limits.max_fragments:
        return too_large("fragments", limits.max_fragments, len(fragments), fragments[limits.max_fragments])

    selections = aliases = 0
    stack: list[SelectionSetNode] = [d.selection_set for d in document.definitions
                                     if getattr(d, "selection_set", None) is not None]
    while stack:
        selection_set = stack.pop()
        names: Counter[str] = Counter()
        # Fields of inline fragments merge into this selection set (as OverlappingFields sees them).
        group = [selection_set]
        while group:
            current = group.pop()
            for node in current.selections:
                selections += 1
                if isinstance(node, FieldNode):
                    if node.alias is not None:
                        aliases += 1
                    names[(node.alias or node.name).value] += 1
                    if node.selection_set is not None:
                        stack.append(node.selection_set)
                elif isinstance(node, InlineFragmentNode):
                    group.append(node.selection_set)
                elif isinstance(node, FragmentSpreadNode):
                    names["..." + node.name.value] += 1
        if selections > limits.max_selections:
            return too_large("selections", limits.max_selections, selections, selection_set)
        if names:
            repeats = names.most_common(1)[0][1]
            if repeats > limits.max_duplicate_fields:
                return too_large("repeatedField", limits.max_duplicate_fields, repeats, selection_set)
    if aliases > limits.max_aliases:
        return refusal(TOO_MANY_ALIASES, _("查询使用的别名过多。"), limit="aliases", maximum=limits.max_aliases,
                       actual=aliases)
    return None
