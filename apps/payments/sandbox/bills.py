"""Bills of the sandbox gateways, generated from what they actually processed, and the knobs that make a bill
disagree with HeatCloud the way real ones do (dev, demo and tests only).

A day is an Asia/Shanghai day. Day D's bill of a merchant lists:
- payments: trades paid (success_time) on D that the channel still holds as paid (WeChat SUCCESS or REFUND, a
  trade refunded later is still its payment day's SUCCESS row; Alipay any trade with a payment time);
- refunds: SUCCESS refunds by their success_time.
Fee = round-half-up(amount × rate) in fen (Decimal), rate from `SandboxMerchant.extra["fee_rate"]` (default
"0.60%"; for Alipay the calling app's); a refund gives back the trade's fee in proportion, round-half-up, as a
negative fee. Bills exist for past days within 3 months; today's (and yesterday's before 09:00) is "being
generated", a day with no row has no bill. Files are rendered by apps.reconciliation.formats (the same module
parses them), WeChat's gzip-compressed with the SHA1 of the CSV in the signed answer; the download URL carries a
one-time token valid 30 seconds (Alipay: reusable for 30 seconds), refused after.

Knobs: Python functions here, JSON endpoints next to each gateway's `confirm` / `refund-result`
(POST /sandbox/wechatpay/… and /sandbox/alipay/…, no signature, like those; the sandbox app is never installed in
production):

- `tweak(channel, kind=…, out_trade_no=… | out_refund_no=…, merchant_id="", value=None)`,
  endpoint `bill-tweak` {"kind", "out_trade_no" | "out_refund_no", "merchant_id"?, "value"?}:
  - `omit` (value true/false): the row is left out of its bill (the gateway still says paid/refunded).
  - `amount_delta` (value: fen, may be negative; 0 removes): the row's amount is off by that much.
  - `fee_delta` (value: fen): the row's fee is off by that much (the amount is not).
  - `book_next_day` (true/false): the row is listed on the next day's bill (its time stays as it was).
  - `success_time` (value: ISO 8601 with offset): when the gateway says it was paid/refunded (query answers,
    later notifies and the bill day follow), e.g. "2026-12-01T23:59:59+08:00".
  - `status` (WeChat; value in the bill's words): the row shows another state while the gateway's answers do not
    change: a payment row "REVOKED", a refund row "PROCESSING" / "ABNORMAL" / "CLOSED"; "SUCCESS" undoes it.
  - `revoke` (trades): the channel now says not paid (WeChat CLOSED, Alipay TRADE_CLOSED): out of every bill.
  - `clear`: the row is reported as processed again.
- `foreign_trade(channel, merchant_id=…, amount_fen=…, …)`, endpoint `foreign-trade`
  {"merchant_id", "amount_fen", "sub_mchid"?, "app_id"?, "out_trade_no"?, "success_time"?}: a paid trade
  HeatCloud never created (no notify goes anywhere).
- confirm a payment without its notify and/or at a chosen time: the existing `confirm` endpoints take
  "notify": false and "success_time": "…+08:00" (wechat.confirm_payment / alipay.confirm_trade keyword arguments).
- `merchant_bills(channel, merchant_id, fee_rate=…, bill_url_ttl=…, corrupt_next_download=…)`, endpoint
  `bill-merchant` {"merchant_id", "fee_rate"?, "bill_url_ttl"?, "corrupt_next_download"?}: the merchant's fee
  rate ("0.38%"), download URL lifetime in seconds (0: expired at once), and whether the next WeChat bill file
  served differs from the hash in its answer (one digit changed).
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import secrets
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from apps.reconciliation.formats import ABNORMAL, CLOSED, PAYMENT, PROCESSING, REFUND, REVOKED, SUCCESS, Entry
from apps.reconciliation.formats.alipay import render_trade_zip
from apps.reconciliation.formats.wechat import EXPENSE, INCOME, FundFlowRow, render_fundflowbill, render_tradebill
from tenants.directory import public_context

from .models import SandboxBillFile, SandboxMerchant, SandboxRefund, SandboxTrade

CN_TZ = ZoneInfo("Asia/Shanghai")
WECHAT, ALIPAY = "wechat", "alipay"
DEFAULT_FEE_RATE = "0.60%"
BILL_URL_TTL = 30  # seconds, both gateways
HISTORY_DAYS = 92  # "the last 3 months"
PUBLISHED_AT = dt.time(9, 0)  # day D's bill exists from D+1 09:00
TWEAK_KINDS = ("omit", "amount_delta", "fee_delta", "book_next_day", "success_time", "status", "revoke", "clear")
# `status` tweak (WeChat only: Alipay's bill lists finished rows and has no state column): the state the row
# shows, in the bill's own words. A payment row REVOKED (撤销) while the gateway still answers paid; a refund
# row not SUCCESS while the refund succeeded.
ROW_STATES = {"trade": {"REVOKED": REVOKED}, "refund": {"PROCESSING": PROCESSING, "ABNORMAL": ABNORMAL,
                                                        "CLOSED": CLOSED}}
WECHAT_PAID = ("SUCCESS", "REFUND")

# Where the Alipay gateway's download endpoint is, as seen by the caller (set by the gateway view per request).
ALIPAY_DOWNLOAD_BASE: ContextVar[str] = ContextVar("alipay_download_base", default="")


class KnobError(Exception):
    """A knob or bill request that cannot be honoured: HTTP status, code, message (Chinese)."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"{status} {code} {message}")
        self.status, self.code, self.message = status, code, message


# --- money ------------------------------------------------------------------------------------------------------


def parse_rate(text: str) -> Decimal:
    """"0.60%" → Decimal("0.0060"); KnobError for anything else."""
    try:
        value = Decimal(str(text).strip().removesuffix("%")) / 100
    except (InvalidOperation, ValueError):
        value = Decimal(-1)
    if not str(text).strip().endswith("%") or not Decimal(0) <= value < 1:
        raise KnobError(400, "PARAM_ERROR", "fee_rate 应为百分比，如 0.60%")
    return value


def fee_fen(amount_fen: int, rate: Decimal) -> int:
    """round-half-up(amount × rate), in fen."""
    return int((Decimal(amount_fen) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def refund_fee_fen(trade_fee_fen: int, refund_fen: int, trade_fen: int) -> int:
    """The part of the trade's fee a refund gives back (positive), in proportion, round-half-up."""
    return int((Decimal(trade_fee_fen) * refund_fen / trade_fen).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- which days have bills ----------------------------------------------------------------------------------------


def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=CN_TZ)


def bill_availability(bill_date: dt.date, now: dt.datetime | None = None) -> str:
    """"ready", "not_ready" (today, the future, yesterday before 09:00) or "too_old" (before 3 months)."""
    now = (now or timezone.now()).astimezone(CN_TZ)
    today = now.date()
    if bill_date >= today or (bill_date == today - dt.timedelta(days=1) and now.time() < PUBLISHED_AT):
        return "not_ready"
    if bill_date < today - dt.timedelta(days=HISTORY_DAYS):
        return "too_old"
    return "ready"


def _bill_day(moment: dt.datetime, tweaks: dict) -> dt.date:
    return moment.astimezone(CN_TZ).date() + dt.timedelta(days=1 if tweaks.get("book_next_day") else 0)


# --- rows -----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BillScope:
    """Whose bill: WeChat mchid (+ sub_mchid in partner mode; None = every sub-merchant of the service
    provider) or Alipay seller id."""

    channel: str
    merchant_id: str
    sub_merchant_id: str | None = ""
    rate_text: str = DEFAULT_FEE_RATE


def bill_entries(scope: BillScope, bill_date: dt.date) -> list:
    """The Entry rows of the day's trade bill, tweaks applied, in booking order."""
    rate = parse_rate(scope.rate_text)
    since, until = day_start(bill_date - dt.timedelta(days=1)), day_start(bill_date + dt.timedelta(days=1))
    trades = SandboxTrade.objects.filter(channel=scope.channel, merchant_id=scope.merchant_id,
                                         success_time__gte=since, success_time__lt=until)
    refunds = SandboxRefund.objects.select_related("trade").filter(
        trade__channel=scope.channel, trade__merchant_id=scope.merchant_id, status="SUCCESS",
        success_time__gte=since, success_time__lt=until)
    if scope.channel == WECHAT:
        trades = trades.filter(state__in=WECHAT_PAID)
    if scope.sub_merchant_id is not None:
        trades = trades.filter(sub_merchant_id=scope.sub_merchant_id)
        refunds = refunds.filter(trade__sub_merchant_id=scope.sub_merchant_id)
    rows: list[tuple[dt.datetime, int, Any]] = []
    for trade in trades:
        tweaks = trade.bill_tweaks or {}
        if tweaks.get("omit") or _bill_day(trade.success_time, tweaks) != bill_date:
            continue
        rows.append((trade.success_time, 0, Entry(
            kind=PAYMENT, out_trade_no=trade.out_trade_no,
            transaction_id=trade.transaction_id or trade.prepay_id,
            amount_fen=trade.amount_fen + int(tweaks.get("amount_delta", 0)),
            fee_fen=fee_fen(trade.amount_fen, rate) + int(tweaks.get("fee_delta", 0)),
            booked_at=trade.success_time.astimezone(CN_TZ), merchant_id=trade.merchant_id,
            sub_merchant_id=trade.sub_merchant_id, app_id=trade.app_id, fee_rate=scope.rate_text,
            status=tweaks.get("status", SUCCESS))))
    for refund in refunds:
        tweaks, trade = refund.bill_tweaks or {}, refund.trade
        if tweaks.get("omit") or _bill_day(refund.success_time, tweaks) != bill_date:
            continue
        given_back = refund_fee_fen(fee_fen(trade.amount_fen, rate), refund.amount_fen, trade.amount_fen)
        rows.append((refund.success_time, 1, Entry(
            kind=REFUND, out_trade_no=trade.out_trade_no, transaction_id=trade.transaction_id or trade.prepay_id,
            amount_fen=refund.amount_fen + int(tweaks.get("amount_delta", 0)),
            fee_fen=-given_back + int(tweaks.get("fee_delta", 0)),
            booked_at=refund.success_time.astimezone(CN_TZ), out_refund_no=refund.out_refund_no,
            refund_id=refund.refund_id if scope.channel == WECHAT else "", merchant_id=trade.merchant_id,
            sub_merchant_id=trade.sub_merchant_id, app_id=trade.app_id, fee_rate=scope.rate_text,
            status=tweaks.get("status", SUCCESS))))
    rows.sort(key=lambda row: (row[0], row[1], row[2].out_trade_no, row[2].out_refund_no))
    return [entry for _moment, _kind, entry in rows]


def fundflow_rows(entries: Iterable) -> list:
    """WeChat's BASIC account movements behind the trade rows: money in and out, fees out and back."""
    rows = []
    for entry in entries:
        payment = entry.kind == PAYMENT
        ref = entry.transaction_id if payment else entry.refund_id
        rows.append(FundFlowRow(booked_at=entry.booked_at, kind=INCOME if payment else EXPENSE,
                                amount_fen=entry.amount_fen, business_type="交易" if payment else "退款", ref=ref,
                                transaction_id=entry.transaction_id, business_name="JSAPI支付" if payment else "退款"))
        if entry.fee_fen:
            rows.append(FundFlowRow(booked_at=entry.booked_at, kind=EXPENSE if entry.fee_fen > 0 else INCOME,
                                    amount_fen=abs(entry.fee_fen),
                                    business_type="扣除交易手续费" if entry.fee_fen > 0 else "退还交易手续费",
                                    ref=ref, transaction_id=entry.transaction_id))
    return rows


# --- issuing and serving files ------------------------------------------------------------------------------------


def merchant_rate(merchant: SandboxMerchant) -> str:
    return str((merchant.extra or {}).get("fee_rate") or DEFAULT_FEE_RATE)


def _tamper(raw: bytes) -> bytes:
    """The same file with its last digit changed (knob corrupt_next_download)."""
    for i in range(len(raw) - 1, -1, -1):
        if 48 <= raw[i] <= 57:
            return raw[:i] + str((raw[i] - 48 + 1) % 10).encode() + raw[i + 1:]
    return raw + b"\n"


def issue_file(merchant: SandboxMerchant, *, content: bytes, content_type: str, filename: str,
               one_time: bool) -> str:
    """Keep a rendered file behind a fresh token; return the token."""
    token = secrets.token_urlsafe(24)
    ttl = int((merchant.extra or {}).get("bill_url_ttl", BILL_URL_TTL))
    # Files nobody can fetch any more go, so a long demo does not keep every bill it ever served.
    SandboxBillFile.objects.filter(expires_at__lt=timezone.now() - dt.timedelta(hours=1)).delete()
    SandboxBillFile.objects.create(
        channel=merchant.channel, merchant_id=merchant.merchant_id, token_hash=_token_hash(token), content=content,
        content_type=content_type, filename=filename, one_time=one_time,
        expires_at=timezone.now() + dt.timedelta(seconds=ttl))
    return token


def take_file(channel: str, token: str, *, merchant_id: str | None = None) -> SandboxBillFile:
    """The file behind a download token, if it may still be served (marks one-time files used)."""
    with public_context(), transaction.atomic():
        found = SandboxBillFile.objects.select_for_update().filter(channel=channel,
                                                                   token_hash=_token_hash(token)).first()
        if found is None or found.expires_at <= timezone.now() or (found.one_time and found.downloaded_at):
            raise KnobError(400, "INVALID_REQUEST", "账单下载地址已失效，请重新申请账单后再下载")
        if merchant_id is not None and found.merchant_id != merchant_id:
            raise KnobError(403, "NO_AUTH", "请求下载的商户与申请账单的商户不一致")
        found.downloaded_at = timezone.now()
        found.save(update_fields=["downloaded_at"])
        return found


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def wechat_bill(merchant: SandboxMerchant, query: dict[str, str], *, kind: str, download_url: str) -> dict:
    """GET /v3/bill/tradebill or /v3/bill/fundflowbill → {hash_type, hash_value, download_url}; KnobError in
    WeChat's shapes otherwise. `download_url` is the download endpoint's absolute URL (the token is appended)."""
    try:
        bill_date = dt.date.fromisoformat(query.get("bill_date", ""))
    except ValueError:
        raise KnobError(400, "PARAM_ERROR", "bill_date 应为 yyyy-MM-dd") from None
    tar_type = query.get("tar_type", "")
    if tar_type not in ("", "GZIP"):
        raise KnobError(400, "PARAM_ERROR", "tar_type 仅支持 GZIP")
    partner = (merchant.extra or {}).get("mode") == "partner"
    sub_mchid = query.get("sub_mchid")
    if kind == "trade":
        if query.get("bill_type", "ALL") != "ALL":
            raise KnobError(400, "PARAM_ERROR", "沙箱仅支持 bill_type=ALL")
        if sub_mchid is not None:
            if not partner:
                raise KnobError(400, "PARAM_ERROR", "普通商户不能传 sub_mchid")
            if sub_mchid not in (merchant.extra or {}).get("sub_merchants", {}):
                raise KnobError(403, "NO_AUTH", "无该子商户账单的权限")
        scope_sub = sub_mchid if partner else ""
    else:
        if query.get("account_type", "BASIC") != "BASIC":
            raise KnobError(400, "PARAM_ERROR", "沙箱仅支持 account_type=BASIC")
        scope_sub = None if partner else ""
    availability = bill_availability(bill_date)
    if availability == "not_ready":
        raise KnobError(400, "STATEMENT_CREATING", "账单生成中")
    if availability == "too_old":
        raise KnobError(400, "INVALID_REQUEST", "请检查bill_date，仅支持下载三个月内的账单")
    rate = merchant_rate(merchant)
    entries = bill_entries(BillScope(WECHAT, merchant.merchant_id, scope_sub, rate), bill_date)
    if not entries:
        raise KnobError(400, "NO_STATEMENT_EXIST", "账单文件不存在")
    raw = render_tradebill(entries, fee_rate=rate) if kind == "trade" else render_fundflowbill(fundflow_rows(entries))
    digest = hashlib.sha1(raw, usedforsecurity=False).hexdigest()
    extra = dict(merchant.extra or {})
    if extra.pop("corrupt_next_download", False):
        raw = _tamper(raw)
        SandboxMerchant.objects.filter(pk=merchant.pk).update(extra=extra)
    content = gzip.compress(raw, mtime=0) if tar_type else raw
    token = issue_file(merchant, content=content, one_time=True,
                       content_type="application/octet-stream" if tar_type else "text/csv; charset=utf-8",
                       filename=f"{kind}bill_{bill_date:%Y%m%d}.csv" + (".gz" if tar_type else ""))
    return {"hash_type": "SHA1", "hash_value": digest, "download_url": f"{download_url}?token={token}"}


def alipay_bill(merchant: SandboxMerchant, seller: str, biz: dict) -> str:
    """alipay.data.dataservice.bill.downloadurl.query (trade): the bill_download_url; KnobError whose code is
    Alipay's sub_code otherwise."""
    if biz.get("bill_type") != "trade":
        raise KnobError(400, "isv.invalid_arguments", "沙箱仅支持 bill_type=trade")
    try:
        bill_date = dt.date.fromisoformat(str(biz.get("bill_date", "")))
    except ValueError:
        raise KnobError(400, "isv.invalid_arguments", "bill_date 应为 yyyy-MM-dd（沙箱不提供月账单）") from None
    availability = bill_availability(bill_date)
    if availability == "not_ready":
        if bill_date >= timezone.now().astimezone(CN_TZ).date():
            raise KnobError(400, "isv.invalid_arguments", "不支持下载当日及以后的账单")
        raise KnobError(400, "isp.bill_not_exist", "账单不存在")  # yesterday's, before it is generated
    if availability == "too_old":
        raise KnobError(400, "isv.invalid_arguments", "沙箱仅提供三个月内的账单")
    entries = bill_entries(BillScope(ALIPAY, seller, None, merchant_rate(merchant)), bill_date)
    if not entries:
        raise KnobError(400, "isp.bill_not_exist", "账单不存在")
    content = render_trade_zip(entries, account=seller, bill_date=bill_date)
    token = issue_file(merchant, content=content, content_type="application/oct-stream", one_time=False,
                       filename=f"{seller}_{bill_date:%Y%m%d}.csv.zip")
    base = ALIPAY_DOWNLOAD_BASE.get()
    if not base:
        raise KnobError(500, "isp.unknow-error", "沙箱未设置账单下载地址")
    return f"{base}?bizType=trade&bizDates={bill_date:%Y%m%d}&token={token}"


# --- knobs --------------------------------------------------------------------------------------------------------


def tweak(channel: str, *, kind: str, out_trade_no: str = "", out_refund_no: str = "", merchant_id: str = "",
          value: Any = None) -> dict:
    """Change how one trade or refund appears (see the module docstring); returns what it is now."""
    if kind not in TWEAK_KINDS:
        raise KnobError(400, "PARAM_ERROR", f"kind 应为 {'、'.join(TWEAK_KINDS)} 之一")
    if bool(out_trade_no) == bool(out_refund_no):
        raise KnobError(400, "PARAM_ERROR", "请只给出 out_trade_no 或 out_refund_no 之一")
    with public_context(), transaction.atomic():
        if out_trade_no:
            found = SandboxTrade.objects.select_for_update().filter(channel=channel, out_trade_no=out_trade_no)
            if merchant_id:
                found = found.filter(merchant_id=merchant_id)
        else:
            if kind == "revoke":
                raise KnobError(400, "PARAM_ERROR", "revoke 只用于交易")
            found = SandboxRefund.objects.select_for_update().filter(trade__channel=channel,
                                                                     out_refund_no=out_refund_no)
            if merchant_id:
                found = found.filter(trade__merchant_id=merchant_id)
        rows = list(found[:2])
        if not rows:
            raise KnobError(404, "NOT_FOUND", "找不到该交易或退款")
        if len(rows) > 1:
            raise KnobError(409, "AMBIGUOUS", "多个商户有此单号，请给出 merchant_id")
        row = rows[0]
        _apply(row, kind, value, channel=channel)
        return _describe(row)


def _apply(row: SandboxTrade | SandboxRefund, kind: str, value: Any, *, channel: str) -> None:
    tweaks = dict(row.bill_tweaks or {})
    is_trade = isinstance(row, SandboxTrade)
    if kind == "clear":
        tweaks = {}
    elif kind in ("omit", "book_next_day"):
        flag = True if value is None else value
        if not isinstance(flag, bool):
            raise KnobError(400, "PARAM_ERROR", "value 应为 true 或 false")
        tweaks.pop(kind, None)
        if flag:
            tweaks[kind] = True
    elif kind in ("amount_delta", "fee_delta"):
        if type(value) is not int:
            raise KnobError(400, "PARAM_ERROR", "value 应为整数（分）")
        tweaks.pop(kind, None)
        if value:
            tweaks[kind] = value
    elif kind == "status":
        states = ROW_STATES["trade" if is_trade else "refund"]
        if channel != WECHAT:
            raise KnobError(400, "PARAM_ERROR", "支付宝账单只列已完成的交易和退款，没有状态列")
        if value not in states and value not in ("SUCCESS", None, ""):
            raise KnobError(400, "PARAM_ERROR", f"value 应为 SUCCESS 或 {'、'.join(states)} 之一")
        tweaks.pop("status", None)
        if value in states:
            tweaks["status"] = states[value]
    elif kind == "success_time":
        moment = parse_moment(value)
        if row.success_time is None or (not is_trade and row.status != "SUCCESS"):
            raise KnobError(409, "INVALID_STATE", "未成功的交易或退款没有成功时间")
        row.success_time = moment
        row.save(update_fields=["success_time"])
    elif kind == "revoke":
        if row.refunds.filter(status__in=("SUCCESS", "PROCESSING")).exists():
            raise KnobError(409, "INVALID_STATE", "已有退款的交易不能撤销")
        row.state = "CLOSED" if channel == WECHAT else "TRADE_CLOSED"
        row.success_time = None
        if channel == WECHAT:
            row.transaction_id = ""
        row.save(update_fields=["state", "success_time", "transaction_id"])
    row.bill_tweaks = tweaks
    row.save(update_fields=["bill_tweaks"])


def _describe(row: SandboxTrade | SandboxRefund) -> dict:
    moment = row.success_time.astimezone(CN_TZ).isoformat(timespec="seconds") if row.success_time else None
    if isinstance(row, SandboxTrade):
        return {"out_trade_no": row.out_trade_no, "state": row.state, "success_time": moment,
                "bill_tweaks": row.bill_tweaks}
    return {"out_refund_no": row.out_refund_no, "status": row.status, "success_time": moment,
            "bill_tweaks": row.bill_tweaks}


def parse_moment(value: Any) -> dt.datetime:
    """An ISO 8601 time with its offset (a knob's "success_time"); never in the future."""
    try:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise KnobError(400, "PARAM_ERROR", "success_time 应为带时区的 ISO 8601 时间，如 2026-12-01T23:59:59+08:00")
    if moment > timezone.now() + dt.timedelta(seconds=5):
        raise KnobError(400, "PARAM_ERROR", "success_time 不能晚于当前时间")
    return moment.replace(microsecond=0)


def foreign_trade(channel: str, *, merchant_id: str, amount_fen: int, sub_merchant_id: str = "", app_id: str = "",
                  out_trade_no: str = "", success_time: dt.datetime | None = None,
                  payer_id: str = "") -> SandboxTrade:
    """A paid trade HeatCloud never placed (长款 on the bill): WeChat `merchant_id` is the mchid (sp_mchid with
    `sub_merchant_id`), Alipay's the seller id (its app: `app_id`, or the direct app of that seller)."""
    if type(amount_fen) is not int or amount_fen < 1:
        raise KnobError(400, "PARAM_ERROR", "amount_fen 应为正整数（分）")
    moment = success_time or timezone.now().replace(microsecond=0)
    if moment.tzinfo is None or moment > timezone.now() + dt.timedelta(seconds=5):
        raise KnobError(400, "PARAM_ERROR", "success_time 应为过去的带时区时间")
    out_trade_no = out_trade_no or "FOREIGN" + secrets.token_hex(8).upper()
    with public_context(), transaction.atomic():
        if channel == WECHAT:
            merchant = SandboxMerchant.objects.filter(channel=WECHAT, merchant_id=merchant_id).first()
            if merchant is None:
                raise KnobError(404, "NOT_FOUND", "沙箱中没有该商户")
            subs = (merchant.extra or {}).get("sub_merchants", {})
            if sub_merchant_id and sub_merchant_id not in subs:
                raise KnobError(404, "NOT_FOUND", "该服务商下没有此子商户")
            fields = {"app_id": app_id or (merchant.extra or {}).get("appid", ""),
                      "sub_merchant_id": sub_merchant_id, "sub_app_id": subs.get(sub_merchant_id, "") or "",
                      "state": "SUCCESS", "prepay_id": "wxforeign" + secrets.token_hex(12),
                      "transaction_id": "4200" + "".join(secrets.choice("0123456789") for _ in range(24))}
        else:
            if not app_id:
                direct = SandboxMerchant.objects.filter(channel=ALIPAY, seller_id=merchant_id).first()
                app_id = direct.merchant_id if direct else ""
            if not app_id:
                raise KnobError(400, "PARAM_ERROR", "请给出 app_id（收款的支付宝应用）")
            trade_no = f"{moment.astimezone(CN_TZ):%Y%m%d}22001{secrets.randbelow(10**15):015d}"
            fields = {"app_id": app_id, "state": "TRADE_SUCCESS", "prepay_id": trade_no, "transaction_id": trade_no}
        if SandboxTrade.objects.filter(channel=channel, merchant_id=merchant_id, out_trade_no=out_trade_no).exists():
            raise KnobError(409, "DUPLICATE", "该商户已有此 out_trade_no")
        return SandboxTrade.objects.create(channel=channel, merchant_id=merchant_id, out_trade_no=out_trade_no,
                                           amount_fen=amount_fen, description="沙箱：外部交易",
                                           payer_id=payer_id or "o-foreign-payer", notify_url="",
                                           success_time=moment, **fields)


def merchant_bills(channel: str, merchant_id: str, *, fee_rate: str | None = None, bill_url_ttl: int | None = None,
                   corrupt_next_download: bool | None = None) -> dict:
    """Per-merchant bill settings (see the module docstring); returns them."""
    with public_context(), transaction.atomic():
        merchant = SandboxMerchant.objects.select_for_update().filter(channel=channel, merchant_id=merchant_id).first()
        if merchant is None:
            raise KnobError(404, "NOT_FOUND", "沙箱中没有该商户")
        extra = dict(merchant.extra or {})
        if fee_rate is not None:
            parse_rate(fee_rate)
            extra["fee_rate"] = fee_rate
        if bill_url_ttl is not None:
            if type(bill_url_ttl) is not int or not 0 <= bill_url_ttl <= 3600:
                raise KnobError(400, "PARAM_ERROR", "bill_url_ttl 应为 0 到 3600 的整数（秒）")
            extra["bill_url_ttl"] = bill_url_ttl
        if corrupt_next_download is not None:
            if not isinstance(corrupt_next_download, bool):
                raise KnobError(400, "PARAM_ERROR", "corrupt_next_download 应为 true 或 false")
            extra["corrupt_next_download"] = corrupt_next_download
        merchant.extra = extra
        merchant.save(update_fields=["extra"])
        return {"merchant_id": merchant_id, "fee_rate": merchant_rate(merchant),
                "bill_url_ttl": int(extra.get("bill_url_ttl", BILL_URL_TTL)),
                "corrupt_next_download": bool(extra.get("corrupt_next_download", False))}
