"""Scalars shared by every domain package.

`Decimal` replaces graphene's: graphene accepts anything Python's Decimal
parses ("NaN", "Infinity", "1e999999", Unicode digits), which then fails deep
in a service or the database. Ours accepts plain finite numbers only and
answers anything else with a typed BAD_USER_INPUT error before execution.
Its name stays `Decimal`, so the schema's type names do not change."""

from __future__ import annotations

import datetime as _dt
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


# Dates and times the domain can hold: a heating company's seasons, days and records. graphene's own scalars
# accept 0001-01-01 and 9999-12-31, and one day of arithmetic on those (a range's end + 1 day) overflows
# deep in a service as an internal error; ours answer anything outside this range with BAD_USER_INPUT.
# Their names stay `Date` / `DateTime`, so the schema's type names do not change.
MIN_DATE = _dt.date(1900, 1, 1)
MAX_DATE = _dt.date(2199, 12, 31)


def bad_date(node=None) -> GraphQLError:
    return GraphQLError(_("请输入 1900-01-01 至 2199-12-31 之间的有效日期。"), node,
                        extensions={"code": BAD_USER_INPUT})


class Date(graphene.Date):
    """A calendar day, ISO 8601 (e.g. "2026-11-15"), between 1900-01-01 and 2199-12-31."""

    @classmethod
    def parse_literal(cls, node, _variables=None):
        if not isinstance(node, StringValueNode):
            raise bad_date(node)
        return cls.parse_value(node.value, node)

    @staticmethod
    def parse_value(value, node=None):
        try:
            day = graphene.Date.parse_value(value)
        except GraphQLError:
            raise bad_date(node) from None
        if isinstance(day, _dt.datetime) or not MIN_DATE <= day <= MAX_DATE:
            raise bad_date(node)
        return day


class DateTime(graphene.DateTime):
    """A moment, ISO 8601 with its offset (e.g. "2026-11-15T09:30:00+08:00"), between 1900 and 2199."""

    @classmethod
    def parse_literal(cls, node, _variables=None):
        if not isinstance(node, StringValueNode):
            raise bad_date(node)
        return cls.parse_value(node.value, node)

    @staticmethod
    def parse_value(value, node=None):
        try:
            moment = graphene.DateTime.parse_value(value)
        except GraphQLError:
            raise bad_date(node) from None
        if not MIN_DATE <= moment.date() <= MAX_DATE:
            raise bad_date(node)
        return moment
