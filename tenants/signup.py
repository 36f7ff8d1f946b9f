"""Self-onboarding by anonymous callers: prove the contact phone, then sign up.

1. `signup_code_request(phone)` texts a 6-digit code (the SMS provider layer of
   apps/residents: sandbox in dev, Aliyun/Tencent in production). Only a keyed
   hash is stored, with an expiry and a wrong-guess allowance.
2. `tenant_signup(registration, sms_code)` checks the code and, with a spare
   schema at hand, creates the company in the same transaction (a rename,
   tens of milliseconds: the fast path, READY). With the pool empty nothing is
   migrated in the request: the sign-up is stored (slug held, password hashed),
   a Celery task provisions it, and the caller polls `signupStatus(token)`.

Both are limited per client IP and per phone (settings.SIGNUP, the kernel
throttle), the number of sign-ups waiting for a schema is capped, and a code is
consumed only by a sign-up that commits: a wrong code counts against the
code, a failure after a right code leaves it usable.
"""

from __future__ import annotations

import enum
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

from apps.residents.phones import phone_index
from apps.residents.sms import SmsMessage, SmsSendError, get_sms_provider
from heat_platform.crypto import blind_index
from heat_platform.kernel import throttle
from heat_platform.kernel.errors import field_error
from heat_platform.kernel.locks import xact_lock
from heat_platform.kernel.tasks import enqueue_on_commit
from heat_platform.pii import mask_phone

from .errors import TenantErrorCode
from .models import HeatingCompany, Signup, SignupCode
from .selectors import signup_token_hash
from .services import (
    company_create,
    registration_hash_password,
    slug_lock,
    validate_registration,
)
from .signals import Registration
from .spares import spare_create, spare_take
from .validators import normalize_mobile_or_error

logger = logging.getLogger(__name__)

CODE_RE = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class SignupCodeResult:
    phone_masked: str
    expires_in: int  # seconds the code stays valid
    resend_in: int  # seconds until another code may be requested for this phone


@dataclass(frozen=True)
class SignupResult:
    status: str  # Signup.Status
    token: str | None  # PROVISIONING: for signupStatus, shown once (only its hash is stored)
    tenant: HeatingCompany | None  # READY: the company, usable now


# --- limits ----------------------------------------------------------------------------------------

def _limit(scope: str, key: str) -> throttle.Limit:
    conf = settings.SIGNUP
    return throttle.Limit(scope, conf[key], conf["WINDOW_SECONDS"])


def _admit(pairs: list[tuple[throttle.Limit, object]], *, field: str | None = None) -> None:
    over = throttle.admit(pairs)
    if over is not None:
        seconds = max(1, throttle.retry_after(*over))
        message = _("尝试次数过多，请 %(wait)s后再试。") % {"wait": throttle.wait_text(seconds)}
        error = ValidationError(message, code=TenantErrorCode.TOO_MANY_ATTEMPTS, params={"retry_after": seconds})
        raise ValidationError({field: [error]}) if field else error


# --- 1. the phone's code ---------------------------------------------------------------------------

def signup_code_request(*, phone: str, ip: str) -> SignupCodeResult:
    """Text a sign-up code to `phone`: at most CODE_MAX_PER_IP per client IP and
    CODE_MAX_PER_PHONE per phone per window, one per phone per RESEND_SECONDS."""
    try:
        normalized = normalize_mobile_or_error(phone)
    except ValidationError as exc:
        raise ValidationError({"phone": exc.error_list}) from None
    index = phone_index(normalized)
    limits = [(_limit("signup_code.ip", "CODE_MAX_PER_IP"), ip),
              (_limit("signup_code.phone", "CODE_MAX_PER_PHONE"), index)]
    _admit(limits)
    provider = get_sms_provider()
    try:
        row, code = _code_reserve(phone_index=index, ip=ip, provider=provider.name, now=timezone.now())
    except ValidationError:
        for limit, value in limits:  # a double tap inside the resend interval costs no quota
            throttle.refund(limit, value)
        raise
    message = SmsMessage(phone=normalized, sign_name=settings.SMS_SIGN_NAME,
                         template=settings.SMS_TEMPLATE_VERIFY_CODE, params={"code": code})
    try:
        receipt = provider.send(message)
    except SmsSendError as exc:
        if exc.definite:
            SignupCode.objects.filter(pk=row.pk, status=SignupCode.Status.LIVE).update(
                status=SignupCode.Status.FAILED)
        logger.warning("signup code not sent provider=%s provider_code=%s definite=%s phone=%s", provider.name,
                       exc.provider_code, exc.definite, mask_phone(normalized))
        raise _sms_send_error(exc) from None
    SignupCode.objects.filter(pk=row.pk).update(sent_at=timezone.now(), provider_message_id=receipt.message_id[:64])
    logger.info("signup code sent provider=%s phone=%s request_id=%s", provider.name, mask_phone(normalized),
                receipt.request_id)
    now = timezone.now()
    resend_at = row.created_at + timedelta(seconds=settings.SMS_CODE["RESEND_SECONDS"])
    return SignupCodeResult(phone_masked=mask_phone(normalized),
                            expires_in=max(0, int((row.expires_at - now).total_seconds())),
                            resend_in=max(0, int((resend_at - now).total_seconds())))


@transaction.atomic
def _code_reserve(*, phone_index: str, ip: str, provider: str, now: datetime) -> tuple[SignupCode, str]:
    """The phone's new LIVE code (replacing the old one), serialised per phone."""
    xact_lock("tenants.signup_code.phone", phone_index, schema="public")
    resend = timedelta(seconds=settings.SMS_CODE["RESEND_SECONDS"])
    last = (SignupCode.objects.filter(phone_index=phone_index, created_at__gt=now - resend)
            .exclude(status=SignupCode.Status.FAILED).order_by("-created_at", "-id").first())
    if last is not None:
        wait = max(1, int((last.created_at + resend - now).total_seconds()))
        message = _("验证码发送过于频繁，请 %(seconds)d 秒后再试。") % {"seconds": wait}
        raise ValidationError({"phone": [ValidationError(message, code=TenantErrorCode.SMS_RATE_LIMITED,
                                                         params={"retry_after": wait})]})
    SignupCode.objects.filter(phone_index=phone_index, status=SignupCode.Status.LIVE).update(
        status=SignupCode.Status.REPLACED)
    code = f"{secrets.randbelow(10 ** 6):06d}"
    salt = secrets.token_hex(16)
    row = SignupCode.objects.create(
        phone_index=phone_index, code_hash=signup_code_hash(salt=salt, code=code), salt=salt, request_ip=ip[:45],
        provider=provider, created_at=now, expires_at=now + timedelta(seconds=settings.SMS_CODE["TTL_SECONDS"]),
    )
    return row, code


def signup_code_hash(*, salt: str, code: str) -> str:
    """Keyed hash (HMAC-SHA256 under a key derived from BLIND_INDEX_KEY) of a salted code."""
    return blind_index(f"{salt}:{code}", purpose="signup-code")


class _Outcome(enum.Enum):
    OK = "ok"
    NONE = "none"
    WRONG = "wrong"
    EXPIRED = "expired"
    LOCKED = "locked"


def _code_check(*, phone_index: str, code: str, now: datetime) -> tuple[_Outcome, int]:
    """Check (and on success consume) the phone's latest code, in the caller's
    transaction with the row locked: of two sign-ups with one code, one wins.
    Returns the outcome and, for a wrong code, the guesses left."""
    row = (SignupCode.objects.select_for_update().filter(phone_index=phone_index)
           .exclude(status=SignupCode.Status.FAILED).order_by("-created_at", "-id").first())
    if row is None or row.status in (SignupCode.Status.USED, SignupCode.Status.REPLACED):
        return _Outcome.NONE, 0
    if row.status == SignupCode.Status.LOCKED:
        return _Outcome.LOCKED, 0
    if row.status == SignupCode.Status.EXPIRED or row.expires_at <= now:
        if row.status != SignupCode.Status.EXPIRED:
            row.status = SignupCode.Status.EXPIRED
            row.save(update_fields=["status"])
        return _Outcome.EXPIRED, 0
    if not secrets.compare_digest(row.code_hash, signup_code_hash(salt=row.salt, code=code)):
        row.attempts += 1
        max_attempts = settings.SMS_CODE["MAX_ATTEMPTS"]
        if row.attempts >= max_attempts:
            row.status = SignupCode.Status.LOCKED
        row.save(update_fields=["attempts", "status"])
        if row.status == SignupCode.Status.LOCKED:
            return _Outcome.LOCKED, 0
        return _Outcome.WRONG, max_attempts - row.attempts
    row.status = SignupCode.Status.USED
    row.used_at = now
    row.save(update_fields=["status", "used_at"])
    return _Outcome.OK, 0


def _code_error(outcome: _Outcome, remaining: int) -> ValidationError:
    if outcome is _Outcome.WRONG:
        return field_error("sms_code", _("验证码错误，还可尝试 %(count)d 次。") % {"count": remaining},
                           TenantErrorCode.SMS_CODE_INVALID)
    if outcome is _Outcome.EXPIRED:
        return field_error("sms_code", _("验证码已过期，请重新获取。"), TenantErrorCode.SMS_CODE_EXPIRED)
    if outcome is _Outcome.LOCKED:
        return field_error("sms_code", _("验证码错误次数过多，请重新获取。"),
                           TenantErrorCode.SMS_CODE_ATTEMPTS_EXCEEDED)
    return field_error("sms_code", _("请先获取验证码。"), TenantErrorCode.SMS_CODE_INVALID)


# --- 2. the sign-up --------------------------------------------------------------------------------

def tenant_signup(*, registration: Registration, sms_code: str, ip: str) -> SignupResult:
    """Self-onboarding: validate, prove the contact phone with its SMS code, and
    either create the company now (a spare schema renamed into place, READY) or
    queue it for a worker (PROVISIONING, with a token for `signupStatus`). A
    company exists, and can be logged into, only when READY."""
    _admit([(_limit("signup.ip", "MAX_PER_IP"), ip)])
    with transaction.atomic():
        slug_lock(registration.slug)  # the slug check in validation holds until commit
        reg = validate_registration(registration, mobile_only=True)
        index = phone_index(reg.contact_phone)
        _admit([(_limit("signup.phone", "MAX_PER_PHONE"), index)], field="contact_phone")
        code = (sms_code or "").strip()
        if not CODE_RE.match(code):
            raise field_error("sms_code", _("请输入 6 位数字验证码。"), TenantErrorCode.SMS_CODE_INVALID)
        outcome, remaining = _code_check(phone_index=index, code=code, now=timezone.now())
        if outcome is _Outcome.OK:  # anything raised below rolls the code back to LIVE
            result = _signup_create(registration=reg, ip=ip)
    if outcome is not _Outcome.OK:  # raised after the block, so the counted wrong guess is kept
        raise _code_error(outcome, remaining)
    return result


def _signup_create(*, registration: Registration, ip: str) -> SignupResult:
    """In the caller's transaction, under the slug lock, the phone proved."""
    spare = spare_take()
    if spare is not None:  # the fast path: a rename in this transaction, nothing to poll for
        tenant = company_create(registration=registration_hash_password(registration), spare=spare)
        return SignupResult(status=Signup.Status.READY, token=None, tenant=tenant)
    xact_lock("tenants.signup.queue", schema="public")  # the cap below counts right under concurrency
    if Signup.objects.filter(status=Signup.Status.PROVISIONING).count() >= settings.SIGNUP["MAX_PROVISIONING"]:
        raise ValidationError(_("当前开通的公司较多，请几分钟后再试。"), code=TenantErrorCode.PROVISIONING_BUSY)
    reg = registration_hash_password(registration)
    token = secrets.token_urlsafe(32)
    signup = Signup.objects.create(
        token_hash=signup_token_hash(token), status=Signup.Status.PROVISIONING, slug=reg.slug,
        company_name=reg.company_name, contact_name=reg.contact_name, contact_phone=reg.contact_phone,
        admin_username=reg.admin_username, admin_password_hash=reg.admin_password_hash, request_ip=ip[:45],
    )
    from .tasks import provision_signup

    enqueue_on_commit(provision_signup, signup.pk)  # in the public schema, once the row is visible
    logger.warning("spare schema pool empty: sign-up %s queued for provisioning", signup.pk)
    return SignupResult(status=Signup.Status.PROVISIONING, token=token, tenant=None)


# --- 3. the worker ---------------------------------------------------------------------------------

class _NoSpareError(Exception):
    pass


def signup_provision(*, signup_id: int, max_rounds: int = 5) -> str:
    """Give a queued sign-up its company (Celery, public schema): migrate a spare
    schema outside any transaction (seconds), then claim a spare exactly as the
    fast path does. Idempotent: a redelivered task finds the sign-up done.
    Returns the sign-up's status."""
    connection.set_schema_to_public()
    for _round in range(max_rounds):
        try:
            return _provision_once(signup_id)
        except _NoSpareError:
            spare_create()  # a concurrent sign-up may take it first: then another round
        except Exception as exc:
            logger.exception("sign-up %s failed to provision", signup_id)
            _provision_failed(signup_id, f"{type(exc).__name__}")
            return Signup.Status.FAILED
    _provision_failed(signup_id, "no spare schema after retries")
    return Signup.Status.FAILED


@transaction.atomic
def _provision_once(signup_id: int) -> str:
    signup = Signup.objects.select_for_update().filter(pk=signup_id).first()
    if signup is None or signup.status != Signup.Status.PROVISIONING:
        return signup.status if signup else Signup.Status.FAILED
    spare = spare_take()
    if spare is None:
        raise _NoSpareError
    reg = Registration(company_name=signup.company_name, slug=signup.slug, contact_name=signup.contact_name,
                       contact_phone=signup.contact_phone, admin_username=signup.admin_username,
                       admin_password="", admin_password_hash=signup.admin_password_hash)
    tenant = company_create(registration=reg, spare=spare)
    signup.status = Signup.Status.READY
    signup.tenant = tenant
    signup.admin_password_hash = ""  # the admin holds it now
    signup.contact_phone = ""
    signup.finished_at = timezone.now()
    signup.save(update_fields=["status", "tenant", "admin_password_hash", "contact_phone", "finished_at"])
    return Signup.Status.READY


def signups_requeue_stuck(*, older_than: timedelta = timedelta(minutes=10)) -> int:
    """Queue provisioning again for sign-ups still waiting after `older_than`
    (a lost task, a worker that died): safe, since provisioning is idempotent.
    Beat runs it every few minutes; returns how many were queued."""
    from .tasks import provision_signup

    connection.set_schema_to_public()
    stuck = list(Signup.objects.filter(status=Signup.Status.PROVISIONING,
                                       created_at__lt=timezone.now() - older_than).values_list("pk", flat=True))
    for signup_id in stuck:
        provision_signup.apply_async((signup_id,), headers={"_schema_name": "public"})
    return len(stuck)


def _provision_failed(signup_id: int, error: str) -> None:
    Signup.objects.filter(pk=signup_id, status=Signup.Status.PROVISIONING).update(
        status=Signup.Status.FAILED, error=error[:200], admin_password_hash="", finished_at=timezone.now())


def _sms_send_error(exc: SmsSendError) -> ValidationError:
    from apps.residents.errors import ResidentErrorCode

    if exc.code == ResidentErrorCode.SMS_RATE_LIMITED:
        return field_error("phone", _("该手机号接收短信过于频繁，请稍后再试。"), TenantErrorCode.SMS_RATE_LIMITED)
    if exc.code == ResidentErrorCode.INVALID_PHONE:
        return field_error("phone", _("该手机号无法接收短信，请检查号码。"), TenantErrorCode.INVALID_PHONE)
    if not exc.definite:
        return ValidationError(_("短信发送结果未知，如未收到验证码，请稍后重新获取。"),
                               code=TenantErrorCode.SMS_SEND_FAILED)
    return ValidationError(_("短信发送失败，请稍后再试。"), code=TenantErrorCode.SMS_SEND_FAILED)
