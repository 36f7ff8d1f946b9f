from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .errors import TenantErrorCode

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,28}[a-z0-9]$")
# Names that would collide with platform hosts, infrastructure or look official.
RESERVED_SLUGS = frozenset(
    """www api admin platform public static media assets cdn mail smtp imap pop ftp ssh
    app apps auth login logout signup register account accounts billing pay payment payments
    notify webhook webhooks graphql status help support docs blog dev test staging demo-admin
    root system operator ops console dashboard heatcloud official wx wechat alipay""".split()
)
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def validate_slug(slug: str) -> None:
    if not SLUG_RE.match(slug) or "--" in slug:
        raise ValidationError(
            _("标识须为 3–30 位小写字母、数字或连字符，且不能以连字符开头或结尾。"), code=TenantErrorCode.INVALID_SLUG
        )
    if slug in RESERVED_SLUGS:
        raise ValidationError(_("该标识为平台保留字，请换一个。"), code=TenantErrorCode.RESERVED_SLUG)


def normalize_phone(phone: str) -> str:
    """Mainland mobile (13800138000, +86 allowed) or landline (010-12345678)."""
    value = re.sub(r"[\s()]", "", phone or "")
    if value.startswith("+86"):
        value = value[3:]
    if MOBILE_RE.match(value) or LANDLINE_RE.match(value):
        return value
    raise ValidationError(_("请输入有效的手机号或固定电话。"), code=TenantErrorCode.INVALID_PHONE)


def normalize_mobile_or_error(phone: str) -> str:
    """A mainland mobile (+86 allowed): what an SMS code can be sent to."""
    from apps.residents.phones import normalize_mobile

    value = normalize_mobile(phone)
    if value is None:
        raise ValidationError(_("请输入中国大陆手机号（用于接收验证码）。"), code=TenantErrorCode.INVALID_PHONE)
    return value


def schema_name_for(slug: str) -> str:
    # Slugs never contain "_", so this mapping is one-to-one; the prefix keeps
    # clear of `public`, `pg_*` and names starting with a digit.
    return "t_" + slug.replace("-", "_")
