"""One check of every string a request carries, before anything executes.

Strings reach resolvers only as literals in the document or as (parts of)
variable values, so checking both covers every present and future argument.
Refused: NUL and the other C0 control characters except tab, newline and
carriage return (PostgreSQL rejects NUL; Excel exports reject the others) and
lone surrogates (not encodable as UTF-8, so no database or log accepts them).
The answer is a typed BAD_USER_INPUT error, never an internal one."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from graphql import GraphQLError
from graphql.language import DocumentNode, StringValueNode, Visitor, visit

from .limits import BAD_USER_INPUT

_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
# Variable values nest at most this deep (lists of input objects of lists …);
# the schema's deepest input is two levels.
MAX_VARIABLE_NESTING = 32


def is_clean(text: str) -> bool:
    return _FORBIDDEN.search(text) is None


def _bad_text(nodes=None, **details) -> GraphQLError:
    return GraphQLError(_("输入包含不允许的字符（如控制字符或无效的 Unicode）。"), nodes,
                        extensions={"code": BAD_USER_INPUT, **details})


class _StringLiterals(Visitor):
    def __init__(self):
        super().__init__()
        self.bad: list[StringValueNode] = []

    def enter_string_value(self, node: StringValueNode, *_args):
        if not is_clean(node.value):
            self.bad.append(node)


def document_errors(document: DocumentNode) -> list[GraphQLError]:
    visitor = _StringLiterals()
    visit(document, visitor)
    return [_bad_text(node) for node in visitor.bad[:10]]


def variable_errors(variables: dict) -> list[GraphQLError]:
    """Walks every key and string of the variables (iteratively: no recursion to exhaust)."""
    errors: list[GraphQLError] = []
    stack: list[tuple[str, object, int]] = [(name, value, 0) for name, value in variables.items()]
    for name in variables:
        if not is_clean(name):
            return [_bad_text()]
    while stack and len(errors) < 10:
        name, value, depth = stack.pop()
        if depth > MAX_VARIABLE_NESTING:
            errors.append(GraphQLError(_("变量嵌套过深。"), extensions={"code": BAD_USER_INPUT, "variable": name}))
            break
        if isinstance(value, str):
            if not is_clean(value):
                errors.append(_bad_text(variable=name if is_clean(name) else None))
        elif isinstance(value, dict):
            for key, item in value.items():
                if not is_clean(key):
                    errors.append(_bad_text(variable=name))
                stack.append((name, item, depth + 1))
        elif isinstance(value, list):
            stack.extend((name, item, depth + 1) for item in value)
    return errors
