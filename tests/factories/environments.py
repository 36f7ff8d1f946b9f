"""Environments for starting the production settings in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings

# Every variable production settings require, with harmless values.
PRODUCTION_ENV = {
    "SECRET_KEY": "x" * 50,
    "DATABASE_URL": "postgres://u:p@db.internal:5432/heatcloud",
    "FIELD_ENCRYPTION_KEYS": "dGVzdC1vbmx5LWZpZWxkLWtleS0wMDAwMDAwMDAwMDA=",
    "BLIND_INDEX_KEY": "k" * 32,
    "JWT_SIGNING_KEY": "j" * 32,
    "PLATFORM_DOMAIN": "heatcloud.example",
    "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
    "CACHE_URL": "redis://redis.internal:6379/1",
}


def run_with_production_settings(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run `code` after django.setup() under production settings with exactly `env` for its variables
    (the caller's own PRODUCTION_ENV variables are dropped first)."""
    full = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV}
    full.update(env, DJANGO_SETTINGS_MODULE="heat_platform.settings.production")
    return subprocess.run([sys.executable, "-c", f"import django; django.setup()\n{code}"], env=full,
                          capture_output=True, text=True, cwd=settings.BASE_DIR, timeout=60)
