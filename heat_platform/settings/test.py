"""Test settings (`make test`)."""

import atexit
import os
import shutil
import tempfile

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
ALLOWED_HOSTS = ["localhost", ".localhost", "127.0.0.1", "testserver"]
FIELD_ENCRYPTION_KEYS = ["dGVzdC1vbmx5LWZpZWxkLWtleS0wMDAwMDAwMDAwMDA="]
BLIND_INDEX_KEY = "test-blind-index-key"
JWT_SIGNING_KEY = "test-jwt-signing-key-0123456789abcdef"
SPARE_SCHEMA_POOL_SIZE = env.int("SPARE_SCHEMA_POOL_SIZE", default=2)
CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = "cache+memory://"  # in-process, for the real-worker test
CELERY_TASK_ALWAYS_EAGER = True
LOGGING["root"]["level"] = "WARNING"

# Uploaded files of this test process only (two suites at once must not share tenant folders).
MEDIA_ROOT = tempfile.mkdtemp(prefix="heatcloud-test-media-")
atexit.register(shutil.rmtree, MEDIA_ROOT, True)

# One test database per test process, so concurrent runs against one server never collide.
DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}

# The sandbox gateways, reached through tests/apps/payments/sandbox_http.py (or a live server).
PAYMENTS_WECHATPAY_GATEWAY = "http://localhost/sandbox/wechatpay"
PAYMENTS_ALIPAY_GATEWAY = "http://localhost/sandbox/alipay/gateway.do"
PAYMENTS_NOTIFY_BASE_URL = "http://{domain}"
INVOICE_NUONUO_GATEWAY = "http://localhost/sandbox/nuonuo"  # the sandbox Nuonuo cloud (apps/invoices/sandbox)

# The mini-program and the fake Open Platform (tenants/publishing/sandbox.py), reached in-process.
MINIPROGRAM_API_BASE_URL = "http://{domain}"
MINIPROGRAM_REQUIRE_HTTPS = False
WECHAT_OPEN_API_BASE_URL = "http://localhost/sandbox/wxopen"
WECHAT_MESSAGE_API_BASE_URL = "http://localhost/sandbox/wxapi"  # fake subscription messages (apps/messaging/sandbox)
WECHAT_OPEN_COMPONENT_APPID = "wxc0ffee00000000a1"
WECHAT_OPEN_COMPONENT_APPSECRET = "test-component-secret"
WECHAT_OPEN_COMPONENT_VERIFY_TICKET = "ticket@@@sandbox-test"
WECHAT_OPEN_MESSAGE_TOKEN = "test-wxopen-token"
WECHAT_OPEN_ENCODING_AES_KEY = "dGVzdC1vbmx5LXd4b3Blbi1hZXMta2V5LTAwMDAwMDA"
