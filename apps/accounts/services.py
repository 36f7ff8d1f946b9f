from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from heat_platform.kernel.errors import field_error
from heat_platform.kernel.locks import xact_lock
from heat_platform.kernel.throttle import wait_text

from . import throttle
from .errors import AccountErrorCode
from .models import STAFF_ROLES, RevokedToken, Role, User
from .tokens import TokenClaims, token_issue, token_stamp


@dataclass(frozen=True)
class LoginResult:
    token: str
    expires_in: int
    user: User


def login_refused_error(retry_after: int) -> ValidationError:
    """TOO_MANY_ATTEMPTS, with the wait in the message and in params["retry_after"] (seconds)."""
    return ValidationError(_("登录尝试过于频繁，请 %(wait)s后再试。") % {"wait": wait_text(retry_after)},
                           code=AccountErrorCode.TOO_MANY_ATTEMPTS, params={"retry_after": retry_after})


def user_authenticate(*, username: str, password: str, ip: str, request: HttpRequest | None = None) -> User:
    """Every password sign-in of the current schema goes through here, behind the
    login throttle (apps/accounts/throttle.py): staff on a company domain,
    operators on the platform domain, by GraphQL or on the Django admin. Same
    error for an unknown user, a bad password and a role that does not sign in
    here; TOO_MANY_ATTEMPTS (params["retry_after"]) while the throttle refuses,
    without checking the password."""
    username = (username or "").strip()
    try:
        attempt = throttle.attempt_begin(username=username, ip=ip)
    except throttle.LoginThrottledError as exc:
        raise login_refused_error(exc.retry_after) from exc
    allowed = (Role.OPERATOR,) if connection.schema_name == "public" else STAFF_ROLES
    user = authenticate(request, username=username, password=password or "")
    if user is None or user.role not in allowed:
        throttle.attempt_failed(attempt)
        raise ValidationError(_("用户名或密码错误。"), code=AccountErrorCode.INVALID_CREDENTIALS)
    throttle.attempt_succeeded(attempt)
    return user


def user_login(*, username: str, password: str, ip: str) -> LoginResult:
    """Password login for a bearer token (staffLogin / operatorLogin)."""
    user = user_authenticate(username=username, password=password, ip=ip)
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    return _token_for(user)


def _token_for(user: User, *, session_started: int | None = None, ttl: int | None = None) -> LoginResult:
    schema = connection.schema_name
    kind = "operator" if schema == "public" else "staff"  # residents log in with WeChat, not passwords
    token, ttl = token_issue(schema=schema, subject=str(user.pk), kind=kind, role=user.role,
                             stamp=token_stamp(user, schema=schema), session_started=session_started, ttl=ttl)
    return LoginResult(token=token, expires_in=ttl, user=user)


def _revoke(claims: TokenClaims) -> bool:
    """Record this token as signed out; False when it already was (a second refresh or logout of it)."""
    try:
        with transaction.atomic():
            RevokedToken.objects.create(jti=claims.token_id,
                                        expires_at=datetime.fromtimestamp(claims.expires_at, tz=UTC))
    except IntegrityError:
        return False
    return True


@transaction.atomic
def session_refresh(*, user: User, token: TokenClaims) -> LoginResult:
    """A fresh token for the session `token` belongs to (same user, role and password,
    so it is revoked by the same changes), and `token` itself stops working: each
    token refreshes once. The session ends JWT_SESSION_MAX_SECONDS after its sign-in
    (SESSION_EXPIRED: sign in again); the new token never outlives it."""
    now = int(timezone.now().timestamp())
    left = token.session_started + settings.JWT_SESSION_MAX_SECONDS - now
    if left <= 0:
        raise ValidationError(_("登录已超过最长时限，请重新登录。"), code=AccountErrorCode.SESSION_EXPIRED)
    if not _revoke(token):
        raise ValidationError(_("该令牌已刷新或已退出登录。"), code=AccountErrorCode.TOKEN_REVOKED)
    return _token_for(user, session_started=token.session_started, ttl=min(settings.JWT_TTL_SECONDS, left))


@transaction.atomic
def session_logout(*, user: User, token: TokenClaims, everywhere: bool = False) -> None:
    """Sign out: this token stops working at once; with `everywhere`, every token of
    the user does (the token generation moves on, as on a password change)."""
    _revoke(token)
    if everywhere:
        User.objects.filter(pk=user.pk).update(token_generation=F("token_generation") + 1)


def revoked_tokens_purge() -> int:
    """Forget signed-out tokens that have expired anyway (current schema)."""
    deleted, _by_model = RevokedToken.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str, ip: str) -> LoginResult:
    """A staff member or operator changes their own password. The current password
    is checked behind the sign-in throttle (a stolen token must not become a way to
    guess it); the new one passes the password validators. Every token issued
    before stops working (the stamp changes); the result is a new sign-in's token."""
    try:
        user_authenticate(username=user.get_username(), password=old_password, ip=ip)
    except ValidationError as exc:
        if exc.code != AccountErrorCode.INVALID_CREDENTIALS:
            raise  # TOO_MANY_ATTEMPTS, with its retry_after
        raise field_error("old_password", _("当前密码不正确。"), AccountErrorCode.INVALID_CREDENTIALS) from exc
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.check_password(new_password or ""):
        raise field_error("new_password", _("新密码不能与当前密码相同。"), AccountErrorCode.SAME_PASSWORD)
    try:
        validate_password(new_password or "", user=user)
    except ValidationError as exc:
        raise field_error("new_password", " ".join(exc.messages), AccountErrorCode.WEAK_PASSWORD) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])  # bumps token_generation: every earlier token is revoked
    if connection.schema_name == "public":
        from heat_platform.models import OperatorAuditLog

        OperatorAuditLog.objects.create(actor=user, actor_username=user.get_username(),
                                        action="operator.change_password", ip=ip)
    else:
        audit_record(actor=user, action="staff.change_password", target=user, ip=ip)
    return _token_for(user)


def _unlock(*, username: str, ip: str | None) -> None:
    throttle.login_throttle_clear(username=username, ip=ip)


@transaction.atomic
def staff_login_unlock(*, actor: User, user_id: int | str, ip: str | None = None) -> User:
    """A company admin clears the login throttle of one of its staff (audited)."""
    user = _staff_user(user_id)
    _unlock(username=user.username, ip=None)
    audit_record(actor=actor, action="staff.unlock_login", target=user, ip=ip)
    return user


@transaction.atomic
def operator_login_unlock(*, actor: User, username: str, ip: str | None = None) -> User:
    """An operator clears an operator's login throttle (platform audit log)."""
    from heat_platform.models import OperatorAuditLog

    user = User.objects.filter(username__iexact=(username or "").strip(), role=Role.OPERATOR).first()
    if user is None:
        raise field_error("username", _("找不到该运营账号。"), AccountErrorCode.NOT_FOUND)
    _unlock(username=user.username, ip=None)
    OperatorAuditLog.objects.create(actor=actor, actor_username=actor.get_username(), action="operator.unlock_login",
                                    detail={"username": user.username, "user_id": user.pk}, ip=ip)
    return user


def login_unlock_by_username(*, username: str, ip: str | None = None) -> User:
    """`manage.py unlock_login`: the current schema's account named `username`
    (case-insensitive), audited as the system."""
    from heat_platform.models import OperatorAuditLog

    user = User.objects.filter(username__iexact=(username or "").strip()).first()
    if user is None:
        raise field_error("username", _("找不到该账号。"), AccountErrorCode.NOT_FOUND)
    _unlock(username=user.username, ip=ip)
    detail = {"via": "manage.py unlock_login", **({"client_ip": ip} if ip else {})}
    if connection.schema_name == "public":
        OperatorAuditLog.objects.create(actor=None, actor_username="system", action="operator.unlock_login",
                                        detail={"username": user.username, "user_id": user.pk, **detail})
    else:
        audit_record(actor=None, action="staff.unlock_login", target=user, **detail)
    return user


def staff_create(*, username: str, password: str, role: str, is_superuser: bool = False,
                 display_name: str = "") -> User:
    return User.objects.create_user(
        username=username, password=password, role=role, is_staff=True, is_superuser=is_superuser,
        display_name=display_name,
    )


def _staff_user(user_id: int | str) -> User:
    try:
        return User.objects.select_for_update().get(pk=int(user_id), role__in=STAFF_ROLES)
    except (User.DoesNotExist, ValueError, TypeError) as exc:
        raise ValidationError({"id": [ValidationError(_("找不到该员工。"), code=AccountErrorCode.NOT_FOUND)]}) from exc


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": [ValidationError(" ".join(exc.messages),
                                                            code=AccountErrorCode.WEAK_PASSWORD)]}) from exc


def _clean_display_name(display_name: str | None) -> str:
    display_name = " ".join((display_name or "").split())
    if len(display_name) > 150:
        raise ValidationError({"display_name": [ValidationError(_("显示名称最多 150 个字符。"),
                                                                code=AccountErrorCode.INVALID)]})
    return display_name


@transaction.atomic
def staff_account_create(*, actor: User, username: str, password: str, role: str, ip: str | None = None,
                         display_name: str = "") -> User:
    """An admin adds a staff member with one role."""
    username = (username or "").strip()
    display_name = _clean_display_name(display_name)
    if not username or len(username) > 150:
        raise ValidationError({"username": [ValidationError(_("请输入用户名。"), code=AccountErrorCode.REQUIRED)]})
    if role not in STAFF_ROLES:
        raise ValidationError({"role": [ValidationError(_("无效的角色。"), code=AccountErrorCode.INVALID)]})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": [ValidationError(_("该用户名已存在。"), code=AccountErrorCode.DUPLICATE)]})
    _check_password(password, User(username=username))
    user = staff_create(username=username, password=password, role=role, display_name=display_name)
    audit_record(actor=actor, action="staff.create", target=user, ip=ip, role=role)
    return user


def _is_last_active_admin(user: User) -> bool:
    """Call inside the transaction that demotes or disables `user`: two admins
    demoting each other at once are serialised, and the second sees the first."""
    if user.role != Role.TENANT_ADMIN:
        return False
    xact_lock("accounts.admins")
    return user.role == Role.TENANT_ADMIN and user.is_active and not User.objects.filter(
        role=Role.TENANT_ADMIN, is_active=True).exclude(pk=user.pk).exists()


@transaction.atomic
def staff_account_update(*, actor: User, user_id: int | str, display_name: str | None = None,
                         role: str | None = None, ip: str | None = None) -> User:
    """An admin renames a staff member (display name) or changes their role. A role
    change revokes the member's tokens (User.save bumps token_generation). Nobody
    changes their own role, and the last active admin stays an admin."""
    user = _staff_user(user_id)
    changed = []
    if display_name is not None:
        display_name = _clean_display_name(display_name)
        if display_name != user.display_name:
            user.display_name = display_name
            changed.append("display_name")
    if role is not None and role != user.role:
        if role not in STAFF_ROLES:
            raise ValidationError({"role": [ValidationError(_("无效的角色。"), code=AccountErrorCode.INVALID)]})
        if user.pk == actor.pk:
            raise ValidationError({"role": [ValidationError(_("不能修改自己的角色。"),
                                                            code=AccountErrorCode.INVALID)]})
        if _is_last_active_admin(user):
            raise ValidationError({"role": [ValidationError(_("至少保留一个启用的管理员。"),
                                                            code=AccountErrorCode.INVALID)]})
        old_role, user.role = user.role, role
        changed.append("role")
    if changed:
        user.save(update_fields=changed)
        detail = {"fields": changed}
        if "role" in changed:
            detail.update(old_role=old_role, role=user.role)
        audit_record(actor=actor, action="staff.update", target=user, ip=ip, **detail)
    return user


@transaction.atomic
def staff_account_set_active(*, actor: User, user_id: int | str, active: bool, ip: str | None = None) -> User:
    """Disable or re-enable a staff account. An admin cannot disable themself,
    and the last active admin cannot be disabled (the company would be locked out)."""
    user = _staff_user(user_id)
    if not active:
        if user.pk == actor.pk:
            raise ValidationError({"id": [ValidationError(_("不能停用自己的账号。"), code=AccountErrorCode.INVALID)]})
        if _is_last_active_admin(user):
            raise ValidationError({"id": [ValidationError(_("至少保留一个启用的管理员。"),
                                                          code=AccountErrorCode.INVALID)]})
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit_record(actor=actor, action="staff.enable" if active else "staff.disable", target=user, ip=ip)
    return user


@transaction.atomic
def staff_account_reset_password(*, actor: User, user_id: int | str, password: str,
                                 ip: str | None = None) -> User:
    user = _staff_user(user_id)
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=actor, action="staff.reset_password", target=user, ip=ip)
    return user
