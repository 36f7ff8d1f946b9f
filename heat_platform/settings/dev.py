"""Local development (`make run`): insecure defaults that production refuses."""

from pathlib import Path

from heat_platform.devrun import run_addr

from .base import *  # noqa: F403
from .base import BASE_DIR, PLATFORM_DOMAIN, env

# `make run` serves on RUN_ADDR (host:port or a port; default 127.0.0.1:8000) and exports it to every
# process it starts (server, worker, seed), so every URL below that points back at this server uses its port.
# Each can still be set on its own (a server reached through another host name, say).
DEV_SERVER_PORT = run_addr(env("RUN_ADDR", default=""))[1]
_PLATFORM_ORIGIN = f"http://{PLATFORM_DOMAIN}:{DEV_SERVER_PORT}"
_TENANT_ORIGIN = f"http://{{domain}}:{DEV_SERVER_PORT}"  # {domain}: the company's primary domain

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="dev-only-secret-key-not-for-production-0123456789")
ALLOWED_HOSTS = ["localhost", ".localhost", "127.0.0.1"]
GRAPHIQL_ENABLED = True
GRAPHQL_PUBLIC_INTROSPECTION = env.bool("GRAPHQL_PUBLIC_INTROSPECTION", default=True)  # GraphiQL before login

# Dev-only keys, public in this repo on purpose; production requires its own.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=["ZGV2LW9ubHktZmllbGQta2V5LTAwMDAwMDAwMDAwMDA="])
BLIND_INDEX_KEY = env("BLIND_INDEX_KEY", default="dev-only-blind-index-key")
JWT_SIGNING_KEY = env("JWT_SIGNING_KEY", default="dev-only-jwt-signing-key-0123456789abcdef")

# A real worker without a broker service: kombu's filesystem transport under .data/.
_queue = Path(BASE_DIR) / ".data" / "celery"
for _sub in ("in", "processed", "control"):
    (_queue / _sub).mkdir(parents=True, exist_ok=True)
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://localhost//")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "data_folder_in": str(_queue / "in"),
    "data_folder_out": str(_queue / "in"),
    "processed_folder": str(_queue / "processed"),
    "control_folder": str(_queue / "control"),  # kombu's default is ./control in the working directory
    "store_processed": False,
}

# Payments go to the sandbox gateways served by this same server (apps/payments/sandbox).
PAYMENTS_WECHATPAY_GATEWAY = env("PAYMENTS_WECHATPAY_GATEWAY", default=f"{_PLATFORM_ORIGIN}/sandbox/wechatpay")
PAYMENTS_ALIPAY_GATEWAY = env("PAYMENTS_ALIPAY_GATEWAY", default=f"{_PLATFORM_ORIGIN}/sandbox/alipay/gateway.do")
PAYMENTS_NOTIFY_BASE_URL = env("PAYMENTS_NOTIFY_BASE_URL", default=_TENANT_ORIGIN)
# E-invoices go to the sandbox Nuonuo cloud served by this same server (apps/invoices/sandbox).
INVOICE_NUONUO_GATEWAY = env("INVOICE_NUONUO_GATEWAY", default=f"{_PLATFORM_ORIGIN}/sandbox/nuonuo")

# The mini-program talks to http://<slug>.localhost:<port>; publishing goes to the fake Open Platform
# served by this same server (tenants/publishing/sandbox.py). Dev-only values, public on purpose.
MINIPROGRAM_API_BASE_URL = env("MINIPROGRAM_API_BASE_URL", default=_TENANT_ORIGIN)
MINIPROGRAM_REQUIRE_HTTPS = env.bool("MINIPROGRAM_REQUIRE_HTTPS", default=False)
WECHAT_OPEN_API_BASE_URL = env("WECHAT_OPEN_API_BASE_URL", default=f"{_PLATFORM_ORIGIN}/sandbox/wxopen")
# Subscription messages go to the fake WeChat server API on this same server (apps/messaging/sandbox).
WECHAT_MESSAGE_API_BASE_URL = env("WECHAT_MESSAGE_API_BASE_URL", default=f"{_PLATFORM_ORIGIN}/sandbox/wxapi")
WECHAT_OPEN_COMPONENT_APPID = env("WECHAT_OPEN_COMPONENT_APPID", default="wxc0ffee00000000a1")
WECHAT_OPEN_COMPONENT_APPSECRET = env("WECHAT_OPEN_COMPONENT_APPSECRET", default="dev-only-component-secret")
WECHAT_OPEN_COMPONENT_VERIFY_TICKET = env("WECHAT_OPEN_COMPONENT_VERIFY_TICKET", default="ticket@@@sandbox-dev")
WECHAT_OPEN_MESSAGE_TOKEN = env("WECHAT_OPEN_MESSAGE_TOKEN", default="dev-only-wxopen-token")
WECHAT_OPEN_ENCODING_AES_KEY = env("WECHAT_OPEN_ENCODING_AES_KEY",
                                   default="ZGV2LW9ubHktd3hvcGVuLWFlcy1rZXktMDAwMDAwMDA")
