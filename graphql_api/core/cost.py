"""Static analysis of the operation about to run, after graphql-core's
validation (so fragments exist, are acyclic and every field is known):
depth, root fields, introspection use and cost.

Each fragment definition is analysed once per context and memoised, so the
work is linear in the document however often fragments are spread (the old
depth validator re-expanded every spread: exponential in nested fragments).

Cost (Saleor's cost map, GitHub's node limit): every field costs 1 (or its
entry in FIELD_COSTS), times the number of parent objects it is resolved for.
A field with a `first` (or `limit`) argument multiplies what is below it by its page size
(the argument, a variable, the schema default, else the page default; at
most the page maximum); on a page object (`{totalCount items}`) the size
applies to its list. Other lists multiply by LIST_SIZES or DEFAULT_LIST_SIZE.
Spreading a fragment twice counts it twice: an over-estimate, never an
under-estimate. A root field the caller may not use costs 1: its permission
check refuses it before anything below it runs. New fields are covered by these rules without an entry;
entries are only for fields much dearer than a column read.

Introspection (`__schema`, `__type`) is bounded by shape instead of cost:
graphql-core's MaxIntrospectionDepthRule (a standard rule) refuses recursion
through `fields`/`inputFields`/`interfaces`/`possibleTypes`, and here any
introspection lists nest at most 3 deep: GraphiQL's own query (types →
fields → args) passes, nothing larger than one whole schema does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import graphene
from graphene.utils.str_converters import to_camel_case
from graphql import (
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    Undefined,
    get_named_type,
)
from graphql.language import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    NullValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
)
from graphql.utilities import type_from_ast

from .pagination import MAX_PAGE

PAGE_DEFAULT = 50  # pagination.page()'s default when `first` is absent or null
# The arguments that size a page: `first` (Relay-style and most lists) or `limit` (offset/limit pages).
PAGE_ARGS = ("first", "limit")
DEFAULT_LIST_SIZE = 20
# Plain lists (no `first`) with a known or typical size.
LIST_SIZES = {
    "Query.myHouses": 5,
    "Query.myBills": 20,
    "Query.merchantAccounts": 2,
    "Query.miniprogramReleases": 20,  # the latest 20
    "Bill.lines": 10,
    "PaymentOrder.items": 10,
    "PaymentOrder.refunds": 5,
    "Shift.totals": 3,
    "Shift.receipts": 100,
    "BillRun.errors": 100,  # the first 100
    "TrueUpResult.houseErrors": 100,
    "MerchantAccount.platformCertificates": 5,
    # Dashboard and operator console (issue #12): days are at most 366, channels and ages fixed sets.
    "Query.collectionByCommunity": 100,
    "DailyCollections.days": 366,
    "DailyCollections.totals": 5,
    "DailyCollection.channels": 5,
    "ArrearsAging.buckets": 5,
    "Query.platformCollectionsByDay": 366,
    "PlatformDailyCollection.channels": 5,
    "PlatformFigures.tenants": 3,
    "Query.houseResidents": 5,  # HOUSE_BINDING_CAP
    "Query.serviceProviderAccounts": 2,
    # E-invoices (issue #15): lines per fee item of a few bills, a few red invoices per blue one.
    "Invoice.lines": 10,
    "Invoice.reds": 3,
    "Invoice.redConfirmations": 3,
    "Query.myInvoiceTitles": 20,  # MAX_TITLES
    "Query.feeItemTaxes": 8,
}
# Page maxima other than MAX_PAGE.
PAGE_MAXIMA = {"ImportJob.errors": 1000}
# Fields much dearer than reading a column: aggregates, counts, hashing, outside calls.
FIELD_COSTS = {
    "Query.billSummary": 50,
    "Query.collectionByCommunity": 50,  # GROUP BY over a season's bills
    "Query.collectionsByDay": 50,
    "Query.arrearsAging": 50,
    "Query.platformCollectionsByDay": 50,
    "Mutation.changeMyPassword": 200,  # checks the old password, hashes the new one
    "Mutation.startHouseExport": 100,  # queues a worker reading the whole list
    "Mutation.startBillExport": 100,
    "Mutation.startPaymentExport": 100,
    "Mutation.staffLogin": 100,  # argon2
    "Mutation.operatorLogin": 100,
    "Mutation.createStaff": 100,
    "Mutation.resetStaffPassword": 100,
    "Mutation.registerTenant": 200,
    "Mutation.wechatLogin": 50,  # a call to WeChat
    "Mutation.bindPhone": 50,
    "Mutation.requestSmsCode": 50,  # an SMS
    "Mutation.createPayment": 50,  # a call to the payment gateway
    "Mutation.refundOrder": 50,
    "Mutation.testMerchantConnection": 100,
    "Mutation.buildMiniprogram": 200,  # zips the template
    # Messaging (issue #17)
    "Query.campaignPreview": 50,  # one statement over the season's bills × bindings, grants and consents
    "Query.campaign": 20,  # its messages counted by status and channel (GROUP BY)
    "Mutation.startCampaign": 100,  # the preview again, then a worker over the whole audience
    "Mutation.syncWechatTemplates": 100,  # a call to WeChat
    "Query.kbArticles": 10,  # search over titles, keywords and text
    "Query.outboxMessages": 10,  # filtered over every message of the company
}
TOTAL_COUNT_COST = 10  # `totalCount` of a page: one COUNT(*)
MUTATION_COST = 10  # any other mutation: a transaction and audit rows
INTROSPECTION_LISTS_MAX = 3


@cache
def root_permissions(schema: graphene.Schema) -> dict[tuple[str, str], tuple]:
    """(root type, field) -> the permissions declared on it (PermissionsField, BaseMutation)."""
    found = {}
    for root in (schema.query, schema.mutation):
        if root is None:
            continue
        for py_name, field in root._meta.fields.items():
            permissions = getattr(field, "permissions", None) or getattr(field.type, "permissions", None)
            if permissions:
                found[(root._meta.name, field.name or to_camel_case(py_name))] = tuple(permissions)
    return found


@dataclass
class Summary:
    depth: int = 0
    cost: int = 0
    root_fields: int = 0
    introspection: bool = False
    intro_lists: int = 0  # deepest nesting of introspection lists

    def add(self, other: Summary) -> None:
        self.depth = max(self.depth, other.depth)
        self.cost += other.cost
        self.root_fields += other.root_fields
        self.introspection |= other.introspection
        self.intro_lists = max(self.intro_lists, other.intro_lists)


def _is_list(type_) -> bool:
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


class Analysis:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode, variables: dict | None,
                 denied: Callable[[str, str], bool] = lambda type_name, field_name: False):
        self.schema = schema
        self.denied = denied  # root fields the caller may not use: refused before their children run
        self.variables = variables or {}
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.memo: dict[tuple[str, int | None], Summary] = {}
        self.variable_defaults: dict[str, object] = {}

    def operation(self, operation: OperationDefinitionNode) -> Summary:
        for definition in operation.variable_definitions or ():
            if definition.default_value is not None:
                self.variable_defaults[definition.variable.name.value] = definition.default_value
        root = self.schema.get_root_type(operation.operation)
        return self.selection_set(operation.selection_set, root, None,
                                  mutation=operation.operation == OperationType.MUTATION)

    def selection_set(self, node: SelectionSetNode, parent: GraphQLObjectType, pending: int | None,
                      mutation: bool = False) -> Summary:
        total = Summary()
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                total.add(self.field(selection, parent, pending, mutation))
            elif isinstance(selection, InlineFragmentNode):
                cond = selection.type_condition
                type_ = type_from_ast(self.schema, cond) if cond else parent
                total.add(self.selection_set(selection.selection_set, type_, pending, mutation))
            elif isinstance(selection, FragmentSpreadNode):
                total.add(self.spread(selection.name.value, pending, mutation))
        return total

    def spread(self, name: str, pending: int | None, mutation: bool) -> Summary:
        key = (name, pending)
        if key not in self.memo:
            fragment = self.fragments[name]
            type_ = type_from_ast(self.schema, fragment.type_condition)
            self.memo[key] = self.selection_set(fragment.selection_set, type_, pending, mutation)
        return self.memo[key]

    def field(self, node: FieldNode, parent, pending: int | None, mutation: bool) -> Summary:
        name = node.name.value
        if name == "__typename":
            return Summary(root_fields=1)
        if name in ("__schema", "__type"):
            child = self._children(node, self.schema.get_type("__Schema" if name == "__schema" else "__Type"))
            return Summary(root_fields=1, introspection=True, intro_lists=child.intro_lists)
        definition = parent.fields[name]
        if parent.name.startswith("__"):  # inside introspection: shape only
            child = self._children(node, get_named_type(definition.type))
            listed = _is_list(definition.type) and node.selection_set is not None
            return Summary(root_fields=1, introspection=True, intro_lists=child.intro_lists + listed)
        coordinate = f"{parent.name}.{name}"
        if self.denied(parent.name, name):
            return Summary(root_fields=1, cost=1)  # answered UNAUTHENTICATED / PERMISSION_DENIED
        own = FIELD_COSTS.get(coordinate)
        if own is None:
            own = TOTAL_COUNT_COST if name == "totalCount" else MUTATION_COST if mutation else 1
        summary = Summary(root_fields=1, cost=own)
        if node.selection_set is None:
            return summary
        multiplier, child_pending = 1, None
        page_arg = next((arg for arg in PAGE_ARGS if arg in definition.args), None)
        if page_arg is not None:
            size = self._page_size(node, definition, coordinate, page_arg)
            if _is_list(definition.type):
                multiplier = size
            else:
                child_pending = size  # a page object: the size applies to its list
        elif _is_list(definition.type):
            multiplier = pending if pending is not None else LIST_SIZES.get(coordinate, DEFAULT_LIST_SIZE)
        child = self._children(node, get_named_type(definition.type), child_pending)
        summary.depth = child.depth + 1
        summary.cost += multiplier * child.cost
        summary.introspection = child.introspection
        return summary

    def _children(self, node: FieldNode, type_, pending: int | None = None) -> Summary:
        if node.selection_set is None:
            return Summary()
        return self.selection_set(node.selection_set, type_, pending)

    def _page_size(self, node: FieldNode, definition, coordinate: str, page_arg: str) -> int:
        maximum = PAGE_MAXIMA.get(coordinate, MAX_PAGE)
        value = Undefined
        for argument in node.arguments:
            if argument.name.value == page_arg:
                value = argument.value
        if isinstance(value, VariableNode):
            var = value.name.value
            value = self.variables[var] if var in self.variables else self.variable_defaults.get(var, Undefined)
        if isinstance(value, IntValueNode):
            value = int(value.value)
        if value is Undefined:
            default = definition.args[page_arg].default_value
            value = default if isinstance(default, int) else None
        if isinstance(value, NullValueNode) or value is None:
            value = PAGE_DEFAULT
        if isinstance(value, bool) or not isinstance(value, int):
            return maximum  # not an Int: coercion will refuse it; never under-estimate
        return max(0, min(value, maximum))
