"""The notify log (`PaymentNotify`): what we did with each notify, without
letting anyone fill the database through the notify endpoints.

- A verified notify (signed by the gateway for this company's merchant, and
  decrypted) is about money: it gets its own row, whatever its outcome.
- Anything refused before that point (a body over the size cap, unsigned, badly
  signed, stale, undecryptable, lacking the merchant/app ids, or sent to a
  company with no merchant account) is junk until proven otherwise. It is
  counted in the shared cache per company (tenant-aware keys), channel and
  reason in one-minute windows. The first of a window is written as a row
  (with its client IP) and logged; the rest only count. The count reaches that
  row when it passes 10, 100, 1000, … and, exactly, when the next window of the
  same reason opens. So 10,000 junk requests in a minute write one row and a
  handful of updates, and as many log lines.

Verified notifies that tell us nothing new are counted the same way, per
order: a replay of a notify already settled (`duplicate`), and one about an
order or refund this company never had (`rejected`, "unknown order"). A
gateway retries a few times; anything more is a replay — in partner mode every
company's notifies are signed with the platform's keys, so one company could
replay its own to another's endpoint, and Alipay's carry no timestamp.

Reasons are the providers' fixed texts (never copied from a request), so the
set of counters is small."""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import time
from dataclasses import dataclass

from django.core.cache import cache

from .models import PaymentNotify

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60
_KEEP = 3 * WINDOW_SECONDS  # the previous window's counter must outlive it


def _clock() -> float:
    return time.time()


def _ip(value: str | None) -> str | None:
    """A client IP the column can hold; a forwarded header may carry anything."""
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


@dataclass(frozen=True)
class Received:
    """A verified notify, logged with what settling it did, inside the settling transaction."""

    channel: str
    kind: str
    notify_id: str = ""
    ip: str | None = None

    def record(self, *, result: str, reason: str, out_trade_no: str) -> None:
        if result == PaymentNotify.Outcome.DUPLICATE or (result == PaymentNotify.Outcome.REJECTED
                                                         and reason in NOTHING_HERE):
            _count(channel=self.channel, kind=self.kind, outcome=result, reason=reason or result,
                   out_trade_no=out_trade_no, ip=self.ip)
        else:
            notify_record(channel=self.channel, kind=self.kind, outcome=result, reason=reason,
                          notify_id=self.notify_id, out_trade_no=out_trade_no, ip=self.ip)


# Settling's reasons for a verified notify about nothing this company has.
NOTHING_HERE = frozenset({"unknown order", "unknown refund"})


def notify_record(*, channel: str, kind: str, outcome: str, reason: str = "", notify_id: str = "",
                  out_trade_no: str = "", ip: str | None = None) -> PaymentNotify:
    """One row for one verified notify."""
    return PaymentNotify.objects.create(channel=channel, kind=kind, outcome=outcome, reason=reason[:255],
                                        notify_id=notify_id[:64], out_trade_no=out_trade_no[:64], remote_ip=_ip(ip))


def notify_junk(*, channel: str, reason: str, ip: str | None = None) -> int:
    """Count one refused, unverified notify; write or update a row only as described above.
    Returns the count in the current window."""
    return _count(channel=channel, kind="unknown", outcome=PaymentNotify.Outcome.REJECTED, reason=reason, ip=ip)


def _count(*, channel: str, kind: str, outcome: str, reason: str, out_trade_no: str = "",
           ip: str | None = None) -> int:
    now = _clock()
    window = int(now // WINDOW_SECONDS)
    what = hashlib.sha256(f"{kind}|{outcome}|{reason}|{out_trade_no}".encode()).hexdigest()[:16]
    base = f"payments:notify-count:{channel}:{what}"
    count_key, row_key = f"{base}:{window}", f"{base}:{window}:row"
    if cache.add(count_key, 1, _KEEP):
        count = 1
    else:
        try:
            count = cache.incr(count_key)
        except ValueError:  # expired between add and incr
            cache.add(count_key, 1, _KEEP)
            count = 1
    if count == 1:
        row = PaymentNotify.objects.create(channel=channel, kind=kind, outcome=outcome, reason=reason[:255],
                                           out_trade_no=out_trade_no[:64], remote_ip=_ip(ip))
        cache.set(row_key, row.pk, _KEEP)
        logger.warning("%s notify %s: %s", channel, outcome, reason)
        _flush(channel, reason, f"{base}:{window - 1}", exact=True)
    elif _is_power_of_ten(count):
        _flush(channel, reason, count_key, exact=False, count=count)
    return count


def _flush(channel: str, reason: str, count_key: str, *, exact: bool, count: int | None = None) -> None:
    found = cache.get_many([count_key, f"{count_key}:row"])
    count = count if count is not None else int(found.get(count_key) or 0)
    row_id = found.get(f"{count_key}:row")
    if count <= 1 or row_id is None:
        return
    text = f"{reason} [{count} in this minute]" if exact else f"{reason} [{count}+ in this minute]"
    PaymentNotify.objects.filter(pk=row_id).update(reason=text[:255])
    logger.warning("%s notify %s%s times in a minute: %s", channel, count, "" if exact else "+", reason)


def _is_power_of_ten(n: int) -> bool:
    return n >= 10 and str(n).rstrip("0") == "1"
