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
# `make prod-check` only (heat_platform/prodcheck.py): the production stack on loopback with the sandbox WeChat
# login, SMS and payment gateways, over http. Refused unless the platform domain is *.localhost, so a real
# deployment cannot turn it on by a stray variable.
SMOKE_TEST = env.bool("HEATCLOUD_SMOKE_TEST", default=False)
if SMOKE_TEST and not (PLATFORM_DOMAIN == "localhost" or PLATFORM_DOMAIN.endswith(".localhost")):
    raise ImproperlyConfigured("HEATCLOUD_SMOKE_TEST is for `make prod-check` only: PLATFORM_DOMAIN must be localhost")
WECHAT_LOGIN_PROVIDER = env("WECHAT_LOGIN_PROVIDER", default="wechat")
SMS_PROVIDER = env("SMS_PROVIDER", default="aliyun")
if "sandbox" in (WECHAT_LOGIN_PROVIDER, SMS_PROVIDER) and not SMOKE_TEST:
    # sandbox logins are anyone's; sandbox SMS never arrive
    raise ImproperlyConfigured("Production settings refuse the sandbox WeChat login / SMS providers "
                               "(only HEATCLOUD_SMOKE_TEST=1, for `make prod-check`, allows them)")
if not SMOKE_TEST:
    # The fake payment gateways are never installed in production, and real gateways are https.
    _SANDBOXES = ("apps.payments.sandbox", "apps.invoices.sandbox", "apps.messaging.sandbox")
    SHARED_APPS = [a for a in SHARED_APPS if a not in _SANDBOXES]
    INSTALLED_APPS = [a for a in INSTALLED_APPS if a not in _SANDBOXES]
    for _name in ("PAYMENTS_WECHATPAY_GATEWAY", "PAYMENTS_ALIPAY_GATEWAY", "PAYMENTS_NOTIFY_BASE_URL",
                  "INVOICE_NUONUO_GATEWAY"):
        if not globals()[_name].startswith("https://"):
            raise ImproperlyConfigured(f"Production settings refuse a non-https {_name}")
MINIPROGRAM_REQUIRE_HTTPS = not SMOKE_TEST  # branded builds refuse an http API origin (tenants/miniprogram_build.py)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

# Behind PgBouncer in session mode (deploy/README.md "Connection pooler"): a server connection is held by a
# client connection for as long as it stays open, so each request and task closes its own at the end (0) and
# gives the server connection back; a persistent one would pin a server connection per idle thread.
for _db in DATABASES.values():  # every cluster (TENANT_CLUSTERS) sits behind its own PgBouncer the same way
    _db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# Static files straight from the app (WhiteNoise): hashed names, compressed copies, cached for a year.
# `manage.py collectstatic` runs when the image is built (and in `make prod-check`).
MIDDLEWARE = list(MIDDLEWARE)
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
                  "whitenoise.middleware.WhiteNoiseMiddleware")
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "heat_platform.staticfiles.StaticFilesStorage"}}
STATIC_ROOT = env.path("STATIC_ROOT", default=str(STATIC_ROOT))  # where collectstatic writes
# A Redis that stops answering fails a request after this long instead of hanging its thread.
CACHES["default"].setdefault("OPTIONS", {}).update(
    socket_connect_timeout=env.float("CACHE_CONNECT_TIMEOUT", default=2.0),
    socket_timeout=env.float("CACHE_TIMEOUT", default=5.0))
# Observability (deploy/README.md "Observability"): one JSON object per log line for the log collector, and
# optional Sentry, scrubbed of personal data and secrets (heat_platform/observability/sentry.py).
LOGGING["handlers"]["console"]["formatter"] = env("LOG_FORMAT", default="json")
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    from heat_platform.observability.sentry import init_sentry

    init_sentry(dsn=SENTRY_DSN, environment=env("SENTRY_ENVIRONMENT", default="production"),
                release=env("SENTRY_RELEASE", default=""),
                traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0))
# /readyz: each dependency must answer within this many seconds (heat_platform/views.py).
READYZ_TIMEOUT = env.float("READYZ_TIMEOUT", default=2.0)
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
