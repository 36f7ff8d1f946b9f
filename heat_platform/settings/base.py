"""Settings shared by every environment; values come from the environment."""

from __future__ import annotations

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
# Hosts are matched lower-cased (routing, stored domains), so the setting is too.
PLATFORM_DOMAIN = env("PLATFORM_DOMAIN", default="localhost").strip().lower().rstrip(".")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[PLATFORM_DOMAIN, f".{PLATFORM_DOMAIN}"])

# --- Tenancy (django-tenants): public schema = platform, one schema per company
SHARED_APPS = [
    "tenants",  # first: its `migrate`/`migrate_schemas` (which also migrate spare schemas) win
    "django_tenants",
    "heat_platform",
    "apps.accounts",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "django.contrib.staticfiles",
    "django_celery_beat",
    "graphene_django",
    "graphql_api",  # the GraphiQL template and its vendored assets (no CDN)
    "rest_framework",
    "apps.payments.sandbox",  # fake payment gateways for dev/tests; production removes it
    "apps.invoices.sandbox",  # fake Nuonuo e-invoice cloud for dev/tests; production removes it
    "apps.messaging.sandbox",  # fake WeChat subscription-message API + SMS record for dev/tests; production removes it
    "apps.console",  # the staff/operator web console (SPA at /console/ on both kinds of host)
]
TENANT_APPS = [
    "apps.accounts",
    "apps.audit",
    "apps.residents",
    "apps.properties",
    "apps.imports",
    "apps.tariffs",
    "apps.billing",
    "apps.payments",
    "apps.reconciliation",
    "apps.invoices",
    "apps.services",
    "apps.messaging",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
]
INSTALLED_APPS = list(SHARED_APPS) + [a for a in TENANT_APPS if a not in SHARED_APPS]

TENANT_MODEL = "tenants.HeatingCompany"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
TENANT_LIMIT_SET_CALLS = True
PUBLIC_SCHEMA_URLCONF = "heat_platform.urls_public"
ROOT_URLCONF = "heat_platform.urls_tenant"
# ClusterRouter: public-only models to the main cluster while a company on another one is served
# (tenants/directory.py); it has no opinion otherwise.
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter", "tenants.directory.ClusterRouter")
# Residents binding houses: at most this many residents per house.
HOUSE_BINDING_CAP = env.int("HOUSE_BINDING_CAP", default=5)
# Outside services: "sandbox" (works locally, used by make run and tests) or the real provider.
WECHAT_LOGIN_PROVIDER = env("WECHAT_LOGIN_PROVIDER", default="sandbox")
SMS_PROVIDER = env("SMS_PROVIDER", default="sandbox")
# Payments. The same provider code talks to the real gateways or to the local sandbox ones.
PAYMENTS_WECHATPAY_GATEWAY = env("PAYMENTS_WECHATPAY_GATEWAY", default="https://api.mch.weixin.qq.com")
PAYMENTS_ALIPAY_GATEWAY = env("PAYMENTS_ALIPAY_GATEWAY", default="https://openapi.alipay.com/gateway.do")
# Where gateways send notifies: "{domain}" is the company's own domain.
PAYMENTS_NOTIFY_BASE_URL = env("PAYMENTS_NOTIFY_BASE_URL", default="https://{domain}")
PAYMENTS_ORDER_TTL_MINUTES = env.int("PAYMENTS_ORDER_TTL_MINUTES", default=30)
# Orders still open this long after creation are queried at the provider by the sweeper.
PAYMENTS_SWEEP_AFTER_MINUTES = env.int("PAYMENTS_SWEEP_AFTER_MINUTES", default=5)
PAYMENTS_HTTP_TIMEOUT = env.float("PAYMENTS_HTTP_TIMEOUT", default=10.0)
# E-invoices: the Nuonuo open platform (apps/invoices/providers/nuonuo.py appends /open/v1/services); dev and tests
# point it at the sandbox cloud on this server (apps/invoices/sandbox).
INVOICE_NUONUO_GATEWAY = env("INVOICE_NUONUO_GATEWAY", default="https://sdk.nuonuo.com")
# Spare, fully migrated schemas kept ready so onboarding is a rename (see tenants/spares.py).
SPARE_SCHEMA_POOL_SIZE = env.int("SPARE_SCHEMA_POOL_SIZE", default=3)
# `migrate` opens only schemas whose recorded migration state is not the code's, these many at once
# (django-tenants' multiprocessing executor; tenants/management/commands/migrate_schemas.py).
TENANT_MULTIPROCESSING_MAX_PROCESSES = env.int("TENANT_MULTIPROCESSING_MAX_PROCESSES", default=2)

DATABASES = {
    "default": env.db_url(
        "DATABASE_URL",
        default="postgres://postgres@127.0.0.1:5432/heatcloud",
        engine="django_tenants.postgresql_backend",
    )
}
# Further PostgreSQL clusters holding companies' schemas (deploy/SCALING.md): JSON {"alias": "postgres://…"};
# a company's `cluster` names one ("default" = the main cluster, which also holds the public schema).
for _alias, _url in env.json("TENANT_CLUSTERS", default={}).items():
    if _alias in DATABASES or _alias == "directory":
        raise ValueError(f"TENANT_CLUSTERS: {_alias!r} is reserved")
    DATABASES[_alias] = env.db_url_config(_url, engine="django_tenants.postgresql_backend")
for _db in DATABASES.values():
    _db["ATOMIC_REQUESTS"] = False
    _db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

MIDDLEWARE = [
    "heat_platform.internal.InternalEndpointsMiddleware",  # /metrics, /internal/tls-ask: before host routing
    "heat_platform.middleware.RequestIdMiddleware",
    "heat_platform.observability.logs.RequestTelemetryMiddleware",  # one log line + metrics per request
    "graphql_api.core.middleware.GraphQLJsonErrorsMiddleware",  # no HTML error pages on /graphql/
    "heat_platform.middleware.TenantRoutingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
WSGI_APPLICATION = "heat_platform.wsgi.application"

AUTH_USER_MODEL = "accounts.User"
# argon2id at the OWASP baseline (see apps/accounts/hashers.py).
PASSWORD_HASHERS = [
    "apps.accounts.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / "media"))
STORAGES = {
    # Per-tenant folders under MEDIA_ROOT (django-tenants): uploads never mix.
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"

# Tenant-aware cache keys: the schema name is part of every key.
CACHES = {
    "default": {
        **env.cache_url("CACHE_URL", default="locmemcache://heatcloud"),
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    }
}
if CACHES["default"]["BACKEND"].endswith("LocMemCache"):  # dev/tests: never cull live throttle counters
    CACHES["default"].setdefault("OPTIONS", {})["MAX_ENTRIES"] = 1_000_000

# --- Secrets used by our own code
# Field encryption: comma-separated Fernet keys, newest first (rotation: prepend a key,
# run `manage.py rotate_field_keys`, then drop the old one).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
# Blind index (keyed HMAC) for searching encrypted fields.
BLIND_INDEX_KEY = env("BLIND_INDEX_KEY", default="")
JWT_SIGNING_KEY = env("JWT_SIGNING_KEY", default="")
JWT_TTL_SECONDS = env.int("JWT_TTL_SECONDS", default=2 * 3600)
# refreshToken extends a sign-in this long at most (a working day); then the console signs in again.
JWT_SESSION_MAX_SECONDS = env.int("JWT_SESSION_MAX_SECONDS", default=12 * 3600)

# Password sign-in throttle (staffLogin, operatorLogin, both admin sites; apps/accounts/throttle.py):
# failures per (account, client IP) and per client IP within the window; after ACCOUNT_FREE failures
# on one account (from anywhere, within ACCOUNT_WINDOW) clients that have not signed in to it within
# TRUSTED_CLIENT take turns: one attempt, then a pause of DELAY seconds doubling per failure up to
# MAX_DELAY. No hard lock-out; `unlockStaffLogin` / `unlockOperatorLogin` / `manage.py unlock_login` reset.
LOGIN_THROTTLE = {
    "WINDOW_SECONDS": env.int("LOGIN_THROTTLE_WINDOW", default=15 * 60),
    "MAX_PER_ACCOUNT_IP": env.int("LOGIN_THROTTLE_MAX_PER_ACCOUNT_IP", default=5),
    "MAX_PER_IP": env.int("LOGIN_THROTTLE_MAX_PER_IP", default=20),
    "ACCOUNT_FREE_FAILURES": env.int("LOGIN_THROTTLE_ACCOUNT_FREE", default=5),
    "ACCOUNT_WINDOW_SECONDS": env.int("LOGIN_THROTTLE_ACCOUNT_WINDOW", default=24 * 3600),
    "DELAY_SECONDS": env.int("LOGIN_THROTTLE_DELAY", default=2),
    "MAX_DELAY_SECONDS": env.int("LOGIN_THROTTLE_MAX_DELAY", default=10 * 60),
    "TRUSTED_CLIENT_SECONDS": env.int("LOGIN_THROTTLE_TRUSTED_CLIENT", default=30 * 24 * 3600),
}
# How many reverse proxies in front of us add X-Forwarded-For (0: use REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- GraphQL
GRAPHENE = {"SCHEMA": "graphql_api.tenant_schema.schema", "ATOMIC_MUTATIONS": False}
GRAPHIQL_ENABLED = False
# Limits on one request to /graphql/ (graphql_api/core/limits.py, cost.py; README "Configuration").
# Refused requests get a typed error and nothing runs.
GRAPHQL_MAX_DOCUMENT_BYTES = env.int("GRAPHQL_MAX_DOCUMENT_BYTES", default=1024 * 1024)  # logos travel inline
GRAPHQL_MAX_TOKENS = env.int("GRAPHQL_MAX_TOKENS", default=2000)
GRAPHQL_MAX_SELECTIONS = env.int("GRAPHQL_MAX_SELECTIONS", default=300)  # fields and fragments as written
GRAPHQL_MAX_FRAGMENTS = env.int("GRAPHQL_MAX_FRAGMENTS", default=30)
GRAPHQL_MAX_DUPLICATE_FIELDS = env.int("GRAPHQL_MAX_DUPLICATE_FIELDS", default=5)  # one name in one selection
GRAPHQL_MAX_OPERATIONS = env.int("GRAPHQL_MAX_OPERATIONS", default=5)
GRAPHQL_MAX_ROOT_FIELDS = env.int("GRAPHQL_MAX_ROOT_FIELDS", default=20)
GRAPHQL_MAX_ALIASES = env.int("GRAPHQL_MAX_ALIASES", default=30)
GRAPHQL_MAX_DEPTH = env.int("GRAPHQL_MAX_DEPTH", default=10)
# Static cost budget per request by caller (≈ values in the answer; lists count their page size).
GRAPHQL_COST_LIMITS = {
    "anonymous": env.int("GRAPHQL_COST_LIMIT_ANONYMOUS", default=500),
    "resident": env.int("GRAPHQL_COST_LIMIT_RESIDENT", default=10000),
    "staff": env.int("GRAPHQL_COST_LIMIT_STAFF", default=50000),
    "operator": env.int("GRAPHQL_COST_LIMIT_OPERATOR", default=50000),
}
# Introspection (__schema/__type) for anonymous callers and residents; staff and operators always have it.
GRAPHQL_PUBLIC_INTROSPECTION = env.bool("GRAPHQL_PUBLIC_INTROSPECTION", default=False)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
}

# --- Celery (tenant-schemas-celery keeps the schema with every task)
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    # Uploaded ledger files hold phone and ID numbers in clear: never keep unused ones.
    "purge-stale-uploads": {"task": "imports.purge_stale_uploads", "schedule": crontab(hour=3, minute=17)},
    # Lost notifies and stuck orders: ask the provider about orders still open.
    "payments-sweep-open-orders": {"task": "payments.sweep_all_tenants", "schedule": 60.0},
    "payments-refresh-platform-certificates": {"task": "payments.refresh_platform_certificates",
                                               "schedule": crontab(hour=4, minute=7)},
    # Signed-out tokens are kept only until they would have expired.
    "accounts-purge-revoked-tokens": {"task": "accounts.purge_revoked_tokens", "schedule": crontab(hour=3, minute=41)},
}

# --- Logging: one line per event with request id and tenant; never secrets.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "heat_platform.logging.ContextFilter"}},
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s %(name)s tenant=%(tenant)s req=%(request_id)s %(message)s"},
        "json": {"()": "heat_platform.observability.logs.JsonFormatter"},  # one JSON object per line
    },
    # LOG_FORMAT: "line" for people (dev), "json" for log collectors (production's default).
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["context"],
                             "formatter": env("LOG_FORMAT", default="line")}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
# /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`; without a token it does not exist (404).
METRICS_TOKEN = env("METRICS_TOKEN", default="")

# --- Residents: WeChat login and SMS verification codes (apps/residents)
# Mini-program AppID/secret are per company (tenants.MiniProgramAccount); only the API host is global.
WECHAT_API_BASE_URL = env("WECHAT_API_BASE_URL", default="https://api.weixin.qq.com")
WECHAT_HTTP_TIMEOUT = env.float("WECHAT_HTTP_TIMEOUT", default=5.0)
# Subscription messages (apps/messaging/wechat.py): cgi-bin/token, subscribeMessage.send, newtmpl/gettemplate.
WECHAT_MESSAGE_API_BASE_URL = env("WECHAT_MESSAGE_API_BASE_URL", default="https://api.weixin.qq.com")
SMS_HTTP_TIMEOUT = env.float("SMS_HTTP_TIMEOUT", default=5.0)
SMS_SIGN_NAME = env("SMS_SIGN_NAME", default="暖云")  # the approved 签名, shown as 【…】
SMS_TEMPLATE_VERIFY_CODE = env("SMS_TEMPLATE_VERIFY_CODE", default="")  # Aliyun SMS_… code / Tencent template id
ALIYUN_SMS_ACCESS_KEY_ID = env("ALIYUN_SMS_ACCESS_KEY_ID", default="")
ALIYUN_SMS_ACCESS_KEY_SECRET = env("ALIYUN_SMS_ACCESS_KEY_SECRET", default="")
ALIYUN_SMS_ENDPOINT = env("ALIYUN_SMS_ENDPOINT", default="https://dysmsapi.aliyuncs.com/")
TENCENT_SMS_SECRET_ID = env("TENCENT_SMS_SECRET_ID", default="")
TENCENT_SMS_SECRET_KEY = env("TENCENT_SMS_SECRET_KEY", default="")
TENCENT_SMS_SDK_APP_ID = env("TENCENT_SMS_SDK_APP_ID", default="")
TENCENT_SMS_REGION = env("TENCENT_SMS_REGION", default="ap-guangzhou")
TENCENT_SMS_ENDPOINT = env("TENCENT_SMS_ENDPOINT", default="https://sms.tencentcloudapi.com/")
SMS_CODE = {
    "TTL_SECONDS": env.int("SMS_CODE_TTL_SECONDS", default=5 * 60),
    "MAX_ATTEMPTS": env.int("SMS_CODE_MAX_ATTEMPTS", default=5),
    "RESEND_SECONDS": env.int("SMS_CODE_RESEND_SECONDS", default=60),  # per phone
    "MAX_PER_PHONE_PER_HOUR": env.int("SMS_CODE_MAX_PER_PHONE_PER_HOUR", default=5),
    "MAX_PER_IP_PER_HOUR": env.int("SMS_CODE_MAX_PER_IP_PER_HOUR", default=20),
    "MAX_PER_RESIDENT_PER_HOUR": env.int("SMS_CODE_MAX_PER_RESIDENT_PER_HOUR", default=10),
}
# urllib3 logs full request URLs at DEBUG, and WeChat puts the AppSecret and access token in query strings.
LOGGING["loggers"]["urllib3"] = {"level": "INFO"}

# --- Abuse limits on residents' sign-in and house binding, and on self-onboarding
# (heat_platform.kernel.throttle: fixed windows in the shared cache, per company).
# House binding: failed attempts per resident, per target 户号 and per client IP within the window
# (a successful binding is not counted), so neither fresh residents nor fresh IPs buy more guesses.
BINDING_THROTTLE = {
    "WINDOW_SECONDS": env.int("BINDING_THROTTLE_WINDOW", default=3600),
    "MAX_PER_RESIDENT": env.int("BINDING_THROTTLE_MAX_PER_RESIDENT", default=5),
    "MAX_PER_ACCOUNT_NO": env.int("BINDING_THROTTLE_MAX_PER_ACCOUNT_NO", default=10),
    "MAX_PER_IP": env.int("BINDING_THROTTLE_MAX_PER_IP", default=30),
}
# Resident WeChat login: calls to WeChat per client IP, codes WeChat rejected per IP, and calls per
# company mini-program (its code2session quota) within the window.
WECHAT_LOGIN_THROTTLE = {
    "WINDOW_SECONDS": env.int("WECHAT_LOGIN_THROTTLE_WINDOW", default=600),
    "MAX_PER_IP": env.int("WECHAT_LOGIN_THROTTLE_MAX_PER_IP", default=60),
    "MAX_INVALID_PER_IP": env.int("WECHAT_LOGIN_THROTTLE_MAX_INVALID_PER_IP", default=10),
    "MAX_PER_APP": env.int("WECHAT_LOGIN_THROTTLE_MAX_PER_APP", default=5000),
}
# Self-onboarding (tenants/signup.py): sign-up codes texted and registerTenant calls per client IP and
# per contact phone within the window, and how many sign-ups may wait for a schema at once.
# Code lifetime, wrong-guess allowance and resend interval are SMS_CODE's.
SIGNUP = {
    "WINDOW_SECONDS": env.int("SIGNUP_THROTTLE_WINDOW", default=3600),
    "MAX_PER_IP": env.int("SIGNUP_MAX_PER_IP", default=10),
    "MAX_PER_PHONE": env.int("SIGNUP_MAX_PER_PHONE", default=5),
    "CODE_MAX_PER_IP": env.int("SIGNUP_CODE_MAX_PER_IP", default=10),
    "CODE_MAX_PER_PHONE": env.int("SIGNUP_CODE_MAX_PER_PHONE", default=5),
    "MAX_PROVISIONING": env.int("SIGNUP_MAX_PROVISIONING", default=20),
}
# A sign-up still waiting for its schema after 10 minutes lost its task: queue it again (idempotent).
CELERY_BEAT_SCHEDULE["tenants-requeue-stuck-signups"] = {"task": "tenants.requeue_stuck_signups", "schedule": 300.0}

# --- Resident mini-program: branded builds and publishing via WeChat's third-party platform
# (tenants/branding.py, tenants/miniprogram_build.py, tenants/publishing/)
MINIPROGRAM_TEMPLATE_DIR = env("MINIPROGRAM_TEMPLATE_DIR", default=str(BASE_DIR / "miniprogram-template"))
# The API origin a company's app talks to; "{domain}" is the company's own domain.
MINIPROGRAM_API_BASE_URL = env("MINIPROGRAM_API_BASE_URL", default="https://{domain}")
MINIPROGRAM_REQUIRE_HTTPS = env.bool("MINIPROGRAM_REQUIRE_HTTPS", default=True)  # builds refuse http API origins
WECHAT_OPEN_API_BASE_URL = env("WECHAT_OPEN_API_BASE_URL", default="https://api.weixin.qq.com")
WECHAT_OPEN_HTTP_TIMEOUT = env.float("WECHAT_OPEN_HTTP_TIMEOUT", default=10.0)
WECHAT_OPEN_COMPONENT_APPID = env("WECHAT_OPEN_COMPONENT_APPID", default="")
WECHAT_OPEN_COMPONENT_APPSECRET = env("WECHAT_OPEN_COMPONENT_APPSECRET", default="")
# Used only while no pushed ticket (≤ 12 h old) is stored; WeChat pushes one every 10 minutes.
WECHAT_OPEN_COMPONENT_VERIFY_TICKET = env("WECHAT_OPEN_COMPONENT_VERIFY_TICKET", default="")
# The callback's message token and 43-character EncodingAESKey (set on the Open Platform).
WECHAT_OPEN_MESSAGE_TOKEN = env("WECHAT_OPEN_MESSAGE_TOKEN", default="")
WECHAT_OPEN_ENCODING_AES_KEY = env("WECHAT_OPEN_ENCODING_AES_KEY", default="")
CELERY_IMPORTS = ["tenants.publishing.tasks"]
CELERY_BEAT_SCHEDULE["miniprogram-poll-audits"] = {"task": "tenants.poll_miniprogram_audits", "schedule": 600.0}

# --- Per-company data lifecycle (tenants/archive.py, tenants/lifecycle.py; deploy/README.md)
# A closed company's data is kept this many days (time to export it), then its schema and media are dropped.
TENANT_RETENTION_DAYS = env.int("TENANT_RETENTION_DAYS", default=90)
CELERY_BEAT_SCHEDULE["tenants-purge-closed"] = {"task": "tenants.purge_closed_tenants",
                                               "schedule": crontab(hour=2, minute=41)}

# --- Operator console figures (tenants/stats.py): each company's summary row, refreshed in its own schema
CELERY_IMPORTS = [*CELERY_IMPORTS, "tenants.stats_tasks"]
CELERY_IMPORTS = [*CELERY_IMPORTS, "apps.messaging.campaigns"]  # messaging.campaign_run (not in a tasks.py)
CELERY_BEAT_SCHEDULE["tenants-refresh-stats"] = {"task": "tenants.refresh_all_tenant_stats",
                                                 "schedule": env.int("TENANT_STATS_REFRESH_SECONDS", default=600)}

# --- Statement reconciliation (apps/reconciliation): bills are generated from 09:00 Beijing (WeChat: fetch after
# 10:00); yesterday's runs are requested at 10:30 and bills not generated yet are retried at 12:30 and 15:30.
# A payment or refund within this many seconds of midnight may be booked on the other day's bill (CROSS_DAY).
RECONCILIATION_CROSS_DAY_WINDOW_SECONDS = env.int("RECONCILIATION_CROSS_DAY_WINDOW_SECONDS", default=600)
CELERY_BEAT_SCHEDULE["reconciliation-daily-runs"] = {"task": "reconciliation.request_daily_runs",
                                                     "schedule": crontab(hour=10, minute=30)}
CELERY_BEAT_SCHEDULE["reconciliation-retry-not-ready"] = {"task": "reconciliation.retry_not_ready",
                                                          "schedule": crontab(hour="12,15", minute=30)}

# --- E-invoices (apps/invoices): due submissions, polls, retries and red confirmations every minute; the
# tax-bureau session and credit line every 10 minutes. A failing invoice is sent at most this many times a day
# (Nuonuo refuses a serial retried more than 20 times a day: E9613).
INVOICE_DAILY_RETRY_CAP = env.int("INVOICE_DAILY_RETRY_CAP", default=10)
CELERY_BEAT_SCHEDULE["invoices-sweep"] = {"task": "invoices.sweep_all_tenants", "schedule": 60.0}
CELERY_BEAT_SCHEDULE["invoices-session-check"] = {"task": "invoices.session_check_all_tenants", "schedule": 600.0}

# --- Resident services, 报停 / 恢复供暖 (apps/services/optout.py): sealed applications take effect on their day
CELERY_BEAT_SCHEDULE["services-optout-make-effective"] = {"task": "services.optout_make_effective_all_tenants",
                                                          "schedule": crontab(hour=0, minute=23)}

# --- Resident services: tickets (apps/services/sla.py): overdue flags and escalation every 5 minutes; resolved
# tickets the resident never confirmed close after ServiceSettings.auto_close_days (checked hourly)
CELERY_BEAT_SCHEDULE["services-ticket-sla-sweep"] = {"task": "services.sla_sweep_all_tenants", "schedule": 300.0}
CELERY_BEAT_SCHEDULE["services-ticket-auto-close"] = {"task": "services.auto_close_all_tenants",
                                                      "schedule": crontab(minute=11)}
# Shortfall periods still open when their season has ended are closed on its last day and compensated (daily)
CELERY_BEAT_SCHEDULE["services-shortfalls-season-end"] = {"task": "services.shortfalls_season_end_all_tenants",
                                                          "schedule": crontab(hour=2, minute=23)}
# Approved compensations whose after-commit application failed, and refunds left unsent, are retried (hourly)
CELERY_BEAT_SCHEDULE["services-compensations-retry"] = {"task": "services.compensations_retry_all_tenants",
                                                        "schedule": crontab(minute=37)}
# Photos uploaded but never attached to a ticket / inspection / application are deleted a day later (hourly)
CELERY_BEAT_SCHEDULE["services-photos-purge"] = {"task": "services.photos_purge_all_tenants",
                                                 "schedule": crontab(minute=47)}

# --- Messaging (apps/messaging/outbox.py): due pushes of every company (reminders held by quiet hours, backoff
# retries, campaign messages) every minute; receipts and ticket updates go right after their commit
CELERY_BEAT_SCHEDULE["messaging-dispatch"] = {"task": "messaging.dispatch_all_tenants", "schedule": 60.0}
# Campaigns whose task was lost (broker, dead worker) are queued again (apps/messaging/campaigns.py)
CELERY_BEAT_SCHEDULE["messaging-campaigns-requeue"] = {"task": "messaging.campaigns_requeue_stale_all_tenants",
                                                       "schedule": 300.0}
