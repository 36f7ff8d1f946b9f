"""Production: every secret comes from the environment; missing ones stop start-up."""

import base64

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

REQUIRED = (
    "SECRET_KEY",
    "DATABASE_URL",
    "FIELD_ENCRYPTION_KEYS",
    "BLIND_INDEX_KEY",
    "JWT_SIGNING_KEY",
    "PLATFORM_DOMAIN",
    "CELERY_BROKER_URL",
    "CACHE_URL",  # Redis: the throttle counters every process must share (checked below)
)
_missing = [name for name in REQUIRED if not env.str(name, default="").strip()]
if _missing:
    raise ImproperlyConfigured(
        "Production settings refuse to start: set the environment variable(s) " + ", ".join(_missing)
    )

# Login, binding and sign-up throttles count in the cache: a per-process cache would let every worker
# process grant its own allowance (N processes = N times the limit) and forget it on restart.
if CACHES["default"]["BACKEND"] != "django.core.cache.backends.redis.RedisCache":
    raise ImproperlyConfigured(
        "Production settings refuse a cache that is not shared: CACHE_URL must be a Redis URL "
        f"(redis://host:6379/1 or rediss://…), not {CACHES['default']['BACKEND']}; the throttle counters "
        "must be shared by every process"
    )

DEBUG = False
GRAPHIQL_ENABLED = False
WECHAT_LOGIN_PROVIDER = env("WECHAT_LOGIN_PROVIDER", default="wechat")
SMS_PROVIDER = env("SMS_PROVIDER", default="aliyun")
if "sandbox" in (WECHAT_LOGIN_PROVIDER, SMS_PROVIDER):  # sandbox logins are anyone's; sandbox SMS never arrive
    raise ImproperlyConfigured("Production settings refuse the sandbox WeChat login / SMS providers")
# The fake payment gateways are never installed in production, and real gateways are https.
SHARED_APPS = [a for a in SHARED_APPS if a != "apps.payments.sandbox"]
INSTALLED_APPS = [a for a in INSTALLED_APPS if a != "apps.payments.sandbox"]
for _name in ("PAYMENTS_WECHATPAY_GATEWAY", "PAYMENTS_ALIPAY_GATEWAY", "PAYMENTS_NOTIFY_BASE_URL"):
    if not globals()[_name].startswith("https://"):
        raise ImproperlyConfigured(f"Production settings refuse a non-https {_name}")
MINIPROGRAM_REQUIRE_HTTPS = True  # branded builds refuse an http API origin (tenants/miniprogram_build.py)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)

# Fail at start-up, not on the first encrypted write. Keys are 32 bytes of url-safe base64
# (Fernet keys are); heat_platform/crypto.py derives its AES-256-GCM keys from them.
_KEY_FORMAT = "FIELD_ENCRYPTION_KEYS must be comma-separated Fernet keys (32 bytes of url-safe base64 each)"
for _key in FIELD_ENCRYPTION_KEYS:
    try:
        _raw = base64.urlsafe_b64decode(_key.strip().encode("ascii"))
    except ValueError as _exc:  # binascii.Error, UnicodeEncodeError
        raise ImproperlyConfigured(_KEY_FORMAT) from _exc
    if len(_raw) != 32:
        raise ImproperlyConfigured(_KEY_FORMAT)
