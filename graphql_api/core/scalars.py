"""Scalars shared by every domain package.

`Decimal` replaces graphene's: graphene accepts anything Python's Decimal
parses ("NaN", "Infinity", "1e999999", Unicode digits), which then fails deep
in a service or the database. Ours accepts plain finite numbers only and
answers anything else with a typed BAD_USER_INPUT error before execution.
Its name stays `Decimal`, so the schema's type names do not change."""

from __future__ import annotations

import re
from decimal import Decimal as _Decimal
from decimal import InvalidOperation

import graphene
from django.utils.translation import gettext as _
from graphql import GraphQLError, Undefined
from graphql.language import FloatValueNode, IntValueNode, StringValueNode

from .limits import BAD_USER_INPUT

# ASCII digits only, an optional exponent; no NaN/Infinity, no Unicode digits.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?", re.ASCII)
# Far beyond any amount, area or rate the domain stores (the widest column is
# numeric(16, 4)); services check the exact bounds of their fields.
MAX_DIGITS = 24
MAX_ABS = _Decimal("1e18")


def bad_decimal(node=None) -> GraphQLError:
    return GraphQLError(_("请输入有效的数字。"), node, extensions={"code": BAD_USER_INPUT})


def parse_decimal(value, node=None) -> _Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise bad_decimal(node)
    text = str(value).strip() if not isinstance(value, float) else repr(value)
    if len(text) > 64 or not _NUMBER.fullmatch(text):
        raise bad_decimal(node)
    try:
        number = _Decimal(text)
    except InvalidOperation:
        raise bad_decimal(node)
    if not number.is_finite() or abs(number) >= MAX_ABS or len(number.as_tuple().digits) > MAX_DIGITS:
        raise bad_decimal(node)
    if number.as_tuple().exponent < -MAX_DIGITS:  # 1e-900: finite but absurdly fine
        raise bad_decimal(node)
    return number + 0  # normalises -0 to 0


class Decimal(graphene.Scalar):
    """A decimal number as a string, e.g. "24.50" (finite; no NaN or Infinity)."""

    @staticmethod
    def serialize(value):
        if isinstance(value, str):
            value = _Decimal(value)
        assert isinstance(value, _Decimal), f"Received not compatible Decimal {value!r}"
        return str(value)

    @classmethod
    def parse_literal(cls, node, _variables=None):
        if isinstance(node, StringValueNode | IntValueNode | FloatValueNode):
            return parse_decimal(node.value, node)
        return Undefined

    @staticmethod
    def parse_value(value):
        return parse_decimal(value)
