"""Optional error reporting to Sentry (SENTRY_DSN), with personal data and secrets scrubbed.

Sentry's own default (neither `send_default_pii`, deprecated, nor `data_collection` set: off) keeps its
integrations from attaching users, IPs, cookies and bodies, and its EventScrubber drops the usual credential
fields; local variables and request bodies are not captured. `scrub_event` (before_send and
before_send_transaction) is the second line: whatever an integration or our code attached anyway is
filtered here. Allow-lists where the shape is known (request headers), key-based redaction and
`pii.scrub_text` for every other string."""

from __future__ import annotations

import re
from typing import Any

from heat_platform.pii import scrub_text

FILTERED = "[Filtered]"
# Request headers worth having in an error report; every other header (Authorization, Cookie, Wechatpay-*
# signatures, X-Forwarded-For, …) is dropped.
KEEP_HEADERS = frozenset({"content-type", "content-length", "host", "x-request-id", "accept", "accept-language"})
# Keys whose values are credentials or personal data wherever they appear in an event.
SENSITIVE_KEY = re.compile(
    r"pass|secret|token|key|auth|cookie|session|csrf|sign|phone|mobile|id_?no|idcard|id_number|openid|unionid|"
    r"owner|resident|contact|address|email|card|account_?no|ip_address|remote_addr|x-forwarded", re.IGNORECASE)


def _scrub(value: Any, depth: int = 0) -> Any:
    if depth > 20:
        return FILTERED
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {k: FILTERED if isinstance(k, str) and SENSITIVE_KEY.search(k) else _scrub(v, depth + 1)
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v, depth + 1) for v in value]
    return value


def scrub_event(event: dict, hint: dict | None = None) -> dict:
    """Sentry's before_send: the event without personal data or secrets."""
    event.pop("user", None)  # who was affected is in our own logs (user kind), not at a third party
    event.pop("server_name", None)
    request = event.get("request")
    if isinstance(request, dict):
        headers = request.get("headers") or {}
        request["headers"] = {k: v for k, v in headers.items() if k.lower() in KEEP_HEADERS}
        for part in ("cookies", "data", "env"):
            if request.get(part):
                request[part] = FILTERED
        if request.get("query_string"):
            request["query_string"] = FILTERED
        if isinstance(request.get("url"), str):
            request["url"] = request["url"].split("?", 1)[0]
    for exception in (event.get("exception") or {}).get("values") or []:
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    return _scrub(event)


def scrub_breadcrumb(crumb: dict, hint: dict | None = None) -> dict:
    return _scrub(crumb)


def sentry_options(*, dsn: str, environment: str, release: str, traces_sample_rate: float) -> dict:
    """Keyword arguments for sentry_sdk.init."""
    return {
        "dsn": dsn,
        "environment": environment,
        "release": release or None,
        "include_local_variables": False,
        "max_request_body_size": "never",
        "traces_sample_rate": traces_sample_rate,
        "before_send": scrub_event,
        "before_send_transaction": scrub_event,
        "before_breadcrumb": scrub_breadcrumb,
    }


def init_sentry(*, dsn: str, environment: str, release: str = "", traces_sample_rate: float = 0.0) -> None:
    """Sentry with its default integrations (Django, Celery, logging, …), scrubbed."""
    import sentry_sdk

    sentry_sdk.init(**sentry_options(dsn=dsn, environment=environment, release=release,
                                     traces_sample_rate=traces_sample_rate))
