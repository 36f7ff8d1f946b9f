from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from . import throttle
from .errors import AccountErrorCode
from .models import STAFF_ROLES, Role, User
from .tokens import token_issue


@dataclass(frozen=True)
class LoginResult:
    token: str
    expires_in: int
    user: User


def user_login(*, username: str, password: str, ip: str) -> LoginResult:
    """Password login for the current schema: staff on a company domain,
    operators on the platform domain. Same error for unknown user and bad
    password; throttled per account and per IP."""
    username = (username or "").strip()
    if throttle.login_blocked(username=username, ip=ip):
        raise ValidationError(_("登录失败次数过多，请 15 分钟后再试。"), code=AccountErrorCode.TOO_MANY_ATTEMPTS)
    schema = connection.schema_name
    allowed = (Role.OPERATOR,) if schema == "public" else STAFF_ROLES
    user = authenticate(username=username, password=password or "")
    if user is None or user.role not in allowed:
        throttle.login_failed(username=username, ip=ip)
        raise ValidationError(_("用户名或密码错误。"), code=AccountErrorCode.INVALID_CREDENTIALS)
    throttle.login_succeeded(username=username)
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    kind = "operator" if schema == "public" else "staff"  # residents log in with WeChat, not passwords
    token, ttl = token_issue(schema=schema, subject=str(user.pk), kind=kind, role=user.role)
    return LoginResult(token=token, expires_in=ttl, user=user)


def staff_create(*, username: str, password: str, role: str, is_superuser: bool = False) -> User:
    return User.objects.create_user(
        username=username, password=password, role=role, is_staff=True, is_superuser=is_superuser
    )
