"""Production settings log JSON by default (LOG_FORMAT may say otherwise) and turn Sentry on only with a DSN,
scrubbed (issue #13.6)."""

from __future__ import annotations

import json

from tests.factories.environments import PRODUCTION_ENV, run_with_production_settings

SHOW = """
import json, logging, sentry_sdk
from django.conf import settings
logging.getLogger("apps.demo").warning("resident 13912345678 called")
client = sentry_sdk.get_client()
print(json.dumps({"formatter": settings.LOGGING["handlers"]["console"]["formatter"], "sentry": client.is_active(),
                  "pii": client.should_send_default_pii(), "dsn": client.dsn,
                  "before_send": getattr(client.options.get("before_send"), "__name__", None)}))
"""


def _show(**env) -> tuple[dict, str]:
    result = run_with_production_settings(SHOW, {**PRODUCTION_ENV, **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), result.stderr


def test_production_logs_one_json_object_per_line_without_phone_numbers():
    shown, stderr = _show()
    assert shown["formatter"] == "json"
    line = json.loads(stderr.strip().splitlines()[-1])
    assert line["msg"] == "resident 139****5678 called" and line["level"] == "WARNING" and line["tenant"] == "public"


def test_log_format_can_be_switched_back_to_plain_lines():
    assert _show(LOG_FORMAT="line")[0]["formatter"] == "line"


def test_sentry_is_off_without_a_dsn_and_scrubbed_with_one():
    assert _show()[0]["sentry"] is False
    shown, _stderr = _show(SENTRY_DSN="https://public@sentry.example.invalid/7")
    assert shown["sentry"] is True and shown["pii"] is False and shown["before_send"] == "scrub_event"
