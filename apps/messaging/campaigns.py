"""Campaigns: a season's bill-published notices and payment-due reminders, sent through the outbox.

Audience: one message per (resident, bill) pair — every bill of the season (not waived or cancelled) whose house
the resident has bound (HouseBinding), residents active and not erased, optionally only some communities. A
payment-due reminder goes only to bills with something due now (issued / partially paid, principal > paid); a
bill-published notice does too when `arrears_only` is set.

Dedup: each message's outbox key is f"{season id}:{stage}:{bill id}:{resident id}", so re-running a campaign (a
crash, a second click, a later campaign of the same stage) sends nothing twice, and a new stage ("2", "final")
is a new reminder to everyone still chosen.

`campaign_preview` counts in one SQL statement what a start would do now: the pairs chosen, those already sent,
and per channel what the outbox would use for the others (WeChat: the kind's template has a WeChat id and the
resident holds an active grant with a credit left for this message; else SMS: SMS on, the kind's SMS template
approved, the resident opted in and has a phone; else in-app only). Quiet hours and daily caps can still hold a
push back when it is dispatched.

`campaign_start` creates the Campaign and queues `campaign_run` (Celery): it streams the audience in keyset
chunks of CHUNK_SIZE bills (memory does not grow with the audience), builds the variables, enqueues each chunk
with one `outbox.enqueue_many` and saves progress per chunk; then the outbox's dispatch sends them.

Nothing stays stuck: the task is redelivered when its worker dies (acks_late, reject_on_worker_lost), and
`campaigns_requeue_stale` (beat) queues again a campaign left queued or running for STALE_AFTER whose run lock
nobody holds (the broker lost the task, or redelivery did not happen); `campaign_run` is safe to run twice.
`campaign_cancel` stops a queued or running campaign (the run checks its status, under the campaign row's lock,
before each chunk) and cancels its messages still pending.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from celery import shared_task
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce, Now
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.billing.engine import TariffParams, amount_due
from apps.billing.facts import stopped_intervals
from apps.billing.models import Bill
from apps.properties.models import Building, Community, HeatingStatusChange, House, HouseBinding, Unit
from apps.residents.models import Resident
from apps.tariffs.models import Season
from heat_platform.kernel.errors import field_error
from heat_platform.kernel.jobs import JobBusyError
from heat_platform.kernel.locks import session_lock, xact_lock
from heat_platform.kernel.tasks import enqueue_on_commit
from heat_platform.money import fen_to_yuan_str

from .errors import MessagingErrorCode as Code
from .models import (
    Campaign,
    Message,
    MessageKind,
    MessageTemplate,
    MessagingSettings,
    SmsConsent,
    SubscriptionGrant,
)

logger = logging.getLogger(__name__)

KINDS = (MessageKind.BILL_PUBLISHED, MessageKind.PAYMENT_DUE)
UNFINISHED = (Campaign.Status.QUEUED, Campaign.Status.RUNNING)
CHUNK_SIZE = 2000  # bills per chunk: two SELECTs (bills, pairs), the status history once late fees run, one
# enqueue_many, one UPDATE of the progress
HOUSE_MAX = 20  # WeChat "thing" values: at most 20 characters
STAGE_RE = re.compile(r"^[0-9A-Za-z_.\-]+$")
STAGE_MAX = 32
MAX_COMMUNITIES = 500  # more ids than any company has communities: refused before anything is parsed or read
BILL_PAGE = "pages/bill-detail/bill-detail?id={}"
STALE_AFTER = dt.timedelta(minutes=10)  # queued / running this long with its lock free: the task was lost
# Test / benchmark seam: called with (campaign id, pairs processed so far) after each committed chunk.
CHUNK_HOOK: Callable[[int, int], None] | None = None


@dataclass(frozen=True)
class CampaignSpec:
    """A validated audience: what preview and start share."""

    kind: str
    season: Season
    community_ids: tuple[int, ...]
    arrears_only: bool  # effective: always true for PAYMENT_DUE
    stage: str

    def key(self, bill_id: int, resident_id: int) -> str:
        return f"{self.season.pk}:{self.stage}:{bill_id}:{resident_id}"


# --- input ---------------------------------------------------------------------------------------------------

def _int_id(value) -> int | None:
    try:
        pk = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return pk if 0 < pk < 2**63 else None


def campaign_spec(*, kind: str, season_id, community_ids: Sequence | None, arrears_only: bool,
                  stage: str | None) -> CampaignSpec:
    """Check the input (typed errors, nothing read beyond the season and the communities)."""
    if kind not in KINDS:
        raise field_error("kind", _("只能发送账单出账通知或缴费提醒。"), Code.INVALID)
    pk = _int_id(season_id)
    season = Season.objects.filter(pk=pk).first() if pk else None
    if season is None or season.status != Season.Status.OPEN:
        raise field_error("seasonId", _("请选择收费中的采暖季（账单已发布）。"), Code.NO_SEASON)
    stage = (stage or "").strip()
    if not stage:
        raise field_error("stage", _("请填写批次。"), Code.REQUIRED)
    if len(stage) > STAGE_MAX:
        raise field_error("stage", _("批次最多 %(n)d 个字符。") % {"n": STAGE_MAX}, Code.TOO_LONG)
    if not STAGE_RE.match(stage):
        raise field_error("stage", _("批次只能包含字母、数字、“-”“_”“.”。"), Code.INVALID)
    if len(community_ids or ()) > MAX_COMMUNITIES:
        raise field_error("communityIds", _("最多选择 %(n)d 个小区。") % {"n": MAX_COMMUNITIES},
                          Code.INVALID_AUDIENCE)
    ids = []
    for raw in community_ids or ():
        cid = _int_id(raw)
        if cid is None:
            raise field_error("communityIds", _("小区不存在。"), Code.INVALID_AUDIENCE)
        ids.append(cid)
    ids = sorted(set(ids))
    if ids and Community.objects.filter(pk__in=ids).count() != len(ids):
        raise field_error("communityIds", _("小区不存在。"), Code.INVALID_AUDIENCE)
    return CampaignSpec(kind=kind, season=season, community_ids=tuple(ids),
                        arrears_only=bool(arrears_only) or kind == MessageKind.PAYMENT_DUE, stage=stage)


# --- the audience, in SQL ------------------------------------------------------------------------------------

def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _bill_filters(spec: CampaignSpec) -> tuple[list[str], dict]:
    """WHERE terms on the bill (b) and its house (h) alone."""
    where = ["b.season_id = %(season)s", "b.status NOT IN ('waived', 'cancelled')"]
    params: dict = {"season": spec.season.pk}
    if spec.community_ids:
        where.append("h.community_id = ANY(%(communities)s)")
        params["communities"] = list(spec.community_ids)
    if spec.arrears_only:
        where.append("b.status IN ('issued', 'partially_paid') AND b.principal_fen > b.paid_fen")
    return where, params


def _audience_sql(spec: CampaignSpec, *, names: bool = False) -> tuple[str, dict]:
    """FROM … WHERE … of the (bill, resident) pairs, aliases b (bill), h (house), hb (binding), r (resident); with
    `names`, also c / bd / u (community, building, unit: small tables)."""
    where, params = _bill_filters(spec)
    where += ["r.is_active", "r.erased_at IS NULL"]
    sql = (f"FROM {_t(Bill)} b JOIN {_t(House)} h ON h.id = b.house_id "
           f"JOIN {_t(HouseBinding)} hb ON hb.house_id = b.house_id "
           f"JOIN {_t(Resident)} r ON r.id = hb.resident_id ")
    if names:
        sql += (f"JOIN {_t(Community)} c ON c.id = h.community_id JOIN {_t(Building)} bd ON bd.id = h.building_id "
                f"LEFT JOIN {_t(Unit)} u ON u.id = h.unit_id ")
    sql += "WHERE " + " AND ".join(where)
    return sql, params


def _dedup_prefix(spec: CampaignSpec) -> str:
    """The outbox's dedup_key is f"{kind}:{key}"; our key starts with season and stage."""
    return f"{spec.kind}:{spec.season.pk}:{spec.stage}:"


@dataclass(frozen=True)
class _Channels:
    wechat_template_id: str  # "" when WeChat cannot be used for this kind
    sms: bool


def _channels(kind: str) -> _Channels:
    template = MessageTemplate.objects.filter(kind=kind, is_active=True).first()
    settings = MessagingSettings.objects.filter(pk=1).first() or MessagingSettings()  # a read: no row created
    if template is None:
        return _Channels("", False)
    sms = bool(settings.sms_enabled and template.sms_template_code
               and template.sms_approval == MessageTemplate.SmsApproval.APPROVED)
    return _Channels(template.wechat_template_id or "", sms)


def campaign_preview(*, kind: str, season_id, community_ids: Sequence | None = None, arrears_only: bool = False,
                     stage: str | None = "1") -> dict:
    """The dry run: {"total", "already_sent", "by_channel": {"wechat", "sms", "in_app"}}. The channel counts are
    of the messages a start would create now (total − already_sent); a one-time WeChat grant covers as many of a
    resident's messages as it has credits left."""
    spec = campaign_spec(kind=kind, season_id=season_id, community_ids=community_ids, arrears_only=arrears_only,
                         stage=stage)
    return _preview(spec)


def _preview(spec: CampaignSpec) -> dict:
    channels = _channels(spec.kind)
    audience, params = _audience_sql(spec)
    params.update(prefix=_dedup_prefix(spec), tid=channels.wechat_template_id, sms=channels.sms)
    sql = f"""
WITH pairs AS (
    SELECT b.id AS bill_id, hb.resident_id, r.phone_index <> '' AS has_phone,
           EXISTS (SELECT 1 FROM {_t(Message)} m
                   WHERE m.dedup_key = %(prefix)s || b.id || ':' || hb.resident_id) AS sent
    {audience}
), fresh AS (
    SELECT p.*, row_number() OVER (PARTITION BY p.resident_id ORDER BY p.bill_id) AS n
    FROM pairs p WHERE NOT p.sent
), judged AS (
    SELECT f.n, (%(tid)s <> '' AND g.id IS NOT NULL
                 AND (g.kind = 'long_term' OR g.credits >= f.n)) AS wechat,
           (%(sms)s AND f.has_phone AND COALESCE(s.opted_in, false)) AS sms
    FROM fresh f
    LEFT JOIN {_t(SubscriptionGrant)} g ON g.resident_id = f.resident_id AND g.template_id = %(tid)s
                                          AND g.status = 'active'
    LEFT JOIN {_t(SmsConsent)} s ON s.resident_id = f.resident_id
)
SELECT (SELECT count(*) FROM pairs), (SELECT count(*) FROM pairs WHERE sent),
       count(*) FILTER (WHERE wechat), count(*) FILTER (WHERE NOT wechat AND sms),
       count(*) FILTER (WHERE NOT wechat AND NOT sms)
FROM judged"""
    with connection.cursor() as cur:
        cur.execute(sql, params)
        total, sent, wechat, sms, in_app = cur.fetchone()
    return {"total": total, "already_sent": sent, "by_channel": {"wechat": wechat, "sms": sms, "in_app": in_app}}


# --- start ---------------------------------------------------------------------------------------------------

@transaction.atomic
def campaign_start(*, kind: str, season_id, community_ids: Sequence | None = None, arrears_only: bool = False,
                   stage: str | None = "1", actor) -> Campaign:
    """Create and queue a campaign. Refused (CAMPAIGN_RUNNING) while another campaign of the same kind and season
    is queued or running: two at once would race for the same residents' grants and caps."""
    spec = campaign_spec(kind=kind, season_id=season_id, community_ids=community_ids, arrears_only=arrears_only,
                         stage=stage)
    xact_lock("messaging.campaign_start", f"{spec.kind}:{spec.season.pk}")  # serialises the check below
    if Campaign.objects.filter(kind=spec.kind, season=spec.season, status__in=UNFINISHED).exists():
        raise field_error("kind", _("该采暖季已有同类消息正在发送，请等待完成后再试。"), Code.CAMPAIGN_RUNNING)
    preview = _preview(spec)
    campaign = Campaign.objects.create(
        kind=spec.kind, season=spec.season, stage=spec.stage, community_ids=list(spec.community_ids),
        arrears_only=spec.arrears_only, preview=preview, total=preview["total"],
        created_by=actor if getattr(actor, "pk", None) else None)
    audit_record(actor=actor, action="campaign.start", target=campaign, kind=spec.kind, season_id=spec.season.pk,
                 stage=spec.stage, community_ids=list(spec.community_ids), arrears_only=spec.arrears_only,
                 total=preview["total"], already_sent=preview["already_sent"])
    enqueue_on_commit(campaign_run_task, campaign.pk)
    return campaign


# --- the worker side -----------------------------------------------------------------------------------------

_PAIRS_SQL = """
SELECT b.id, hb.resident_id, b.house_id, b.principal_fen, b.paid_fen, b.status, md5(b.snapshot::text),
       h.account_no, h.room, u.name, bd.name, c.name
{audience} AND b.id = ANY(%(bill_ids)s)
ORDER BY b.id, hb.resident_id"""


@dataclass(frozen=True, slots=True)
class _Pair:
    bill_id: int
    resident_id: int
    house_id: int
    principal_fen: int
    paid_fen: int
    status: str
    snapshot: str  # md5 of the tariff snapshot: a season's bills share a handful (_Params fetches each once)
    account_no: str
    room: str
    unit: str | None
    building: str
    community: str

    @property
    def house(self) -> str:
        return house_short_address(self.community, self.building, self.unit, self.room)


def _pairs(spec: CampaignSpec, *, limit: int) -> Iterator[list[_Pair]]:
    """The audience in chunks of `limit` bills (keyset on the bill id: each chunk is one short range of the bill
    index however far in it is; OFFSET would rescan everything before it), each chunk's pairs read by bill id. A
    chunk's pairs are its bills × their bound residents (a few per house)."""
    where, params = _bill_filters(spec)
    bills_sql = (f"SELECT b.id FROM {_t(Bill)} b JOIN {_t(House)} h ON h.id = b.house_id WHERE "
                 + " AND ".join(where) + " AND b.id > %(after)s ORDER BY b.id LIMIT %(limit)s")
    audience, pair_params = _audience_sql(spec, names=True)
    pairs_sql = _PAIRS_SQL.format(audience=audience)
    after = 0
    while True:
        with connection.cursor() as cur:
            cur.execute(bills_sql, {**params, "after": after, "limit": limit})
            bill_ids = [row[0] for row in cur.fetchall()]
            if not bill_ids:
                return
            cur.execute(pairs_sql, {**pair_params, "bill_ids": bill_ids})
            page = [_Pair(*row) for row in cur.fetchall()]
        if page:  # bills nobody (active) has bound give no pairs
            yield page
        after = bill_ids[-1]
        if len(bill_ids) < limit:
            return


_SUFFIXES = ("号楼", "单元", "栋", "幢", "楼", "号", "室")


@functools.lru_cache(maxsize=4096)  # building, unit and room names repeat across a ledger
def _bare(name: str) -> str:
    """"3号楼" → "3", "2单元" → "2", "501室" → "501"; names that are not numbered stay as they are."""
    name = (name or "").strip()
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def house_short_address(community: str, building: str, unit: str | None, room: str) -> str:
    """"幸福里3-2-501" (小区 + 楼-单元-室), at most HOUSE_MAX characters: the community name gives way first, so
    the numbers that tell a resident's flats apart stay whole."""
    tail = "-".join(part for part in (_bare(building), _bare(unit or ""), _bare(room)) if part)
    room_part = tail[-HOUSE_MAX:]
    community = community.strip()
    if community[-1:].isdigit() and room_part[:1].isdigit():  # "社区5" + "3-101" would read "社区53-101"
        community += " "
    return (community[: max(0, HOUSE_MAX - len(room_part))] + room_part)[:HOUSE_MAX]


class _Params:
    """TariffParams per snapshot digest: a season's bills share a handful of snapshots, so each is read once (by
    one of its bills) instead of shipping every bill's snapshot JSON with the audience."""

    def __init__(self):
        self._memo: dict[str, TariffParams] = {}

    def load(self, pairs: Sequence[_Pair]) -> None:
        if len(self._memo) > 1000:  # bounded whatever the ledger holds
            self._memo.clear()
        missing = {p.snapshot: p.bill_id for p in pairs if p.snapshot not in self._memo}
        if not missing:
            return
        rows = Bill.objects.filter(pk__in=list(missing.values())).values_list("pk", "snapshot")
        by_bill = {digest_bill: digest for digest, digest_bill in missing.items()}
        for bill_id, snapshot in rows:
            self._memo[by_bill[bill_id]] = TariffParams.from_snapshot(snapshot)

    def get(self, digest: str) -> TariffParams:
        return self._memo[digest]


def _late_fee_paused(tariff: TariffParams, on: dt.date) -> bool:
    """Whether stopped-heat history can change the amount due on `on`: only once late fees run, and only under a
    tariff that pauses them while heat is stopped (before that the history is not read at all)."""
    return bool(tariff.late_fee_pause_when_stopped and tariff.late_fee_daily_permille and tariff.late_fee_start
                and on >= tariff.late_fee_start)


def _amounts_due(pairs: Sequence[_Pair], params: _Params, on: dt.date) -> dict[int, int]:
    """Amount due now (late fee, early discount) of each bill, as bill_amount_due computes it. One query for the
    stopped-heat history of the houses whose tariff pauses late fees while heat is stopped."""
    paused_houses = {p.house_id for p in pairs if _late_fee_paused(params.get(p.snapshot), on)}
    changes: dict[int, list[HeatingStatusChange]] = {}
    if paused_houses:
        for change in HeatingStatusChange.objects.filter(house_id__in=paused_houses).only(
                "house_id", "to_status", "effective_date", "created_at"):
            changes.setdefault(change.house_id, []).append(change)
    due = {}
    for p in pairs:
        if p.bill_id in due:
            continue
        tariff = params.get(p.snapshot)
        pauses = stopped_intervals(changes.get(p.house_id, ()), until=on) if _late_fee_paused(tariff, on) else []
        due[p.bill_id] = amount_due(tariff, principal_fen=p.principal_fen, paid_fen=p.paid_fen, on=on,
                                    pauses=pauses).total_fen
    return due


def _rows(spec: CampaignSpec, pairs: Sequence[_Pair], params: _Params, on: dt.date):
    from .outbox import OutboxRow

    if spec.kind == MessageKind.PAYMENT_DUE:
        params.load(pairs)
        due = _amounts_due(pairs, params, on)
    else:
        due = {}
    season, due_date = spec.season.name, spec.season.payment_due.isoformat()
    rows = []
    for p in pairs:
        if spec.kind == MessageKind.PAYMENT_DUE:
            fen = due[p.bill_id]
            if fen <= 0:  # paid between the query and now, or fully discounted: nothing to remind of
                continue
        else:
            fen = p.principal_fen
        rows.append(OutboxRow(
            resident_id=p.resident_id, kind=spec.kind, key=spec.key(p.bill_id, p.resident_id),
            variables={"house": p.house, "account_no": p.account_no, "season": season,
                       "amount": fen_to_yuan_str(fen), "due_date": due_date},
            page=BILL_PAGE.format(p.bill_id)))
    return rows


def _spec_of(campaign: Campaign) -> CampaignSpec:
    return CampaignSpec(kind=campaign.kind, season=campaign.season, community_ids=tuple(campaign.community_ids),
                        arrears_only=campaign.arrears_only, stage=campaign.stage)


def campaign_run(*, campaign_id: int, chunk_size: int | None = None) -> Campaign | None:
    """Send a queued campaign (the Celery task calls this). One worker at a time (a session lock); a redelivered
    task of a campaign whose worker died starts over from the first pair, which re-sends nothing (dedup keys), and
    ends with `enqueued` = the campaign's messages. Raises JobBusyError while another worker holds it."""
    from .outbox import enqueue_many

    with session_lock("messaging.campaign", campaign_id) as held:
        if not held:
            raise JobBusyError(30)
        claimed = Campaign.objects.filter(pk=campaign_id, status__in=UNFINISHED).update(
            status=Campaign.Status.RUNNING, started_at=Coalesce("started_at", Now()), processed=0, error="")
        if not claimed:
            return Campaign.objects.filter(pk=campaign_id).first()
        campaign = Campaign.objects.select_related("season").get(pk=campaign_id)
        spec = _spec_of(campaign)
        params, processed, cancelled = _Params(), 0, False
        try:
            for pairs in _pairs(spec, limit=chunk_size or CHUNK_SIZE):
                with transaction.atomic():
                    # The row lock orders this chunk with campaign_cancel: either the cancel sees (and cancels)
                    # this chunk's messages, or this chunk sees the cancel and enqueues nothing.
                    if not _still_running(campaign.pk):
                        cancelled = True
                        break
                    rows = _rows(spec, pairs, params, timezone.localdate())
                    inserted = enqueue_many(rows, campaign_id=campaign.pk) if rows else 0
                    Campaign.objects.filter(pk=campaign.pk).update(processed=F("processed") + len(pairs),
                                                                   enqueued=F("enqueued") + inserted)
                processed += len(pairs)
                if CHUNK_HOOK is not None:
                    CHUNK_HOOK(campaign.pk, processed)
        except Exception as exc:
            logger.exception("campaign %s failed", campaign.pk)
            Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.RUNNING).update(
                status=Campaign.Status.FAILED, finished_at=Now(), error=f"{type(exc).__name__}"[:200])
            raise
        if cancelled:
            logger.info("campaign %s cancelled after %s pairs", campaign.pk, processed)
            return Campaign.objects.get(pk=campaign_id)
        # What was really sent: the messages of this campaign (a resumed run counts the first pass's too), and
        # the total becomes what was processed, so progress ends at 100 % even if bills were paid meanwhile.
        enqueued = Message.objects.filter(campaign_id=campaign.pk).count()
        Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.RUNNING).update(
            status=Campaign.Status.DONE, finished_at=Now(), enqueued=enqueued, total=F("processed"))
    _dispatch_soon()
    return Campaign.objects.get(pk=campaign_id)


def _still_running(campaign_id: int) -> bool:
    return (Campaign.objects.select_for_update().filter(pk=campaign_id).values_list("status", flat=True).first()
            == Campaign.Status.RUNNING)


def _dispatch_soon() -> None:
    """Ask the outbox to dispatch now rather than at its next beat (every minute), when it offers a task for it."""
    try:
        from . import tasks
    except ImportError:
        return
    task = getattr(tasks, "dispatch_due_task", None)
    if task is not None:
        enqueue_on_commit(task)


# acks_late + reject_on_worker_lost: a worker killed mid-run (OOM) leaves the message to the broker, which delivers
# it again; without reject_on_worker_lost Celery would ack it as failed and the campaign would stay RUNNING.
@shared_task(bind=True, name="messaging.campaign_run", max_retries=None, acks_late=True, reject_on_worker_lost=True)
def campaign_run_task(self, campaign_id: int) -> None:
    """Queued from inside a company's schema (tenant-schemas-celery runs it there). Safe to deliver twice."""
    try:
        campaign_run(campaign_id=campaign_id)
    except JobBusyError as exc:
        raise self.retry(countdown=exc.retry_in, exc=exc) from exc


# --- recovery and cancel -------------------------------------------------------------------------------------

def campaigns_requeue_stale(*, now: dt.datetime | None = None) -> list[int]:
    """Queue again the campaigns left queued or running for STALE_AFTER (since started, else created) whose run
    lock is free: no worker has them, so the task was lost. Returns their ids. A task that was only slow to be
    picked up runs twice, which is harmless (the second finds the campaign finished, or waits for the lock)."""
    cutoff = (now or timezone.now()) - STALE_AFTER
    stale = (Campaign.objects.filter(status__in=UNFINISHED)
             .filter(Q(started_at__lte=cutoff) | Q(started_at__isnull=True, created_at__lte=cutoff))
             .order_by("pk").values_list("pk", flat=True))
    requeued = []
    for pk in stale:
        with session_lock("messaging.campaign", pk) as free:
            pass
        if free:
            logger.warning("campaign %s unfinished since before %s and no worker holds it; queued again", pk,
                           cutoff.isoformat())
            campaign_run_task.delay(pk)
            requeued.append(pk)
    return requeued


@shared_task(name="messaging.campaigns_requeue_stale_all_tenants")
def campaigns_requeue_stale_all_tenants() -> dict:
    """Beat, every 5 minutes: lost campaign tasks of every company are queued again."""
    from apps.services.tasks import for_each_tenant

    return for_each_tenant("campaign requeue", campaigns_requeue_stale)


@transaction.atomic
def campaign_cancel(*, campaign_id, actor) -> Campaign:
    """Stop a queued or running campaign and cancel its messages not pushed yet (PENDING: held by quiet hours, a
    cap or a backoff; a message being sent right now finishes). Messages already in the inbox stay there;
    cancelled ones leave it. A finished campaign: NOT_ALLOWED_IN_STATE; none: NOT_FOUND."""
    pk = _int_id(campaign_id)
    campaign = Campaign.objects.select_for_update().filter(pk=pk).first() if pk else None
    if campaign is None:
        raise field_error("id", _("找不到该发送任务。"), Code.NOT_FOUND)
    if campaign.status not in UNFINISHED:
        raise field_error("id", _("只能取消排队中或发送中的任务。"), Code.NOT_ALLOWED_IN_STATE)
    before = campaign.status
    campaign.status, campaign.finished_at = Campaign.Status.CANCELLED, timezone.now()
    campaign.save(update_fields=["status", "finished_at"])
    cancelled = Message.objects.filter(campaign_id=campaign.pk, status=Message.Status.PENDING).update(
        status=Message.Status.CANCELLED, note="campaign_cancelled")
    audit_record(actor=actor, action="campaign.cancel", target=campaign, was=before, messages_cancelled=cancelled)
    return campaign


# --- reads ---------------------------------------------------------------------------------------------------

def campaign_list():
    return Campaign.objects.select_related("season", "created_by").order_by("-created_at", "-id")


def campaign_get(campaign_id) -> Campaign | None:
    pk = _int_id(campaign_id)
    return campaign_list().filter(pk=pk).first() if pk else None


def campaign_channel_counts(campaign_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Per campaign, its messages by the channel they went out on (sent), pending, failed and cancelled: one GROUP BY.

    Cancelled is its own count: a reminder withdrawn because the bill was paid, or a cancelled campaign's pending
    messages, did not fail and must not read as a failure."""
    out: dict[int, dict[str, int]] = {
        cid: {"wechat": 0, "sms": 0, "in_app": 0, "pending": 0, "failed": 0, "cancelled": 0} for cid in campaign_ids}
    rows = (Message.objects.filter(campaign_id__in=list(campaign_ids)).values("campaign_id", "status", "channel")
            .order_by().annotate(n=Count("id")))
    for r in rows:
        counts = out[r["campaign_id"]]
        status, channel = r["status"], r["channel"]
        if status in (Message.Status.PENDING, Message.Status.SENDING):
            counts["pending"] += r["n"]
        elif status == Message.Status.FAILED:
            counts["failed"] += r["n"]
        elif status == Message.Status.CANCELLED:
            counts["cancelled"] += r["n"]
        elif channel in counts:
            counts[channel] += r["n"]
        else:  # SENT / UNCERTAIN without a push channel: in the inbox only
            counts["in_app"] += r["n"]
    return out
