"""How the sandbox gateways deliver notifies: a Celery task that POSTs the
signed body to the order's notify_url and retries like the real gateways do
(15 s, 15 s, 30 s, 3 min, …) until it gets a 2xx.

Browsers resolve `*.localhost` to loopback but Python's resolver here does
not, so a `*.localhost` URL is sent to 127.0.0.1 with the original Host header."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit, urlunsplit

import requests
from celery import shared_task

logger = logging.getLogger(__name__)

RETRY_DELAYS = (15, 15, 30, 180, 600, 1200, 1800)


def loopback_url(url: str) -> tuple[str, dict[str, str]]:
    """(URL to connect to, extra headers) for a notify URL."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if host.endswith(".localhost"):
        netloc = "127.0.0.1" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc)), {"Host": parts.netloc}
    return url, {}


def post_notify(url: str, body: bytes, headers: dict[str, str]) -> int:
    target, extra = loopback_url(url)
    response = requests.post(target, data=body, headers={**headers, **extra}, timeout=10)
    return response.status_code


@shared_task(name="payments_sandbox.deliver_notify", bind=True, max_retries=len(RETRY_DELAYS))
def deliver_notify(self, url: str, body: str, headers: dict[str, str]) -> int:
    """The body is a str (form-encoded for Alipay, whose notifies carry no freshness check)."""
    return _attempt(self, url, body, headers)


@shared_task(name="payments_sandbox.deliver_wechat_notify", bind=True, max_retries=len(RETRY_DELAYS))
def deliver_wechat_notify(self, merchant_id: str, url: str, event_type: str, resource: dict) -> int:
    """WeChat Pay signs every delivery afresh: a retry carries a new timestamp and
    nonce, so it passes the receiver's 300-second window like the first one."""
    from .wechat import signed_notify

    headers, body = signed_notify(merchant_id, event_type, resource)
    return _attempt(self, url, body, headers)


def _attempt(self, url: str, body: str, headers: dict[str, str]) -> int:
    try:
        status = post_notify(url, body.encode(), headers)
    except requests.RequestException as exc:
        status = 0
        logger.warning("sandbox notify to %s failed: %s", url, exc)
    if not 200 <= status < 300 and self.request.retries < self.max_retries and not self.request.is_eager:
        raise self.retry(countdown=RETRY_DELAYS[self.request.retries])
    return status
