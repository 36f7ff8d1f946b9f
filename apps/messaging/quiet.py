"""Quiet hours: a company's local (Asia/Shanghai) window in which no push goes out, by default 21:00–08:00.

A window whose start is after its end spans midnight; start == end means no quiet hours at all. A push that
falls due inside the window is held to the window's end; payment receipts are exempt (the resident just paid
and is looking at the phone)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings

from .models import MessageKind

EXEMPT_KINDS = frozenset({MessageKind.PAYMENT_RECEIPT})


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_day_start(moment: dt.datetime) -> dt.datetime:
    """Midnight of `moment`'s local day (daily caps count from here)."""
    zone = local_zone()
    return dt.datetime.combine(moment.astimezone(zone).date(), dt.time.min, tzinfo=zone)


def quiet_until(moment: dt.datetime, *, start: dt.time, end: dt.time) -> dt.datetime | None:
    """The end of the quiet window `moment` falls in, or None when `moment` is outside it."""
    if start == end:
        return None
    zone = local_zone()
    local = moment.astimezone(zone)
    now = local.time()
    if start < end:  # a window inside one day, e.g. 12:00–14:00
        inside, day = start <= now < end, local.date()
    else:  # spans midnight: the evening part ends tomorrow, the morning part today
        inside = now >= start or now < end
        day = local.date() + dt.timedelta(days=1) if now >= start else local.date()
    return dt.datetime.combine(day, end, tzinfo=zone) if inside else None


def release_time(moment: dt.datetime, *, kind: str, messaging_settings) -> dt.datetime:
    """When a push of `kind` due at `moment` may go out under the company's quiet hours."""
    if kind in EXEMPT_KINDS:
        return moment
    held = quiet_until(moment, start=_time(messaging_settings.quiet_start), end=_time(messaging_settings.quiet_end))
    return held or moment


def _time(value) -> dt.time:
    # A freshly created settings row still holds the field's string default ("21:00") until re-read.
    return value if isinstance(value, dt.time) else dt.time.fromisoformat(str(value))
