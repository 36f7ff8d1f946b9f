"""Optional Sentry (issue #13.6): what reaches Sentry carries no credentials and no personal data."""

from __future__ import annotations

import json

import pytest
import sentry_sdk
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from heat_platform.observability.sentry import FILTERED, scrub_breadcrumb, scrub_event, sentry_options

# Values live here, away from the code that uses them: Sentry sends the lines around a frame as source context.
PHONE, ID_NO, OPENID = "13912345678", "110101199003071234", "o-payer-openid"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl"


def _django_event() -> dict:
    """An event shaped as sentry-sdk's Django integration builds one for a failed request."""
    return {
        "level": "error",
        "server_name": "web-7f9c-abcde",
        "user": {"id": "42", "username": "li", "ip_address": "203.0.113.9", "email": "li@example.cn"},
        "request": {
            "url": "https://alpha.heatcloud.example.cn/graphql/?phone=" + PHONE,
            "method": "POST",
            "query_string": "phone=" + PHONE,
            "headers": {"Authorization": "Bearer " + JWT, "Cookie": "sessionid=abc; csrftoken=def",
                        "Content-Type": "application/json", "X-Request-Id": "req-1", "X-Forwarded-For": "203.0.113.9",
                        "Wechatpay-Signature": "c2ln", "User-Agent": "MicroMessenger"},
            "cookies": {"sessionid": "abc"},
            "data": {"query": f'mutation {{ bindPhone(phone: "{PHONE}") }}', "password": "warm-winter-2026"},
            "env": {"REMOTE_ADDR": "203.0.113.9"},
        },
        "exception": {"values": [{
            "type": "ValueError", "value": f"owner {ID_NO} phone {PHONE} mismatch",
            "stacktrace": {"frames": [{"function": "bind", "module": "apps.properties.services",
                                       "vars": {"owner_phone": PHONE, "token": JWT, "count": 3}}]}}]},
        "extra": {"owner_phone": PHONE, "note": f"called by {PHONE}", "attempts": 2},
        "contexts": {"trace": {"trace_id": "a" * 32, "span_id": "b" * 16}},
        "breadcrumbs": {"values": [{"category": "query", "message": f"SELECT … WHERE phone_index = '{PHONE}'",
                                    "data": {"db.params": [PHONE]}}]},
        "tags": {"tenant": "t_alpha"},
    }


def test_a_request_event_keeps_what_helps_and_loses_credentials_and_personal_data():
    event = scrub_event(_django_event(), {})
    raw = json.dumps(event, ensure_ascii=False)
    for secret in (PHONE, ID_NO, JWT, "warm-winter-2026", "sessionid=abc", "203.0.113.9", "li@example.cn",
                   "c2ln", "MicroMessenger", "web-7f9c"):
        assert secret not in raw, secret
    request = event["request"]
    assert request["headers"] == {"Content-Type": "application/json", "X-Request-Id": "req-1"}
    assert request["url"] == "https://alpha.heatcloud.example.cn/graphql/"
    assert request["data"] == request["cookies"] == request["query_string"] == request["env"] == FILTERED
    assert "user" not in event and "vars" not in event["exception"]["values"][0]["stacktrace"]["frames"][0]
    assert event["exception"]["values"][0]["value"] == "owner 110***********1234 phone 139****5678 mismatch"
    assert event["extra"] == {"owner_phone": FILTERED, "note": "called by 139****5678", "attempts": 2}
    assert event["contexts"]["trace"]["trace_id"] == "a" * 32 and event["tags"] == {"tenant": "t_alpha"}


def test_breadcrumbs_are_scrubbed_too():
    crumb = scrub_breadcrumb({"category": "httplib", "message": f"GET /sms?mobile={PHONE}",
                              "data": {"url": f"https://sms.example/?mobile={PHONE}", "secret": "s3cr3t"}}, {})
    assert PHONE not in json.dumps(crumb) and crumb["data"]["secret"] == FILTERED


class _Capture(Transport):
    """Sentry's own transport interface, keeping envelopes instead of sending them: the outside service."""

    def __init__(self, options=None):
        super().__init__(options)
        self.envelopes: list[Envelope] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        self.envelopes.append(envelope)


@pytest.fixture
def sentry():
    transport = _Capture()
    options = sentry_options(dsn="https://public@sentry.example.invalid/1", environment="test", release="r1",
                             traces_sample_rate=0.0)
    # The Django/Celery integrations patch process-wide hooks; the scrubbing under test is in the options.
    sentry_sdk.init(**options, transport=transport, default_integrations=False, auto_enabling_integrations=False)
    yield transport
    sentry_sdk.init()  # no DSN: a disabled client again


def test_options_capture_no_local_variables_or_bodies_and_scrub_every_event():
    options = sentry_options(dsn="https://k@sentry.example.invalid/1", environment="prod", release="",
                             traces_sample_rate=0)
    assert "send_default_pii" not in options and "data_collection" not in options  # Sentry's default: off
    assert options["include_local_variables"] is False and options["max_request_body_size"] == "never"
    assert options["before_send"] is options["before_send_transaction"] is scrub_event
    assert options["release"] is None


def test_an_exception_sent_through_the_sdk_arrives_scrubbed(sentry):
    with sentry_sdk.new_scope() as scope:
        scope.set_user({"id": "42", "username": "li", "phone": PHONE})
        scope.set_extra("payer_openid", OPENID)
        scope.set_context("request", {"headers": {"Authorization": "Bearer " + JWT}})
        try:
            raise RuntimeError(f"SMS to {PHONE} failed with token {JWT}")
        except RuntimeError as exc:
            sentry_sdk.capture_exception(exc)
    sentry_sdk.flush()
    [envelope] = sentry.envelopes
    event = envelope.get_event()
    raw = json.dumps(event, ensure_ascii=False)
    assert PHONE not in raw and JWT not in raw and OPENID not in raw and "user" not in event
    assert sentry_sdk.get_client().should_send_default_pii() is False
    assert event["exception"]["values"][0]["value"] == "SMS to 139****5678 failed with token [Filtered]"
    assert event["release"] == "r1" and event["environment"] == "test"
