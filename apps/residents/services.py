"""Resident sign-in with WeChat and phone binding (WeChat getPhoneNumber or an SMS code).

Outside calls (WeChat, SMS) happen outside database transactions; the writes
around them are short atomic steps. Nothing here stores or logs a session_key,
an AppSecret, an access token, an SMS code or a full phone number.
"""

from __future__ import annotations

import enum
import ipaddress
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.tokens import token_issue
from apps.audit.services import audit_record
from heat_platform.crypto import blind_index
from heat_platform.kernel import throttle
from heat_platform.kernel.locks import xact_lock
from heat_platform.pii import mask_phone

from .errors import ResidentErrorCode, resident_error
from .models import Resident, SmsCode
from .phones import normalize_mobile, phone_index
from .providers import MiniProgramApp, WeChatError, get_login_provider
from .selectors import miniprogram_app
from .sms import SmsMessage, SmsSendError, get_sms_provider

logger = logging.getLogger(__name__)

SMS_CODE_RE = re.compile(r"^\d{6}$")
# wx.login() codes are short printable ASCII (32 characters today); anything else is never sent to WeChat.
LOGIN_CODE_RE = re.compile(r"^[\x21-\x7e]{1,128}$")


@dataclass(frozen=True)
class ResidentLoginResult:
    token: str
    expires_in: int
    resident: Resident
    created: bool


@dataclass(frozen=True)
class SmsCodeRequestResult:
    phone_masked: str
    expires_in: int  # seconds the code stays valid
    resend_in: int  # seconds until another code may be requested for this phone
    sent: bool  # False: an identical request moments ago already sent the live code, none sent now


# --- WeChat login ------------------------------------------------------------------------------

def resident_wechat_login(*, code: str, ip: str) -> ResidentLoginResult:
    """Sign a resident in with the code from `wx.login()` in this company's
    mini-program: the resident is created on first login (by openid) and
    reused afterwards. Returns a resident token valid on this domain only.

    Rate-limited before anything reaches WeChat (settings.WECHAT_LOGIN_THROTTLE):
    calls per client IP, codes WeChat rejected per IP, and calls per company
    mini-program, so junk codes cannot mint residents or burn the company's
    code2session quota. Codes that cannot be a WeChat code are refused here."""
    code = (code or "").strip()
    if not code:
        raise resident_error(_("缺少微信登录凭证。"), ResidentErrorCode.REQUIRED, field="code")
    app = _require_miniprogram()
    calls, invalid = _login_limits(ip=ip, app=app)
    if throttle.exceeded(*invalid):
        raise _too_many_logins(throttle.retry_after(*invalid))
    if not LOGIN_CODE_RE.match(code):
        throttle.hit(*invalid)
        raise _wechat_error(WeChatError(ResidentErrorCode.INVALID_CODE))
    over = throttle.admit(calls)
    if over is not None:
        raise _too_many_logins(throttle.retry_after(*over))
    try:
        session = get_login_provider().code2session(app=app, code=code)
    except WeChatError as exc:
        if exc.code == ResidentErrorCode.INVALID_CODE:
            throttle.hit(*invalid)
        raise _wechat_error(exc) from None
    resident, created = _resident_sign_in(openid=session.openid, unionid=session.unionid, ip=ip)
    token, ttl = token_issue(schema=connection.schema_name, subject=str(resident.pk), kind="resident",
                             role="resident")
    logger.info("resident signed in resident=%s created=%s", resident.pk, created)
    return ResidentLoginResult(token=token, expires_in=ttl, resident=resident, created=created)


def _login_limits(*, ip: str, app: MiniProgramApp) -> tuple[list[tuple[throttle.Limit, object]],
                                                             tuple[throttle.Limit, object]]:
    """Calls to WeChat per client IP and per mini-program (its code2session
    quota), and the codes WeChat rejected per client IP."""
    conf = settings.WECHAT_LOGIN_THROTTLE
    window = conf["WINDOW_SECONDS"]
    ip = ip or "unknown"
    calls = [
        (throttle.Limit("wechat_login.ip", conf["MAX_PER_IP"], window), ip),
        (throttle.Limit("wechat_login.app", conf["MAX_PER_APP"], window), app.app_id),
    ]
    return calls, (throttle.Limit("wechat_login.invalid_ip", conf["MAX_INVALID_PER_IP"], window), ip)


def _too_many_logins(seconds: int) -> ValidationError:
    """TOO_MANY_ATTEMPTS with the wait in the message and in params["retry_after"] (seconds)."""
    seconds = max(1, seconds)
    return ValidationError(_("微信登录尝试过于频繁，请 %(wait)s后再试。") % {"wait": throttle.wait_text(seconds)},
                           code=ResidentErrorCode.TOO_MANY_ATTEMPTS, params={"retry_after": seconds})


@transaction.atomic
def _resident_sign_in(*, openid: str, unionid: str, ip: str) -> tuple[Resident, bool]:
    resident, created = Resident.objects.get_or_create(openid=openid, defaults={"unionid": unionid})
    if not resident.is_active:
        raise resident_error(_("该账号已被停用，请联系供热公司。"), ResidentErrorCode.RESIDENT_DISABLED)
    resident.last_login_at = timezone.now()
    changed = ["last_login_at"]
    if unionid and resident.unionid != unionid:
        resident.unionid = unionid
        changed.append("unionid")
    resident.save(update_fields=changed)
    if created:
        audit_record(actor=resident, action="resident.register", target=resident, ip=_audit_ip(ip))
    return resident, created


# --- Phone binding through WeChat getPhoneNumber ------------------------------------------------

def resident_phone_bind_wechat(*, resident: Resident, code: str, ip: str) -> Resident:
    """Bind the phone WeChat vouches for (getPhoneNumber button code) to the resident."""
    code = (code or "").strip()
    if not code:
        raise resident_error(_("缺少手机号授权凭证。"), ResidentErrorCode.REQUIRED, field="code")
    app = _require_miniprogram()
    try:
        info = get_login_provider().get_phone_number(app=app, code=code)
    except WeChatError as exc:
        raise _wechat_error(exc) from None
    phone = normalize_mobile(info.pure_phone_number) if info.country_code in ("86", "") else None
    if phone is None:
        raise resident_error(_("目前仅支持绑定中国大陆手机号。"), ResidentErrorCode.INVALID_PHONE)
    return _resident_phone_set(resident=resident, phone=phone, method="wechat", ip=ip)


@transaction.atomic
def _resident_phone_set(*, resident: Resident, phone: str, method: str, ip: str) -> Resident:
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    index = phone_index(phone)
    if resident.phone_index != index or resident.phone != phone:
        resident.phone = phone
        resident.phone_index = index
        resident.save(update_fields=["phone", "phone_index"])
        audit_record(actor=resident, action="resident.phone_bind", target=resident, ip=_audit_ip(ip),
                     method=method, phone=mask_phone(phone))
    return resident


# --- Phone binding through an SMS code ----------------------------------------------------------

def sms_code_request(*, resident: Resident, phone: str, ip: str) -> SmsCodeRequestResult:
    """Text a 6-digit code to `phone` so the resident can bind it.

    Limits (settings.SMS_CODE): one send per phone per RESEND_SECONDS, at most
    MAX_PER_PHONE_PER_HOUR per phone and MAX_PER_IP_PER_HOUR per client IP.
    The same resident asking again for the same phone within RESEND_SECONDS
    gets the live code's status back and no second message (providers are not
    idempotent, so retries and double taps are deduplicated here)."""
    normalized = _mobile_or_error(phone)
    provider = get_sms_provider()
    reservation = _sms_code_reserve(resident=resident, phone_index=phone_index(normalized), ip=ip,
                                    provider=provider.name, now=timezone.now())
    row = reservation.row
    if reservation.code is None:
        return _request_result(row, normalized, sent=False)
    message = SmsMessage(phone=normalized, sign_name=settings.SMS_SIGN_NAME,
                         template=settings.SMS_TEMPLATE_VERIFY_CODE, params={"code": reservation.code})
    try:
        receipt = provider.send(message)
    except SmsSendError as exc:
        if exc.definite:  # certainly not sent: the code is void, and a retry may go out at once
            SmsCode.objects.filter(pk=row.pk, status=SmsCode.Status.LIVE).update(status=SmsCode.Status.FAILED)
        logger.warning("sms code not sent provider=%s provider_code=%s definite=%s phone=%s", provider.name,
                       exc.provider_code, exc.definite, mask_phone(normalized))
        raise _sms_send_error(exc) from None
    SmsCode.objects.filter(pk=row.pk).update(sent_at=timezone.now(), provider_message_id=receipt.message_id[:64])
    logger.info("sms code sent provider=%s phone=%s request_id=%s", provider.name, mask_phone(normalized),
                receipt.request_id)
    return _request_result(row, normalized, sent=True)


@dataclass(frozen=True)
class _Reservation:
    row: SmsCode
    code: str | None  # None: deduplicated, nothing to send


@transaction.atomic
def _sms_code_reserve(*, resident: Resident, phone_index: str, ip: str, provider: str,
                      now: datetime) -> _Reservation:
    """Check the limits and create the phone's new LIVE code (replacing the old
    one), serialized per phone and per IP so concurrent requests count right."""
    conf = settings.SMS_CODE
    xact_lock("residents.sms.resident", resident.pk)
    xact_lock("residents.sms.phone", phone_index)
    xact_lock("residents.sms.ip", ip)
    resend = timedelta(seconds=conf["RESEND_SECONDS"])
    last = (SmsCode.objects.filter(phone_index=phone_index, created_at__gt=now - resend)
            .exclude(status=SmsCode.Status.FAILED).order_by("-created_at", "-id").first())
    if last is not None:
        if last.status == SmsCode.Status.LIVE and last.resident_id == resident.pk and last.expires_at > now:
            return _Reservation(row=last, code=None)
        wait = max(1, int((last.created_at + resend - now).total_seconds()))
        raise resident_error(_("验证码发送过于频繁，请 %(seconds)d 秒后再试。") % {"seconds": wait},
                             ResidentErrorCode.SMS_RATE_LIMITED, field="phone")
    hour_ago = now - timedelta(hours=1)
    if SmsCode.objects.filter(request_ip=ip[:45], created_at__gt=hour_ago).count() >= conf["MAX_PER_IP_PER_HOUR"]:
        raise resident_error(_("当前网络获取验证码次数过多，请稍后再试。"), ResidentErrorCode.SMS_RATE_LIMITED)
    # Per resident too: IPs are cheap to rotate, and each text costs the company money.
    if (SmsCode.objects.filter(resident=resident, created_at__gt=hour_ago).count()
            >= conf["MAX_PER_RESIDENT_PER_HOUR"]):
        raise resident_error(_("获取验证码次数过多，请稍后再试。"), ResidentErrorCode.SMS_RATE_LIMITED)
    if (SmsCode.objects.filter(phone_index=phone_index, created_at__gt=hour_ago).count()
            >= conf["MAX_PER_PHONE_PER_HOUR"]):
        raise resident_error(_("该手机号获取验证码次数过多，请稍后再试。"), ResidentErrorCode.SMS_RATE_LIMITED,
                             field="phone")
    SmsCode.objects.filter(phone_index=phone_index, status=SmsCode.Status.LIVE).update(
        status=SmsCode.Status.REPLACED)
    code = f"{secrets.randbelow(10 ** 6):06d}"
    salt = secrets.token_hex(16)
    row = SmsCode.objects.create(
        resident=resident, phone_index=phone_index, code_hash=sms_code_hash(salt=salt, code=code), salt=salt,
        request_ip=ip[:45], provider=provider, created_at=now,
        expires_at=now + timedelta(seconds=conf["TTL_SECONDS"]),
    )
    return _Reservation(row=row, code=code)


def sms_code_hash(*, salt: str, code: str) -> str:
    """Keyed hash (HMAC-SHA256 under a key derived from BLIND_INDEX_KEY) of a salted code."""
    return blind_index(f"{salt}:{code}", purpose="sms-code")


def sms_code_verify(*, resident: Resident, phone: str, code: str, ip: str) -> Resident:
    """Check the code texted to `phone` and bind the phone to the resident.
    Each code allows MAX_ATTEMPTS wrong guesses, then it is void."""
    normalized = _mobile_or_error(phone)
    code = (code or "").strip()
    if not SMS_CODE_RE.match(code):
        raise resident_error(_("请输入 6 位数字验证码。"), ResidentErrorCode.SMS_CODE_INVALID, field="code")
    check = _sms_code_check(resident=resident, phone=normalized, code=code, ip=ip, now=timezone.now())
    # Raised after the atomic block, so the counted attempt is kept.
    if check.outcome is _Outcome.OK:
        assert check.resident is not None
        return check.resident
    if check.outcome is _Outcome.WRONG:
        raise resident_error(_("验证码错误，还可尝试 %(count)d 次。") % {"count": check.remaining},
                             ResidentErrorCode.SMS_CODE_INVALID, field="code")
    if check.outcome is _Outcome.EXPIRED:
        raise resident_error(_("验证码已过期，请重新获取。"), ResidentErrorCode.SMS_CODE_EXPIRED, field="code")
    if check.outcome is _Outcome.LOCKED:
        raise resident_error(_("验证码错误次数过多，请重新获取。"), ResidentErrorCode.SMS_CODE_ATTEMPTS_EXCEEDED,
                             field="code")
    raise resident_error(_("请先获取验证码。"), ResidentErrorCode.SMS_CODE_INVALID, field="code")


class _Outcome(enum.Enum):
    OK = "ok"
    NONE = "none"
    WRONG = "wrong"
    EXPIRED = "expired"
    LOCKED = "locked"


@dataclass(frozen=True)
class _Check:
    outcome: _Outcome
    remaining: int = 0
    resident: Resident | None = None


@transaction.atomic
def _sms_code_check(*, resident: Resident, phone: str, code: str, ip: str, now: datetime) -> _Check:
    row = (SmsCode.objects.select_for_update()
           .filter(resident=resident, phone_index=phone_index(phone))
           .exclude(status=SmsCode.Status.FAILED).order_by("-created_at", "-id").first())
    if row is None or row.status in (SmsCode.Status.USED, SmsCode.Status.REPLACED):
        return _Check(_Outcome.NONE)
    if row.status == SmsCode.Status.LOCKED:
        return _Check(_Outcome.LOCKED)
    if row.status == SmsCode.Status.EXPIRED:
        return _Check(_Outcome.EXPIRED)
    if row.expires_at <= now:
        row.status = SmsCode.Status.EXPIRED
        row.save(update_fields=["status"])
        return _Check(_Outcome.EXPIRED)
    if not secrets.compare_digest(row.code_hash, sms_code_hash(salt=row.salt, code=code)):
        row.attempts += 1
        max_attempts = settings.SMS_CODE["MAX_ATTEMPTS"]
        if row.attempts >= max_attempts:
            row.status = SmsCode.Status.LOCKED
        row.save(update_fields=["attempts", "status"])
        if row.status == SmsCode.Status.LOCKED:
            return _Check(_Outcome.LOCKED)
        return _Check(_Outcome.WRONG, remaining=max_attempts - row.attempts)
    row.status = SmsCode.Status.USED
    row.used_at = now
    row.save(update_fields=["status", "used_at"])
    return _Check(_Outcome.OK, resident=_resident_phone_set(resident=resident, phone=phone, method="sms", ip=ip))


# --- helpers -------------------------------------------------------------------------------------

def _require_miniprogram() -> MiniProgramApp:
    app = miniprogram_app()
    if app is None:
        raise resident_error(_("该供热公司尚未配置小程序，暂时无法使用微信登录。"),
                             ResidentErrorCode.MINIPROGRAM_NOT_CONFIGURED)
    return app


def _wechat_error(exc: WeChatError) -> ValidationError:
    messages = {
        ResidentErrorCode.INVALID_CODE: _("微信授权码无效或已过期，请重试。"),
        ResidentErrorCode.WECHAT_RATE_LIMITED: _("微信接口调用过于频繁，请稍后再试。"),
        ResidentErrorCode.HIGH_RISK_USER: _("微信判定该账号存在安全风险，暂时无法登录。"),
        ResidentErrorCode.WECHAT_BUSY: _("微信服务繁忙，请稍后再试。"),
        ResidentErrorCode.MINIPROGRAM_MISCONFIGURED: _("小程序配置有误，请联系供热公司。"),
        ResidentErrorCode.PHONE_WATERMARK_MISMATCH: _("手机号授权来源不符，请重新授权。"),
    }
    message = messages.get(exc.code, _("微信服务返回错误，请稍后再试。"))
    field = "code" if exc.code == ResidentErrorCode.INVALID_CODE else None
    return resident_error(message, exc.code, field=field)


def _sms_send_error(exc: SmsSendError) -> ValidationError:
    if exc.code == ResidentErrorCode.SMS_RATE_LIMITED:
        return resident_error(_("该手机号接收短信过于频繁，请稍后再试。"), exc.code, field="phone")
    if exc.code == ResidentErrorCode.INVALID_PHONE:
        return resident_error(_("该手机号无法接收短信，请检查号码。"), exc.code, field="phone")
    if not exc.definite:
        return resident_error(_("短信发送结果未知，如未收到验证码，请稍后重新获取。"),
                              ResidentErrorCode.SMS_SEND_FAILED)
    return resident_error(_("短信发送失败，请稍后再试。"), ResidentErrorCode.SMS_SEND_FAILED)


def _mobile_or_error(phone: str) -> str:
    normalized = normalize_mobile(phone)
    if normalized is None:
        raise resident_error(_("请输入正确的中国大陆手机号。"), ResidentErrorCode.INVALID_PHONE, field="phone")
    return normalized


def _request_result(row: SmsCode, phone: str, *, sent: bool) -> SmsCodeRequestResult:
    now = timezone.now()
    resend_at = row.created_at + timedelta(seconds=settings.SMS_CODE["RESEND_SECONDS"])
    return SmsCodeRequestResult(phone_masked=mask_phone(phone),
                                expires_in=max(0, int((row.expires_at - now).total_seconds())),
                                resend_in=max(0, int((resend_at - now).total_seconds())), sent=sent)


def _audit_ip(ip: str) -> str | None:
    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        return None
