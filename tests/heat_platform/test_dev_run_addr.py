"""`make run` on any port (issue #10, point 10): RUN_ADDR decides where the dev
server listens, and every dev URL that points back at it follows the port."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command

from heat_platform.devrun import run_addr

URL_SETTINGS = ("PAYMENTS_WECHATPAY_GATEWAY", "PAYMENTS_ALIPAY_GATEWAY", "PAYMENTS_NOTIFY_BASE_URL",
                "MINIPROGRAM_API_BASE_URL", "WECHAT_OPEN_API_BASE_URL", "DEV_SERVER_PORT")


def _dev_settings(**env_over: str) -> dict:
    """The dev settings as a fresh process started by `make run` sees them."""
    env = {k: v for k, v in os.environ.items() if k not in (*URL_SETTINGS, "RUN_ADDR", "DJANGO_SETTINGS_MODULE")}
    env.update(env_over, DJANGO_SETTINGS_MODULE="heat_platform.settings.dev")
    code = ("import json, django; django.setup(); from django.conf import settings; "
            f"print(json.dumps({{name: getattr(settings, name) for name in {URL_SETTINGS!r}}}))")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                            cwd=settings.BASE_DIR, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_every_dev_url_follows_the_run_addr_port():
    seen = _dev_settings(RUN_ADDR="127.0.0.1:8107")
    assert seen == {
        "PAYMENTS_WECHATPAY_GATEWAY": "http://localhost:8107/sandbox/wechatpay",
        "PAYMENTS_ALIPAY_GATEWAY": "http://localhost:8107/sandbox/alipay/gateway.do",
        "PAYMENTS_NOTIFY_BASE_URL": "http://{domain}:8107",
        "MINIPROGRAM_API_BASE_URL": "http://{domain}:8107",
        "WECHAT_OPEN_API_BASE_URL": "http://localhost:8107/sandbox/wxopen",
        "DEV_SERVER_PORT": 8107,
    }


def test_without_run_addr_the_dev_server_is_on_8000_and_a_variable_still_wins():
    seen = _dev_settings(PAYMENTS_NOTIFY_BASE_URL="https://{domain}.tunnel.example")
    assert seen["DEV_SERVER_PORT"] == 8000
    assert seen["PAYMENTS_WECHATPAY_GATEWAY"] == "http://localhost:8000/sandbox/wechatpay"
    assert seen["PAYMENTS_NOTIFY_BASE_URL"] == "https://{domain}.tunnel.example"
    assert _dev_settings(RUN_ADDR="0.0.0.0:9001")["MINIPROGRAM_API_BASE_URL"] == "http://{domain}:9001"


@pytest.mark.parametrize(("value", "expected"), [
    (None, ("127.0.0.1", 8000)), ("", ("127.0.0.1", 8000)), ("8107", ("127.0.0.1", 8107)),
    ("127.0.0.1:8107", ("127.0.0.1", 8107)), (" localhost:9000 ", ("localhost", 9000)),
    ("0.0.0.0:80", ("0.0.0.0", 80)),  # noqa: S104
])
def test_run_addr_forms(value, expected):
    assert run_addr(value) == expected


@pytest.mark.parametrize("value", ["127.0.0.1:", "host:port", "127.0.0.1:0", "127.0.0.1:70000", "127.0.0.1:８１"])
def test_a_malformed_run_addr_is_refused(value):
    with pytest.raises(ValueError, match="RUN_ADDR"):
        run_addr(value)


def test_a_malformed_run_addr_stops_dev_settings_with_its_name():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "heat_platform.settings.dev", "RUN_ADDR": "localhost:http"}
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True,
                            text=True, cwd=settings.BASE_DIR, timeout=60)
    assert result.returncode != 0 and "RUN_ADDR must be host:port" in result.stderr


def test_the_seed_banner_names_the_dev_servers_port(db, settings):
    settings.DEV_SERVER_PORT = 8107  # what dev settings derive from RUN_ADDR
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    banner = out.getvalue()
    assert "http://localhost:8107/graphql/" in banner and "http://demo.localhost:8107/admin/" in banner
    assert ":8000" not in banner
    call_command("seed_demo", "--port", "9001", stdout=(explicit := io.StringIO()))
    assert "http://demo.localhost:9001/graphql/" in explicit.getvalue()
