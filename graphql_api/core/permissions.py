"""Permissions declared on fields and mutations, checked before any resolver.

A permission is a callable `(actor) -> bool` with a readable name. Root
fields use PermissionsField; mutations subclass BaseMutation and declare
`permissions`. Auth failures are top-level GraphQL errors (not payload errors).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import graphene
from django.utils.translation import gettext as _
from graphql import GraphQLError

from heat_platform.kernel.actors import Actor


class Permission:
    def __init__(self, name: str, check: Callable[[Actor], bool]):
        self.name = name
        self.check = check

    def __repr__(self) -> str:
        return f"<Permission {self.name}>"


AllowAny = Permission("AllowAny", lambda actor: True)
IsOperator = Permission("IsOperator", lambda actor: actor.kind == "operator")
IsStaff = Permission("IsStaff", lambda actor: actor.kind == "staff")
IsResident = Permission("IsResident", lambda actor: actor.kind == "resident")


def HasRole(*roles: str) -> Permission:  # noqa: N802  (reads like a class in declarations)
    return Permission(f"HasRole({','.join(roles)})", lambda actor: actor.kind == "staff" and actor.role in roles)


def check_permissions(info, permissions: Sequence[Permission]) -> Actor:
    actor: Actor = info.context.actor
    if any(p.check(actor) for p in permissions):
        return actor
    if actor.kind == "anonymous":
        msg = _("令牌无效或已过期。") if actor.token_error else _("请先登录。")
        raise GraphQLError(msg, extensions={"code": "UNAUTHENTICATED"})
    raise GraphQLError(_("没有权限执行此操作。"), extensions={"code": "PERMISSION_DENIED"})


class PermissionsField(graphene.Field):
    def __init__(self, type_, *args, permissions: Sequence[Permission], **kwargs):
        if not permissions:
            raise ValueError("PermissionsField needs at least one permission")
        super().__init__(type_, *args, **kwargs)
        self.permissions = tuple(permissions)

    def wrap_resolve(self, parent_resolver):
        resolver = super().wrap_resolve(parent_resolver)
        permissions = self.permissions

        def guarded(root, info, **kwargs):
            check_permissions(info, permissions)
            return resolver(root, info, **kwargs)

        return guarded
