"""Production settings around the deployment (deploy/README.md): the smoke-test flag that alone lets the
sandbox gateways and providers in (and only on a *.localhost platform), WhiteNoise, connections closed
per request for the session-mode pooler, and timeouts on the shared cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

from tests.factories.environments import PRODUCTION_ENV as GOOD

SHOW = ("import django, json; django.setup(); from django.conf import settings as s; print(json.dumps({"
        "'sandbox': 'apps.payments.sandbox' in s.INSTALLED_APPS, 'middleware': s.MIDDLEWARE, "
        "'static': s.STORAGES['staticfiles']['BACKEND'], 'conn_max_age': s.DATABASES['default']['CONN_MAX_AGE'], "
        "'cache_options': s.CACHES['default'].get('OPTIONS', {}), 'login': s.WECHAT_LOGIN_PROVIDER}))")


def _production(env_over: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in GOOD and k not in ("HEATCLOUD_SMOKE_TEST", "WECHAT_LOGIN_PROVIDER", "SMS_PROVIDER",
                                          "CONN_MAX_AGE") and not k.startswith("PAYMENTS_")}
    env.update(GOOD, DJANGO_SETTINGS_MODULE="heat_platform.settings.production", **env_over)
    return subprocess.run([sys.executable, "-c", SHOW], env=env, capture_output=True, text=True,
                          cwd=settings.BASE_DIR, timeout=60)


SANDBOX = {"WECHAT_LOGIN_PROVIDER": "sandbox", "SMS_PROVIDER": "sandbox",
           "PAYMENTS_WECHATPAY_GATEWAY": "http://localhost:8000/sandbox/wechatpay",
           "PAYMENTS_NOTIFY_BASE_URL": "http://{domain}:8000"}


def test_plain_production_has_no_sandbox_and_serves_static_files_itself():
    result = _production({})
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["sandbox"] is False
    security = shown["middleware"].index("django.middleware.security.SecurityMiddleware")
    assert shown["middleware"][security + 1] == "whitenoise.middleware.WhiteNoiseMiddleware"
    assert shown["static"] == "heat_platform.staticfiles.StaticFilesStorage"
    assert shown["conn_max_age"] == 0  # PgBouncer session mode: give the server connection back per request
    assert shown["cache_options"] == {"socket_connect_timeout": 2.0, "socket_timeout": 5.0}


@pytest.mark.parametrize("over, message", [
    ({"WECHAT_LOGIN_PROVIDER": "sandbox"}, "refuse the sandbox WeChat login / SMS providers"),
    ({"SMS_PROVIDER": "sandbox"}, "refuse the sandbox WeChat login / SMS providers"),
    ({"PAYMENTS_WECHATPAY_GATEWAY": "http://localhost:8000/sandbox/wechatpay"}, "non-https PAYMENTS_WECHATPAY_GATEWAY"),
])
def test_production_refuses_sandboxes_without_the_smoke_flag(over, message):
    result = _production({**over, "PLATFORM_DOMAIN": "localhost"})
    assert result.returncode != 0
    assert message in result.stderr


def test_the_smoke_flag_lets_the_sandboxes_in_on_localhost():
    result = _production({**SANDBOX, "HEATCLOUD_SMOKE_TEST": "1", "PLATFORM_DOMAIN": "localhost"})
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["sandbox"] is True
    assert shown["login"] == "sandbox"


def test_the_smoke_flag_is_refused_on_a_real_domain():
    result = _production({**SANDBOX, "HEATCLOUD_SMOKE_TEST": "1", "PLATFORM_DOMAIN": "heatcloud.example.cn"})
    assert result.returncode != 0
    assert "HEATCLOUD_SMOKE_TEST is for `make prod-check` only" in result.stderr
