"""Permissions declared on fields and mutations, checked before any resolver.

A permission is a callable `(actor) -> bool` with a readable name. Root
fields use PermissionsField; mutations subclass BaseMutation and declare
`permissions`. Auth failures are top-level GraphQL errors (not payload errors).
The same declaration is printed into each root field's SDL description
(`Requires one of: …`), so the committed SDL shows who may call what.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import graphene
from django.utils.translation import gettext as _
from graphql import GraphQLError

from heat_platform.kernel.actors import Actor


class Permission:
    def __init__(self, name: str, check: Callable[[Actor], bool], label: str, roles: tuple[str, ...] = ()):
        self.name = name
        self.check = check
        self.label = label  # printed in the SDL
        self.roles = roles

    def __repr__(self) -> str:
        return f"<Permission {self.name}>"


AllowAny = Permission("AllowAny", lambda actor: True, "anyone (no sign-in needed)")
IsOperator = Permission("IsOperator", lambda actor: actor.kind == "operator", "a platform operator")
IsStaff = Permission("IsStaff", lambda actor: actor.kind == "staff", "any staff member")
IsResident = Permission("IsResident", lambda actor: actor.kind == "resident", "a resident")


def HasRole(*roles: str) -> Permission:  # noqa: N802  (reads like a class in declarations)
    return Permission(f"HasRole({','.join(roles)})", lambda actor: actor.kind == "staff" and actor.role in roles,
                      "staff", roles=tuple(str(r) for r in roles))


PERMISSIONS_MARK = "Requires one of: "


def describe(description: str | None, permissions: Sequence[Permission]) -> str:
    """A field's description followed by who may call it (from its declaration)."""
    parts = [p.label for p in permissions if not p.roles]
    roles = list(dict.fromkeys(r.upper() for p in permissions for r in p.roles))
    if roles:
        parts.append("staff with role " + ", ".join(roles))
    line = PERMISSIONS_MARK + "; ".join(parts) + "."
    return f"{description.strip()}\n\n{line}" if description else line


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
        kwargs["description"] = describe(kwargs.get("description"), permissions)
        super().__init__(type_, *args, **kwargs)
        self.permissions = tuple(permissions)

    def wrap_resolve(self, parent_resolver):
        resolver = super().wrap_resolve(parent_resolver)
        permissions = self.permissions

        def guarded(root, info, **kwargs):
            check_permissions(info, permissions)
            return resolver(root, info, **kwargs)

        return guarded
