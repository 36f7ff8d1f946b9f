"""JWTs bound to one schema.

Each schema signs with its own key (HMAC of JWT_SIGNING_KEY and the schema
name) and the token names its schema in `tnt`; a token from tenant A fails
both checks in tenant B and on the platform domain.

Staff and operator tokens also carry `stm`, a short keyed digest of the user's
password hash, role and token generation (`token_stamp`, like Django's session
auth hash). Every request recomputes it from the current row
(heat_platform/kernel/actors.py), so a password set by any path, a role change,
or a disable/enable (User.save bumps token_generation) revokes every token
issued before it.

One token is revoked by its id (`jti`): signing out or refreshing records it in
RevokedToken until it would have expired anyway, and the same per-request
lookup refuses it. `sat` is when the sign-in that started the session
happened: a refresh carries it over, so a session cannot be stretched past
JWT_SESSION_MAX_SECONDS by refreshing."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import timedelta

import jwt
from django.conf import settings
from django.utils import timezone

ALGORITHM = "HS256"
ISSUER = "heatcloud"


class TokenError(Exception):
    pass


@dataclass(frozen=True)
class TokenClaims:
    schema: str
    subject: str
    kind: str  # "staff", "operator" (later: "resident")
    role: str
    token_id: str
    stamp: str | None = None  # staff and operators: token_stamp() when issued
    expires_at: int = 0  # `exp`, Unix seconds
    session_started: int = 0  # `sat` (the sign-in), Unix seconds; `iat` for tokens issued without it


def _key(schema: str) -> bytes:
    return hmac.new(settings.JWT_SIGNING_KEY.encode(), f"jwt:{schema}".encode(), hashlib.sha256).digest()


def token_stamp(user, *, schema: str) -> str:
    """Changes whenever the user's password hash, role or token generation does."""
    material = f"stamp:{user.pk}:{user.password}:{user.role}:{user.token_generation}".encode()
    return hmac.new(_key(schema), material, hashlib.sha256).hexdigest()[:24]


def token_current(claims: TokenClaims, user) -> bool:
    """Whether a staff/operator token was issued to the user as they are now."""
    return claims.stamp is not None and hmac.compare_digest(claims.stamp, token_stamp(user, schema=claims.schema))


def token_issue(*, schema: str, subject: str, kind: str, role: str, stamp: str | None = None,
                session_started: int | None = None, ttl: int | None = None) -> tuple[str, int]:
    """A signed token and its lifetime in seconds (JWT_TTL_SECONDS unless `ttl`).
    `session_started`: the sign-in a refreshed token continues (Unix seconds); now for a new sign-in."""
    now = timezone.now()
    ttl = settings.JWT_TTL_SECONDS if ttl is None else ttl
    claims = {
        "iss": ISSUER,
        "tnt": schema,
        "sub": subject,
        "knd": kind,
        "rol": role,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl)).timestamp()),
        "jti": uuid.uuid4().hex,
        "sat": int(now.timestamp()) if session_started is None else int(session_started),
    }
    if stamp is not None:
        claims["stm"] = stamp
    return jwt.encode(claims, _key(schema), algorithm=ALGORITHM), ttl


def token_verify(token: str, *, schema: str) -> TokenClaims:
    try:
        claims = jwt.decode(
            token, _key(schema), algorithms=[ALGORITHM], issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "tnt", "knd", "rol", "jti"]},
        )
    except jwt.PyJWTError as exc:
        raise TokenError(str(exc)) from exc
    if claims["tnt"] != schema:
        raise TokenError("token issued for another tenant")
    return TokenClaims(schema=claims["tnt"], subject=claims["sub"], kind=claims["knd"], role=claims["rol"],
                       token_id=claims["jti"], stamp=claims.get("stm"), expires_at=int(claims["exp"]),
                       session_started=int(claims.get("sat", claims["iat"])))
