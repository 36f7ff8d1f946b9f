"""The outbox: every message to a resident goes in here once (deduplicated) and is pushed on the best channel the
resident may be reached by.

- `enqueue` / `enqueue_many` write Message rows with one bulk `INSERT … ON CONFLICT (dedup_key) DO NOTHING` (a
  re-run campaign or a replayed notify makes no second message). The message is in the resident's in-app inbox
  at once (title and body rendered from the kind's MessageTemplate); its push is due at `not_before`, moved to the
  end of the company's quiet hours unless the kind is exempt (payment receipts).
- `dispatch_due` claims due PENDING rows with `SELECT … FOR UPDATE SKIP LOCKED` (status → SENDING in the same
  transaction), so two dispatchers never push the same message; `dispatch_message` claims one row by
  compare-and-set. The push itself (apps/messaging/channels.py) runs outside any lock.
- Order: WeChat subscription message (the kind has a template id and the resident an active grant) → SMS (enabled,
  approved template, the resident opted in, has a phone, the phone's daily cap not reached) → in-app only. A busy
  WeChat is retried with backoff (1, 5, 30, 120 minutes) before falling through; an SMS whose outcome is unknown
  makes the message UNCERTAIN and it is never sent again (SendSms is not idempotent).
- The per-resident daily cap counts WeChat and SMS pushes of bill and due reminders of the local day; over it such
  a message stays in-app only. Receipts, invoices and ticket updates are neither counted nor held.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q
from django.db.models.functions import Now
from django.utils import timezone

from heat_platform.kernel.locks import xact_lock
from heat_platform.kernel.tasks import enqueue_on_commit

from . import quiet
from .models import (
    Channel,
    Delivery,
    Message,
    MessageKind,
    MessageTemplate,
    MessagingSettings,
    SmsConsent,
    SubscriptionGrant,
)

logger = logging.getLogger(__name__)

K = MessageKind
KIND_VARIABLES: dict[str, tuple[str, ...]] = {
    K.BILL_PUBLISHED: ("house", "account_no", "season", "amount", "due_date"),
    K.PAYMENT_DUE: ("house", "account_no", "season", "amount", "due_date"),
    K.PAYMENT_RECEIPT: ("house", "amount", "paid_at", "order_no", "channel"),
    K.REFUND_RECEIPT: ("house", "amount", "refunded_at", "order_no", "reason"),
    K.INVOICE_ISSUED: ("house", "amount", "invoice_no", "issued_at"),
    K.TICKET_UPDATE: ("ticket_no", "ticket_title", "status", "updated_at", "note"),
}
# Fixed texts every template may use besides the kind's variables (never stored per message).
FIXED_VARIABLES: dict[str, str] = {"tip": "如已缴纳请忽略"}
# Pushed right after the commit that created them (the resident is waiting); the rest wait for the beat.
URGENT_KINDS = frozenset({K.PAYMENT_RECEIPT, K.REFUND_RECEIPT, K.INVOICE_ISSUED, K.TICKET_UPDATE})
# The per-resident daily cap counts and holds only what the company sends of its own accord; receipts, invoices
# and ticket updates answer the resident's own action (a landlord's campaign must not swallow their receipt).
CAPPED_KINDS = frozenset({K.BILL_PUBLISHED, K.PAYMENT_DUE})
BACKOFF_MINUTES = (1, 5, 30, 120)  # a retryable WeChat failure waits this long before try 2, 3, 4, 5
INSERT_BATCH = 5000
CLAIM_BATCH = 100
STALE_SENDING = dt.timedelta(minutes=15)  # a claim older than this was abandoned by a dead worker
SWEEP_BUDGET_SECONDS = 45.0  # a sweep claims no new batch after this: the next beat (1 min) takes over
S = Message.Status


@dataclass(frozen=True)
class OutboxRow:
    resident_id: int
    kind: str
    key: str
    variables: dict[str, str]
    page: str = ""


def allowed_variables(kind: str) -> tuple[str, ...]:
    return (*KIND_VARIABLES[kind], *FIXED_VARIABLES)


def render_vars(kind: str, variables: dict[str, str]) -> dict[str, str]:
    return {**FIXED_VARIABLES, **{name: variables.get(name, "") for name in KIND_VARIABLES[kind]}}


class _Blank(dict):
    def __missing__(self, key):
        return ""


def render_text(text: str, values: dict[str, str]) -> str:
    """`{name}` placeholders (checked on save by templates.update_message_template); never raises."""
    try:
        return text.format_map(_Blank(values))
    except (ValueError, IndexError, KeyError, AttributeError):
        return text


def _check_row(row: OutboxRow) -> dict[str, str]:
    """A programming error in a caller is loud: unknown kinds, missing or unknown variables."""
    if row.kind not in KIND_VARIABLES:
        raise ValueError(f"unknown message kind {row.kind!r}")
    names = KIND_VARIABLES[row.kind]
    unknown = set(row.variables) - set(names)
    missing = set(names) - set(row.variables)
    if unknown or missing:
        raise ValueError(f"{row.kind}: unknown variables {sorted(unknown)}, missing {sorted(missing)}")
    if len(f"{row.kind}:{row.key}") > 120 or not str(row.key):
        raise ValueError(f"{row.kind}: the dedup key must be 1–{119 - len(row.kind)} characters")
    return {name: str(row.variables[name]) for name in names}


def _templates() -> dict[str, MessageTemplate]:
    from .templates import ensure_default_templates

    return ensure_default_templates()


def _insert(rows: list[OutboxRow], *, campaign_id: int | None, now: dt.datetime, returning: bool,
            templates: dict[str, MessageTemplate], msettings: MessagingSettings) -> list[int] | int:
    """One statement per batch: arrays bound as 8 parameters (unnest), whatever the batch size."""
    columns: list[list] = [[], [], [], [], [], [], [], []]
    seen: set[str] = set()
    due_by_kind: dict[str, dt.datetime] = {}
    for row in sorted(rows, key=lambda r: (r.kind, str(r.key))):  # one order: concurrent batches never deadlock
        values = _check_row(row)
        dedup = f"{row.kind}:{row.key}"
        if dedup in seen:
            continue
        seen.add(dedup)
        tpl = templates[row.kind]
        shown = render_vars(row.kind, values)
        due = due_by_kind.get(row.kind)
        if due is None:  # the same for every row of a kind in one call
            due = due_by_kind[row.kind] = quiet.release_time(now, kind=row.kind, messaging_settings=msettings)
        for column, value in zip(columns, (row.resident_id, row.kind, dedup,
                                           json.dumps(values, ensure_ascii=False),
                                           render_text(tpl.in_app_title, shown)[:60],
                                           render_text(tpl.in_app_body, shown)[:500], row.page[:128], due),
                                 strict=True):
            column.append(value)
    if not seen:
        return [] if returning else 0
    table = connection.ops.quote_name(Message._meta.db_table)
    sql = (f"INSERT INTO {table} (resident_id, kind, dedup_key, variables, title, body, page, campaign_id, status, "
           "channel, not_before, attempts, last_error, note, created_at) "
           "SELECT r, k, d, v::jsonb, t, b, p, %s::bigint, %s::text, '', nb, 0, '', '', %s::timestamptz "
           "FROM unnest(%b::bigint[], %b::text[], %b::text[], %b::text[], %b::text[], %b::text[], %b::text[], "
           "%b::timestamptz[]) AS u(r, k, d, v, t, b, p, nb) "
           "ON CONFLICT (dedup_key) DO NOTHING" + (" RETURNING id" if returning else ""))
    return _execute_insert(sql, [campaign_id, str(S.PENDING), now, *columns], returning=returning)


def _execute_insert(sql: str, params: list, *, returning: bool) -> list[int] | int:
    """The arrays go in binary (%b) through psycopg's own cursor (server-side binding): Django's client-side-binding
    cursor would quote every array element in Python, about 13 times slower (tests/perf/bench_messaging.py).
    Django's cursor is opened first so the company's search_path is set on this connection."""
    import psycopg

    with connection.cursor() as django_cursor, psycopg.Cursor(django_cursor.cursor.connection) as cur:
        cur.execute(sql, params)
        return [r[0] for r in cur.fetchall()] if returning else cur.rowcount


def enqueue(*, resident_id: int, kind: str, key: str, variables: dict[str, str], page: str = "",
            campaign_id: int | None = None, now: dt.datetime | None = None) -> Message | None:
    """One message (dedup_key = f"{kind}:{key}"); None when it was enqueued before. Urgent kinds are dispatched
    right after the caller's transaction commits."""
    row = OutboxRow(resident_id=resident_id, kind=kind, key=key, variables=variables, page=page)
    ids = _insert([row], campaign_id=campaign_id, now=now or timezone.now(), returning=True,
                  templates=_templates(), msettings=MessagingSettings.get())
    if not ids:
        return None
    if kind in URGENT_KINDS:
        from .tasks import dispatch_message_task

        enqueue_on_commit(dispatch_message_task, ids[0])
    return Message.objects.get(pk=ids[0])


def enqueue_many(rows: Iterable[OutboxRow], *, campaign_id: int | None = None,
                 now: dt.datetime | None = None) -> int:
    """Bulk enqueue (a campaign): returns how many messages are new. Rows are consumed in batches, so a
    generator of 100,000 rows never sits in memory whole. The beat dispatches them (urgent kinds: at commit)."""
    now = now or timezone.now()
    common = {"campaign_id": campaign_id, "now": now, "returning": False, "templates": _templates(),
              "msettings": MessagingSettings.get()}
    inserted, batch, urgent = 0, [], False
    for row in rows:
        batch.append(row)
        urgent = urgent or row.kind in URGENT_KINDS
        if len(batch) >= INSERT_BATCH:
            inserted += _insert(batch, **common)
            batch = []
    if batch:
        inserted += _insert(batch, **common)
    if inserted and urgent:
        from .tasks import dispatch_due_task

        enqueue_on_commit(dispatch_due_task)
    return inserted


# --- dispatch --------------------------------------------------------------------------------------------------

class DispatchContext:
    """What one dispatch run reads once: the company's settings, templates, WeChat client and SMS provider."""

    def __init__(self):
        self.settings = MessagingSettings.get()
        self.templates = _templates()
        self._wechat = self._sms = None
        self._wechat_loaded = False

    def wechat(self):
        if not self._wechat_loaded:
            self._wechat_loaded = True
            try:
                from .wechat import SubscribeClient
            except ImportError:  # the client is not installed in this build
                return None
            self._wechat = SubscribeClient.for_current_company()
        return self._wechat

    def sms(self):
        if self._sms is None:
            from apps.residents.sms import get_sms_provider

            self._sms = get_sms_provider()
        return self._sms


def dispatch_due(*, limit: int = 500, now: dt.datetime | None = None,
                 budget_seconds: float | None = None) -> int:
    """Push up to `limit` due messages of the current company; returns how many were taken.

    The clock is read afresh for each claim and each message (a sweep started at 20:59 must hold what it reaches
    after 21:00); a test passes `now` to fix it. No batch is claimed once the sweep has run `budget_seconds`
    (default SWEEP_BUDGET_SECONDS), so the minute beat's sweeps do not pile up behind a slow provider."""
    budget = SWEEP_BUDGET_SECONDS if budget_seconds is None else budget_seconds
    started = time.monotonic()
    ctx, done = None, 0
    while done < limit:
        if done and time.monotonic() - started >= budget:
            break
        with transaction.atomic():
            ids = list(Message.objects.select_for_update(skip_locked=True)
                       .filter(status=S.PENDING, not_before__lte=now or timezone.now()).order_by("not_before", "id")
                       .values_list("id", flat=True)[:min(CLAIM_BATCH, limit - done)])
            if not ids:
                break
            # the claim's stamp is the database's clock, which release_stale compares with
            Message.objects.filter(pk__in=ids).update(status=S.SENDING, not_before=Now())
        ctx = ctx or DispatchContext()
        for message_id in _finish_in_app_bulk(ids, ctx, now or timezone.now()):
            _deliver_safely(message_id, ctx, now or timezone.now())
        done += len(ids)
    return done


def _finish_in_app_bulk(ids: list[int], ctx: DispatchContext, now: dt.datetime) -> list[int]:
    """The claimed messages that cannot be pushed on any channel are finished in-app in one UPDATE, decided from a
    few batch-wide reads (residents, grants, SMS consents, cap counts) by the same rules, and with the same notes,
    as `_deliver` (most of a payment-due campaign: no grant, no SMS consent). Returns the ids that may be pushed,
    or are held by quiet hours, for the per-message path."""
    rows = list(Message.objects.filter(pk__in=ids, status=S.SENDING).annotate(
        has_phone=ExpressionWrapper(~Q(resident__phone=""), output_field=BooleanField())).values_list(
        "pk", "kind", "resident_id", "attempts", "resident__is_active", "resident__erased_at", "resident__openid",
        "has_phone"))
    held = {kind for kind in {r[1] for r in rows}
            if quiet.release_time(now, kind=kind, messaging_settings=ctx.settings) > now}
    residents = {r[2] for r in rows}
    template_ids = {t.wechat_template_id for t in ctx.templates.values() if t.wechat_template_id}
    granted = set(SubscriptionGrant.objects.filter(
        Q(kind=SubscriptionGrant.Kind.LONG_TERM) | Q(credits__gt=0), resident_id__in=residents,
        template_id__in=template_ids, status=SubscriptionGrant.Status.ACTIVE)
                  .values_list("resident_id", "template_id")) if template_ids else set()
    consented = set(SmsConsent.objects.filter(resident_id__in=residents, opted_in=True)
                    .values_list("resident_id", flat=True)) if ctx.settings.sms_enabled else set()
    start = quiet.local_day_start(now)
    pushed_today = dict(Message.objects.filter(
        Q(channel__in=(Channel.WECHAT, Channel.SMS), status__in=(S.SENT, S.UNCERTAIN)) | Q(status=S.SENDING),
        resident_id__in=residents, kind__in=CAPPED_KINDS, sent_at__gte=start, sent_at__lt=start + dt.timedelta(days=1),
    ).values("resident_id").annotate(n=Count("id")).values_list("resident_id", "n"))
    finished: list[tuple[int, str, int]] = []  # id, note, attempts
    rest: list[int] = []
    for pk, kind, resident_id, attempts, active, erased_at, openid, has_phone in rows:
        template = ctx.templates.get(kind)
        if kind in held:
            rest.append(pk)
        elif template is None or not template.is_active:
            finished.append((pk, "template_inactive", attempts))
        elif not active or erased_at is not None:
            finished.append((pk, "resident_inactive", attempts))
        elif kind in CAPPED_KINDS and pushed_today.get(resident_id, 0) >= ctx.settings.resident_daily_cap:
            finished.append((pk, "capped", attempts))
        else:
            wx = _wechat_skip(template, openid, resident_id, granted, ctx)
            sms = _sms_skip(template, has_phone, resident_id in consented, ctx)
            if wx and sms:
                finished.append((pk, f"{wx};{sms}", attempts + 1))
            else:
                rest.append(pk)
    if finished:
        table = connection.ops.quote_name(Message._meta.db_table)
        _execute_insert(  # an UPDATE from arrays bound in binary, like the INSERT
            f"UPDATE {table} AS m SET status = %s, channel = %s, note = u.note, attempts = u.attempts, "
            "sent_at = %s, last_error = '' FROM unnest(%b::bigint[], %b::text[], %b::int[]) AS u(id, note, attempts) "
            "WHERE m.id = u.id AND m.status = %s",
            [str(S.SENT), str(Channel.IN_APP), now, *map(list, zip(*finished, strict=True)), str(S.SENDING)],
            returning=False)
    return sorted(rest)


def _wechat_skip(template: MessageTemplate, openid: str, resident_id: int, granted: set, ctx) -> str:
    """channels.push_wechat's reason not to try, or "" when it would try."""
    if not template.wechat_template_id or not template.wechat_fields:
        return "no_wechat_template"
    if not openid or openid.startswith("erased:"):
        return "no_openid"
    if ctx.wechat() is None:
        return "no_miniprogram"
    return "" if (resident_id, template.wechat_template_id) in granted else "no_grant"


def _sms_skip(template: MessageTemplate, has_phone: bool, consented: bool, ctx) -> str:
    """channels.push_sms's reason not to try, or "" when it would try (the phone's cap is checked on the way)."""
    if not ctx.settings.sms_enabled:
        return "sms_disabled"
    if (template.sms_approval != MessageTemplate.SmsApproval.APPROVED or not template.sms_template_code
            or not template.sms_text):
        return "no_sms_template"
    if not has_phone:
        return "no_phone"
    return "" if consented else "no_sms_consent"


def dispatch_message(message_id: int, *, now: dt.datetime | None = None) -> None:
    """Push one message now if it is due and nobody else took it (compare-and-set PENDING → SENDING)."""
    claimed = Message.objects.filter(pk=message_id, status=S.PENDING, not_before__lte=now or timezone.now()).update(
        status=S.SENDING, not_before=Now())
    if claimed:
        _deliver_safely(message_id, DispatchContext(), now or timezone.now())


def release_stale(*, now: dt.datetime | None = None) -> int:
    """Claims older than STALE_SENDING (by the database clock unless `now` is given), abandoned by a dead or
    stuck worker. One that never reserved its push (sent_at unset, no delivery that may have gone out) was never
    pushed: it is due again. The rest may have gone out: UNCERTAIN, never resent. A worker still holding such a
    claim finds it gone before pushing (_reserve_push) and stops."""
    cutoff = (now or Now()) - STALE_SENDING
    stale = Message.objects.filter(status=S.SENDING, not_before__lt=cutoff)
    maybe_out = Delivery.objects.filter(message_id=OuterRef("pk"),
                                        status__in=(Delivery.Status.SENT, Delivery.Status.UNCERTAIN))
    unpushed = Q(sent_at__isnull=True) & ~Exists(maybe_out)
    again = stale.filter(unpushed).update(status=S.PENDING, not_before=now or Now(), channel="",
                                          note="stale_claim_released")
    uncertain = stale.exclude(unpushed).update(status=S.UNCERTAIN, note="stale_claim")
    return again + uncertain


class ClaimLostError(Exception):
    """This worker's claim on a message was released (release_stale) before it pushed: another sweep owns it."""


def _deliver_safely(message_id: int, ctx: DispatchContext, now: dt.datetime) -> None:
    try:
        _deliver(message_id, ctx, now)
    except ClaimLostError:
        logger.warning("message %s: claim released before the push; left to the next sweep", message_id)
    except Exception:  # one message's trouble never stops the batch
        logger.exception("message %s: dispatch failed", message_id)
        # FAILED means "definitely not delivered" (staff may retry it); once a push may have left (a delivery sent
        # or uncertain, or the channel marked before the request) it is UNCERTAIN: never resent.
        pushed = Message.objects.filter(pk=message_id).exclude(channel="").exists() or Delivery.objects.filter(
            message_id=message_id, status__in=(Delivery.Status.SENT, Delivery.Status.UNCERTAIN)).exists()
        Message.objects.filter(pk=message_id, status=S.SENDING).update(
            status=S.UNCERTAIN if pushed else S.FAILED, last_error="internal")


def _finish(message: Message, *, status: str, channel: str = "", note: str = "", now: dt.datetime,
            not_before: dt.datetime | None = None, last_error: str | None = None) -> None:
    fields = {"status": status, "channel": channel, "note": note[:64], "attempts": message.attempts}
    if status in (S.SENT, S.UNCERTAIN, S.FAILED):
        fields["sent_at"] = now
    elif status == S.PENDING:
        fields["sent_at"] = None  # a slot reserved for this round is given back
    if not_before is not None:
        fields["not_before"] = not_before
    if last_error is not None:
        fields["last_error"] = last_error[:64]
    if not Message.objects.filter(pk=message.pk, status=S.SENDING).update(**fields):
        logger.warning("message %s: no longer SENDING (released as stale); %s not recorded", message.pk, status)


def resident_pushes_today(resident_id: int, now: dt.datetime, *, exclude: int | None = None) -> int:
    """WeChat and SMS pushes of the capped kinds on `now`'s local day, and such pushes another dispatcher has
    reserved and not finished."""
    start = quiet.local_day_start(now)
    pushed = Q(channel__in=(Channel.WECHAT, Channel.SMS), status__in=(S.SENT, S.UNCERTAIN))
    in_flight = Q(status=S.SENDING)
    qs = Message.objects.filter(pushed | in_flight, resident_id=resident_id, kind__in=CAPPED_KINDS,
                                sent_at__gte=start,
                                sent_at__lt=start + dt.timedelta(days=1))
    return (qs.exclude(pk=exclude) if exclude else qs).count()


def _reserve_push(message: Message, ctx: DispatchContext, now: dt.datetime) -> bool:
    """Under the resident's lock: below the daily cap, this message takes a slot (sent_at, while SENDING) that a
    concurrent dispatcher counts; False when the cap is reached. ClaimLostError when the claim was released meanwhile
    (once sent_at is set, release_stale makes it UNCERTAIN instead: never pushed twice)."""
    with transaction.atomic():
        xact_lock("messaging.resident_push", message.resident_id)
        capped = message.kind in CAPPED_KINDS and resident_pushes_today(
            message.resident_id, now, exclude=message.pk) >= ctx.settings.resident_daily_cap
        if capped:
            if not Message.objects.filter(pk=message.pk, status=S.SENDING).exists():
                raise ClaimLostError
            return False
        if not Message.objects.filter(pk=message.pk, status=S.SENDING).update(sent_at=now):
            raise ClaimLostError
    return True


def _deliver(message_id: int, ctx: DispatchContext, now: dt.datetime) -> None:
    from . import channels

    message = Message.objects.select_related("resident").get(pk=message_id)
    held = quiet.release_time(now, kind=message.kind, messaging_settings=ctx.settings)
    if held > now:
        _finish(message, status=S.PENDING, now=now, not_before=held, note="quiet_hours")
        return
    template = ctx.templates.get(message.kind)
    resident = message.resident
    if template is None or not template.is_active:
        _finish(message, status=S.SENT, channel=Channel.IN_APP, note="template_inactive", now=now)
        return
    if not resident.is_active or resident.erased_at is not None:
        _finish(message, status=S.SENT, channel=Channel.IN_APP, note="resident_inactive", now=now)
        return
    if not _reserve_push(message, ctx, now):
        _finish(message, status=S.SENT, channel=Channel.IN_APP, note="capped", now=now)
        return

    message.attempts += 1
    notes: list[str] = []
    attempted = False
    wx = channels.push_wechat(message, template, ctx, now)
    if wx.result == channels.SENT:
        _finish(message, status=S.SENT, channel=Channel.WECHAT, now=now, last_error="")
        return
    if wx.result == channels.UNCERTAIN:  # WeChat may have delivered it: never resent, on any channel
        _finish(message, status=S.UNCERTAIN, channel=Channel.WECHAT, now=now, note="wechat_uncertain",
                last_error=wx.error)
        return
    if wx.result == channels.RETRY and message.attempts <= len(BACKOFF_MINUTES):
        due = now + dt.timedelta(minutes=BACKOFF_MINUTES[message.attempts - 1])
        due = quiet.release_time(due, kind=message.kind, messaging_settings=ctx.settings)
        _finish(message, status=S.PENDING, now=now, not_before=due, note="wechat_retry", last_error=wx.error)
        return
    attempted |= wx.result in (channels.FAILED, channels.RETRY)
    notes.append(wx.reason)

    sms = channels.push_sms(message, template, ctx, now)
    if sms.result == channels.SENT:
        _finish(message, status=S.SENT, channel=Channel.SMS, now=now, note=";".join(notes),
                last_error=wx.error or "")
        return
    if sms.result == channels.UNCERTAIN:
        _finish(message, status=S.UNCERTAIN, channel=Channel.SMS, now=now, note="sms_uncertain",
                last_error=sms.error)
        return
    attempted |= sms.result == channels.FAILED
    notes.append(sms.reason)
    error = sms.error or wx.error or ""
    if attempted:  # every push tried failed: the message stays in the inbox only
        _finish(message, status=S.FAILED, now=now, note=";".join(notes), last_error=error)
    else:
        _finish(message, status=S.SENT, channel=Channel.IN_APP, note=";".join(notes), now=now, last_error="")


# --- the resident's inbox and staff actions --------------------------------------------------------------------

MAX_MARK = 100


def check_mark_count(ids) -> None:
    """At most MAX_MARK ids (TOO_LONG), checked before any of them is converted."""
    from django.utils.translation import gettext as _

    from heat_platform.kernel.errors import field_error

    from .errors import MessagingErrorCode as Code

    if ids is not None and len(ids) > MAX_MARK:
        raise field_error("ids", _("一次最多标记 %(n)s 条。") % {"n": MAX_MARK}, Code.TOO_LONG)


def messages_mark_read(*, resident, ids=None, every: bool = False, now: dt.datetime | None = None) -> int:
    """Mark the resident's messages read (`ids`, or `every` one); returns how many changed. An id that is not one of
    the resident's own messages is NOT_FOUND and nothing changes."""
    from django.utils.translation import gettext as _

    from heat_platform.kernel.errors import field_error

    from .errors import MessagingErrorCode as Code

    now = now or timezone.now()
    mine = Message.objects.filter(resident=resident)
    if every:
        return mine.filter(read_at__isnull=True).update(read_at=now)
    check_mark_count(ids)
    try:
        wanted = {int(i) for i in (ids or ())}
    except (TypeError, ValueError):
        raise field_error("ids", _("找不到该消息。"), Code.NOT_FOUND) from None
    if not wanted:
        raise field_error("ids", _("请选择消息。"), Code.REQUIRED)
    if mine.filter(pk__in=wanted).count() != len(wanted):
        raise field_error("ids", _("找不到该消息。"), Code.NOT_FOUND)
    return mine.filter(pk__in=wanted, read_at__isnull=True).update(read_at=now)


RETRYABLE = (S.FAILED, S.SENT)


@transaction.atomic
def retry_message(*, actor, message_id: int, ip: str | None = None, now: dt.datetime | None = None) -> Message:
    """Staff push a message again: a FAILED one, or one that went in-app only (the resident has since granted or
    opted in). A message that was pushed (WeChat, SMS) or may have been (UNCERTAIN, or any delivery sent or
    uncertain) is never resent. Dispatched after commit (quiet hours still apply)."""
    from django.utils.translation import gettext as _

    from apps.audit.services import audit_record
    from heat_platform.kernel.errors import field_error

    from .errors import MessagingErrorCode as Code
    from .tasks import dispatch_message_task

    now = now or timezone.now()
    message = Message.objects.select_for_update().filter(pk=message_id).first()
    if message is None:
        raise field_error("id", _("找不到该消息。"), Code.NOT_FOUND)
    maybe_delivered = message.deliveries.filter(
        status__in=(Delivery.Status.SENT, Delivery.Status.UNCERTAIN)).exists()
    if (message.status not in RETRYABLE or (message.status == S.SENT and message.channel != Channel.IN_APP)
            or maybe_delivered):
        raise field_error("id", _("该消息当前状态（%(status)s）不能重新发送。") % {
            "status": message.get_status_display()}, Code.NOT_ALLOWED_IN_STATE)
    due = quiet.release_time(now, kind=message.kind, messaging_settings=MessagingSettings.get())
    before = message.status
    Message.objects.filter(pk=message.pk, status=before).update(status=S.PENDING, not_before=due, attempts=0,
                                                                note="", channel="", sent_at=None)
    audit_record(actor=actor, action="messaging.message_retry", target=message, ip=ip, kind=message.kind,
                 from_status=before)
    enqueue_on_commit(dispatch_message_task, message.pk)
    return Message.objects.get(pk=message.pk)
