"""`make prod-check` inside `make test`: the production stack (gunicorn, PgBouncer, Redis, Celery worker and
beat, production settings) brought up on this machine and driven through one company's first season over
HTTP (heat_platform/prodcheck.py says what each step checks). It takes about 40 s here."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings

from tests.deploy.conftest import server_url


def test_prod_check_passes(pgbouncer_required):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["DATABASE_URL"] = server_url(settings.DATABASES["default"], "postgres")  # prod-check makes its own database
    result = subprocess.run([sys.executable, "-m", "heat_platform.prodcheck"], env=env, cwd=settings.BASE_DIR,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{result.stdout[-3000:]}\n{result.stderr[-8000:]}"
    assert "prod-check: PASSED" in result.stdout
    assert "FAILED" not in result.stdout
