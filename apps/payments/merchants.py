"""A company's merchant accounts: saving them (validated, secrets write-only),
building provider configs, testing the connection, and the providers that
verify notifies (cached per process, invalidated on save: `notify_provider`)."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from heat_platform.kernel.errors import field_error
from tenants.directory import company_context, public_atomic
from tenants.models import HeatingCompany, MerchantAccount, ServiceProviderAccount
from tenants.selectors import current_company

from .errors import PaymentErrorCode
from .providers import MerchantConfig, PaymentProvider, ProviderError, provider_for_config

WECHAT_FIELDS = ("mchid", "appid", "merchant_serial_no", "wechatpay_public_key_id", "wechatpay_public_key",
                 "platform_certificates", "sub_mchid", "sub_appid")
ALIPAY_FIELDS = ("alipay_app_id", "alipay_public_key", "alipay_seller_id")
SECRETS = {
    "wechat": ("merchant_private_key", "apiv3_key"),
    "alipay": ("alipay_app_private_key", "alipay_app_auth_token"),
}


def active_account(channel: str) -> MerchantAccount | None:
    """The account new orders go to."""
    return MerchantAccount.objects.filter(tenant_id=current_company().pk, channel=channel, is_active=True).first()


def channel_account(channel: str) -> MerchantAccount | None:
    """The account, active or not: notifies, queries and refunds of orders placed
    before it was switched off still need it."""
    return MerchantAccount.objects.filter(tenant_id=current_company().pk, channel=channel).first()


def merchant_config(account: MerchantAccount) -> MerchantConfig:
    """Decrypted credentials; partner/ISV accounts borrow the platform's own."""
    if account.channel == MerchantAccount.Channel.WECHAT:
        if account.mode == MerchantAccount.Mode.PARTNER:
            sp = ServiceProviderAccount.objects.filter(channel="wechat").first()
            if sp is None:
                raise ProviderError("the platform has no WeChat Pay service-provider account")
            return MerchantConfig(
                channel="wechat", mode="partner", mchid=sp.sp_mchid, appid=sp.sp_appid, sub_mchid=account.sub_mchid,
                sub_appid=account.sub_appid or account.appid, merchant_serial_no=sp.merchant_serial_no,
                merchant_private_key=sp.merchant_private_key, apiv3_key=sp.apiv3_key,
                wechatpay_public_key_id=sp.wechatpay_public_key_id, wechatpay_public_key=sp.wechatpay_public_key,
                platform_certificates=tuple(sp.platform_certificates or ()))
        return MerchantConfig(
            channel="wechat", mode="direct", mchid=account.mchid, appid=account.appid,
            merchant_serial_no=account.merchant_serial_no, merchant_private_key=account.merchant_private_key,
            apiv3_key=account.apiv3_key, wechatpay_public_key_id=account.wechatpay_public_key_id,
            wechatpay_public_key=account.wechatpay_public_key,
            platform_certificates=tuple(account.platform_certificates or ()))
    if account.mode == MerchantAccount.Mode.ISV:
        sp = ServiceProviderAccount.objects.filter(channel="alipay").first()
        if sp is None:
            raise ProviderError("the platform has no Alipay ISV app")
        return MerchantConfig(channel="alipay", mode="isv", alipay_app_id=sp.alipay_app_id,
                              alipay_app_private_key=sp.alipay_app_private_key,
                                  alipay_public_key=sp.alipay_public_key, alipay_seller_id=account.alipay_seller_id,
                              alipay_app_auth_token=account.alipay_app_auth_token,
                              # The company's own app, which authorized the platform's (notifies name it),
                              # when the account records it.
                              alipay_auth_app_id="" if account.alipay_app_id == sp.alipay_app_id
                              else account.alipay_app_id)
    return MerchantConfig(channel="alipay", mode="direct", alipay_app_id=account.alipay_app_id,
                          alipay_app_private_key=account.alipay_app_private_key,
                          alipay_public_key=account.alipay_public_key, alipay_seller_id=account.alipay_seller_id)


# Building a provider parses PEM keys (about a millisecond each): keep one per
# account version per process. Keyed by the account's updated_at, so a saved
# change is picked up at once.
_providers: dict[tuple, PaymentProvider] = {}
_providers_lock = threading.Lock()


def provider_for(account: MerchantAccount) -> PaymentProvider:
    sp_stamp = None
    if account.mode in (MerchantAccount.Mode.PARTNER, MerchantAccount.Mode.ISV):
        sp_stamp = ServiceProviderAccount.objects.filter(channel=account.channel).values_list(
            "updated_at", flat=True).first()
    key = (connection.schema_name, account.pk, account.updated_at, sp_stamp, settings.PAYMENTS_WECHATPAY_GATEWAY,
           settings.PAYMENTS_ALIPAY_GATEWAY, settings.PAYMENTS_HTTP_TIMEOUT)
    provider = _providers.get(key)
    if provider is None:
        provider = provider_for_config(merchant_config(account))
        with _providers_lock:
            if len(_providers) > 256:
                _providers.clear()
            _providers[key] = provider
    return provider


# --- the notify hot path ----------------------------------------------------------------------------------------
# A notify needs only the provider that verifies it. Reading the account row (and, for partner/ISV accounts, the
# platform's) and decrypting its secrets on every notify is a query and a decryption per request; instead each
# process keeps the provider per (company, channel), checked against a stamp in the shared cache (one cache GET,
# tenant-aware key). Saving or deleting the account, or the platform's service-provider account, replaces the
# stamp at once and again after commit, so every process rebuilds from the committed row on its next notify.
# An entry also expires after NOTIFY_PROVIDER_TTL, bounding staleness for writes that bypass save() (update()).
NOTIFY_PROVIDER_TTL = 300.0
_notify_providers: dict[tuple, tuple[str, float, PaymentProvider | None]] = {}


def _now() -> float:
    return time.monotonic()


def _stamp_key(channel: str) -> str:
    return f"payments:merchant-stamp:{channel}"


def notify_provider(channel: str) -> PaymentProvider | None:
    """The provider verifying the current company's notifies on `channel`; None without an account."""
    key = (connection.schema_name, channel, settings.PAYMENTS_WECHATPAY_GATEWAY, settings.PAYMENTS_ALIPAY_GATEWAY,
           settings.PAYMENTS_HTTP_TIMEOUT)
    stamp = cache.get(_stamp_key(channel))  # read before the account: a save after this changes it again
    now = _now()
    entry = _notify_providers.get(key)
    if entry is not None and stamp is not None and entry[0] == stamp and now < entry[1]:
        return entry[2]
    if stamp is None:
        cache.add(_stamp_key(channel), uuid.uuid4().hex, None)
        stamp = cache.get(_stamp_key(channel))
    account = channel_account(channel)
    provider = provider_for(account) if account is not None else None
    if stamp is not None:  # no shared cache at all: never reuse
        if len(_notify_providers) > 1024:
            _notify_providers.clear()
        _notify_providers[key] = (stamp, now + NOTIFY_PROVIDER_TTL, provider)
    return provider


def _restamp(company: HeatingCompany, channel: str) -> None:
    with company_context(company):  # the stamp's key carries the company's schema (no query)
        cache.set(_stamp_key(channel), uuid.uuid4().hex, None)


def _restamp_now_and_after_commit(accounts: list[tuple[HeatingCompany, str]], using: str) -> None:
    for company, channel in accounts:
        _restamp(company, channel)

    def again() -> None:
        for company, channel in accounts:
            _restamp(company, channel)

    # After the commit of the account row's own connection (`directory` while switched to another cluster).
    transaction.on_commit(again, using=using)


@receiver([post_save, post_delete], sender=MerchantAccount, dispatch_uid="payments.merchant_account_restamp")
def _merchant_account_changed(sender, instance: MerchantAccount, **kwargs) -> None:
    company = HeatingCompany.objects.filter(pk=instance.tenant_id).first()
    if company is not None:
        _restamp_now_and_after_commit([(company, instance.channel)], kwargs["using"])


@receiver([post_save, post_delete], sender=ServiceProviderAccount, dispatch_uid="payments.service_provider_restamp")
def _service_provider_changed(sender, instance: ServiceProviderAccount, **kwargs) -> None:
    borrowing = HeatingCompany.objects.filter(merchant_accounts__channel=instance.channel, merchant_accounts__mode__in=(
        MerchantAccount.Mode.PARTNER, MerchantAccount.Mode.ISV)).distinct()
    _restamp_now_and_after_commit([(company, instance.channel) for company in borrowing], kwargs["using"])


def merchant_fields(account: MerchantAccount) -> dict:
    """The merchant identity an order placed with this account records (and a notify must name)."""
    if account.channel == "wechat":
        if account.mode == "partner":
            sp = ServiceProviderAccount.objects.get(channel="wechat")
            return {"merchant_mode": "partner", "merchant_id": sp.sp_mchid, "app_id": sp.sp_appid,
                    "sub_merchant_id": account.sub_mchid, "sub_app_id": account.sub_appid or account.appid}
        return {"merchant_mode": "direct", "merchant_id": account.mchid, "app_id": account.appid}
    if account.mode == "isv":
        sp = ServiceProviderAccount.objects.get(channel="alipay")
        return {"merchant_mode": "isv", "merchant_id": sp.alipay_app_id, "sub_merchant_id": account.alipay_seller_id}
    return {"merchant_mode": "direct", "merchant_id": account.alipay_app_id,
            "sub_merchant_id": account.alipay_seller_id}



IDENTITY = ("merchant_mode", "merchant_id", "app_id", "sub_merchant_id")


def account_matches(order, account: MerchantAccount | None) -> bool:
    """Whether the account still is the merchant the order was placed with."""
    if account is None:
        return False
    try:
        now = merchant_fields(account)
    except ServiceProviderAccount.DoesNotExist:
        return False
    return all(str(now.get(k, "")) == str(getattr(order, k)) for k in IDENTITY)


def _unfinished(channel: str) -> bool:
    from .models import PaymentOrder, Refund

    return PaymentOrder.objects.filter(channel=channel, status=PaymentOrder.Status.CREATED).exists() or \
        Refund.objects.filter(order__channel=channel, status__in=Refund.PENDING).exists()


def _validate(config: MerchantConfig) -> list[tuple[str, str]]:
    if config.channel == "wechat":
        from .providers.wechat import validate_wechat_config

        return validate_wechat_config(config)
    from .providers.alipay import validate_alipay_config

    return validate_alipay_config(config)


# Merchant accounts are on the main cluster: the transaction must be there too (see public_atomic).
@public_atomic()
def merchant_account_save(*, channel: str, mode: str, data: dict[str, Any], actor, ip: str | None = None,
                          is_active: bool = True) -> MerchantAccount:
    """Create or update the company's account for a channel. Secret fields left
    empty keep their stored value (they are write-only: the API never returns them)."""
    if channel not in MerchantAccount.Channel.values:
        raise field_error("channel", _("不支持的支付渠道。"), PaymentErrorCode.INVALID)
    allowed_modes = {"wechat": ("direct", "partner"), "alipay": ("direct", "isv")}[channel]
    if mode not in allowed_modes:
        raise field_error("mode", _("该渠道不支持此接入模式。"), PaymentErrorCode.INVALID)
    tenant = current_company()
    account = (MerchantAccount.objects.select_for_update().filter(tenant_id=tenant.pk, channel=channel).first()
               or MerchantAccount(tenant_id=tenant.pk, channel=channel))
    try:
        old_identity = merchant_fields(account) if account.pk else None
    except ServiceProviderAccount.DoesNotExist:
        old_identity = None
    account.mode = mode
    account.is_active = is_active
    fields = WECHAT_FIELDS if channel == "wechat" else ALIPAY_FIELDS
    changed = []
    for name in fields:
        if name in data and data[name] is not None:
            value = data[name]
            setattr(account, name, value.strip() if isinstance(value, str) else value)
            changed.append(name)
    for name in SECRETS[channel]:
        value = (data.get(name) or "").strip()
        if value:
            setattr(account, name, value)
            changed.append(name)
    try:
        config = merchant_config(account)
    except ProviderError as exc:
        raise field_error("mode", _("平台尚未配置服务商账户，不能使用此模式。"),
                          PaymentErrorCode.CHANNEL_NOT_CONFIGURED) from exc
    if old_identity is not None and merchant_fields(account) != old_identity and _unfinished(channel):
        # Their notifies, queries and refunds can only be handled with the merchant they were placed with.
        raise field_error("mode", _("该渠道还有未完成的订单或退款，完成后才能更换收款商户。"),
                          PaymentErrorCode.INVALID_STATUS)
    problems = _validate(config)
    if problems:
        from django.core.exceptions import ValidationError

        raise ValidationError({field: [ValidationError(message, code=PaymentErrorCode.INVALID_KEY)]
                               for field, message in problems})
    account.last_test_ok = None
    account.last_test_message = ""
    account.save()
    # Field names only: never values (keys, tokens).
    audit_record(actor=actor, action="merchant.save", target=None, ip=ip, channel=channel, mode=mode,
                 fields=sorted(changed))
    return account


def merchant_account_test(*, channel: str, actor, ip: str | None = None) -> MerchantAccount:
    """One harmless signed call against the configured gateway (never inside a transaction)."""
    account = MerchantAccount.objects.filter(tenant_id=current_company().pk, channel=channel).first()
    if account is None:
        raise field_error("channel", _("尚未配置该渠道的收款商户。"), PaymentErrorCode.CHANNEL_NOT_CONFIGURED)
    try:
        message, ok = provider_for(account).test_connection(), True
    except ProviderError as exc:
        message, ok = _("连接失败：%(reason)s") % {"reason": str(exc)[:200]}, False
    MerchantAccount.objects.filter(pk=account.pk).update(last_test_at=timezone.now(), last_test_ok=ok,
                                                         last_test_message=message[:255])
    audit_record(actor=actor, action="merchant.test", target=None, ip=ip, channel=channel, ok=ok)
    account.refresh_from_db()
    return account


# --- The platform's own service-provider accounts (operators), through which PARTNER/ISV companies are paid

SP_FIELDS = {"wechat": ("sp_mchid", "sp_appid", "merchant_serial_no", "wechatpay_public_key_id",
                        "wechatpay_public_key"),
             "alipay": ("alipay_app_id", "alipay_public_key")}
SP_SECRETS = {"wechat": ("merchant_private_key", "apiv3_key"), "alipay": ("alipay_app_private_key",)}
# The provider validators name a merchant's own fields; the service provider's are these.
_SP_ERROR_FIELDS = {"mchid": "sp_mchid", "appid": "sp_appid", "alipayAppId": "alipay_app_id"}


def service_provider_list() -> list[ServiceProviderAccount]:
    return list(ServiceProviderAccount.objects.order_by("channel"))


@public_atomic()
def service_provider_save(*, channel: str, data: dict[str, Any], actor, ip: str | None = None
                          ) -> ServiceProviderAccount:
    """Create or update the platform's WeChat Pay service-provider merchant or Alipay
    ISV app (operators). Validated like a company's own account (keys parse, ids
    look right); secret fields left empty keep their stored value (write-only).
    Companies borrowing it get fresh providers (the post_save signal restamps them).
    Audited in the platform log with field names, never values."""
    if channel not in SP_FIELDS:
        raise field_error("channel", _("不支持的支付渠道。"), PaymentErrorCode.INVALID)
    account = (ServiceProviderAccount.objects.select_for_update().filter(channel=channel).first()
               or ServiceProviderAccount(channel=channel))
    changed = []
    for name in SP_FIELDS[channel]:
        if data.get(name) is not None:
            setattr(account, name, data[name].strip())
            changed.append(name)
    for name in SP_SECRETS[channel]:
        value = (data.get(name) or "").strip()
        if value:
            setattr(account, name, value)
            changed.append(name)
    if channel == "wechat":
        config = MerchantConfig(channel="wechat", mode="direct", mchid=account.sp_mchid, appid=account.sp_appid,
                                merchant_serial_no=account.merchant_serial_no,
                                merchant_private_key=account.merchant_private_key, apiv3_key=account.apiv3_key,
                                wechatpay_public_key_id=account.wechatpay_public_key_id,
                                wechatpay_public_key=account.wechatpay_public_key)
    else:
        config = MerchantConfig(channel="alipay", mode="direct", alipay_app_id=account.alipay_app_id,
                                alipay_app_private_key=account.alipay_app_private_key,
                                alipay_public_key=account.alipay_public_key)
    problems = _validate(config)
    if problems:
        from django.core.exceptions import ValidationError

        raise ValidationError({_SP_ERROR_FIELDS.get(field, field): [
            ValidationError(message, code=PaymentErrorCode.INVALID_KEY)] for field, message in problems})
    account.save()
    from heat_platform.models import OperatorAuditLog

    OperatorAuditLog.objects.create(actor=actor, actor_username=actor.get_username() if actor else "system",
                                    action="service_provider.save", ip=ip,
                                    detail={"channel": channel, "fields": sorted(changed)})
    return account
