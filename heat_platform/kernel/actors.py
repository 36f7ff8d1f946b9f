# ruff: noqa: S106  (token_error holds a reason text, not a secret)
"""Who is calling and from where: resolved once per request from the Bearer
token, for the GraphQL API and the REST views alike."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Exists
from django.http import HttpRequest

from apps.accounts.models import RevokedToken, User
from apps.accounts.tokens import TokenClaims, TokenError, token_current, token_verify
from apps.residents.models import Resident


@dataclass(frozen=True)
class Actor:
    kind: str  # "anonymous", "operator", "staff", "resident"
    user: User | None = None
    resident: Resident | None = None
    token_error: str | None = None
    token: TokenClaims | None = None  # staff and operators: the token this request came with (sign-out, refresh)

    @property
    def role(self) -> str | None:
        return self.user.role if self.user else None

    @property
    def principal(self) -> User | Resident | None:
        """Whoever acts, for audit rows."""
        return self.user or self.resident


ANONYMOUS = Actor(kind="anonymous")


def actor_from_request(request: HttpRequest) -> Actor:
    """The caller, also kept as `request.actor` (the request log reads its kind; nothing re-verifies)."""
    request.actor = _actor(request)
    return request.actor


def _actor(request: HttpRequest) -> Actor:
    header = request.headers.get("Authorization", "")
    if not header:
        return ANONYMOUS
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return Actor(kind="anonymous", token_error="malformed Authorization header")
    schema = connection.schema_name
    try:
        claims = token_verify(token.strip(), schema=schema)
    except TokenError as exc:
        return Actor(kind="anonymous", token_error=str(exc))
    allowed_kinds = ("operator",) if schema == "public" else ("staff", "resident")
    if claims.kind not in allowed_kinds:
        return Actor(kind="anonymous", token_error="token kind not valid here")
    if claims.kind == "resident":
        resident = Resident.objects.filter(pk=claims.subject, is_active=True).first()
        if resident is None:
            return Actor(kind="anonymous", token_error="resident disabled")
        return Actor(kind="resident", resident=resident)
    # One query: the user and whether this very token was signed out.
    user = (User.objects.filter(pk=claims.subject, is_active=True)
            .annotate(token_revoked=Exists(RevokedToken.objects.filter(jti=claims.token_id))).first())
    if user is None or user.role != claims.role or not token_current(claims, user):
        return Actor(kind="anonymous", token_error="account disabled or changed")
    if user.token_revoked:
        return Actor(kind="anonymous", token_error="signed out")
    return Actor(kind=claims.kind, user=user, token=claims)


def client_ip(request: HttpRequest) -> str:
    from django.conf import settings

    hops = settings.TRUSTED_PROXY_COUNT
    if hops:
        forwarded = [p.strip() for p in request.headers.get("X-Forwarded-For", "").split(",") if p.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "") or "unknown"
