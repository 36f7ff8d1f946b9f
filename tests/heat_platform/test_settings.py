import os
import subprocess
import sys

import pytest
from django.conf import settings

from tests.factories.environments import PRODUCTION_ENV, run_with_production_settings

GOOD = PRODUCTION_ENV


def _load_production(env_over: dict) -> subprocess.CompletedProcess:
    return run_with_production_settings("from django.conf import settings; print(settings.DEBUG)", env_over)


def test_production_starts_with_every_variable():
    result = _load_production(GOOD)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("missing", sorted(GOOD))
def test_production_refuses_to_start_without(missing):
    result = _load_production({k: v for k, v in GOOD.items() if k != missing})
    assert result.returncode != 0
    assert f"set the environment variable(s) {missing}" in result.stderr


def test_production_refuses_a_malformed_encryption_key():
    result = _load_production({**GOOD, "FIELD_ENCRYPTION_KEYS": "not-a-key"})
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS must be comma-separated Fernet keys" in result.stderr


@pytest.mark.parametrize("cache_url", ["locmemcache://heatcloud", "dummycache://", "filecache:///tmp/heatcloud",
                                       "dbcache://cache_table"])
def test_production_refuses_a_cache_that_processes_do_not_share(cache_url):
    """Throttle counters in a per-process (or non-atomic) cache would multiply every limit by the
    number of processes."""
    result = _load_production({**GOOD, "CACHE_URL": cache_url})
    assert result.returncode != 0
    assert "CACHE_URL must be a Redis URL" in result.stderr


def test_production_takes_a_tls_redis_cache():
    assert _load_production({**GOOD, "CACHE_URL": "rediss://redis.internal:6380/1"}).returncode == 0


def test_base_settings_contract():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "en"]
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.TENANT_LIMIT_SET_CALLS is True
    assert settings.DATABASES["default"]["ATOMIC_REQUESTS"] is False
    assert settings.CACHES["default"]["KEY_FUNCTION"] == "django_tenants.cache.make_key"


def test_the_platform_domain_is_lower_cased_like_every_host_we_match():
    env = {**GOOD, "PLATFORM_DOMAIN": " HeatCloud.Example. "}
    code = ("import django; django.setup(); from django.conf import settings; "
            "print(settings.PLATFORM_DOMAIN, settings.ALLOWED_HOSTS)")
    result = subprocess.run([sys.executable, "-c", code], env={**os.environ, **env,
                            "DJANGO_SETTINGS_MODULE": "heat_platform.settings.production"},
                            capture_output=True, text=True, cwd=settings.BASE_DIR, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "heatcloud.example"
    assert "'.heatcloud.example'" in result.stdout
