"""Merchant accounts in the API: secrets are write-only (only whether one is set is shown)."""

import graphene

from apps.accounts.permissions import MERCHANT_MANAGE
from apps.payments.merchants import merchant_account_save, merchant_account_test
from heat_platform.kernel.actors import client_ip
from tenants.models import MerchantAccount as _Account

from ..core.mutations import BaseMutation
from ..core.permissions import HasRole
from .types import PaymentError

MerchantChannel = graphene.Enum.from_enum(_Account.Channel, name="MerchantChannel")
MerchantMode = graphene.Enum.from_enum(_Account.Mode, name="MerchantMode")


class PlatformCertificate(graphene.ObjectType):
    serial_no = graphene.String(required=True)
    expire_time = graphene.String()


class MerchantAccount(graphene.ObjectType):
    channel = graphene.Field(MerchantChannel, required=True)
    mode = graphene.Field(MerchantMode, required=True)
    is_active = graphene.Boolean(required=True)
    mchid = graphene.String(required=True)
    appid = graphene.String(required=True)
    merchant_serial_no = graphene.String(required=True)
    wechatpay_public_key_id = graphene.String(required=True)
    sub_mchid = graphene.String(required=True)
    sub_appid = graphene.String(required=True)
    platform_certificates = graphene.List(graphene.NonNull(PlatformCertificate), required=True)
    alipay_app_id = graphene.String(required=True)
    alipay_seller_id = graphene.String(required=True)
    has_merchant_private_key = graphene.Boolean(required=True)
    has_apiv3_key = graphene.Boolean(required=True)
    has_alipay_app_private_key = graphene.Boolean(required=True)
    has_alipay_app_auth_token = graphene.Boolean(required=True)
    last_test_at = graphene.DateTime()
    last_test_ok = graphene.Boolean()
    last_test_message = graphene.String(required=True)

    @staticmethod
    def resolve_platform_certificates(root, info):
        return [PlatformCertificate(serial_no=c.get("serial_no", ""), expire_time=c.get("expire_time"))
                for c in root.platform_certificates or []]

    @staticmethod
    def resolve_has_merchant_private_key(root, info):
        return bool(root.merchant_private_key)

    @staticmethod
    def resolve_has_apiv3_key(root, info):
        return bool(root.apiv3_key)

    @staticmethod
    def resolve_has_alipay_app_private_key(root, info):
        return bool(root.alipay_app_private_key)

    @staticmethod
    def resolve_has_alipay_app_auth_token(root, info):
        return bool(root.alipay_app_auth_token)


class PlatformCertificateInput(graphene.InputObjectType):
    serial_no = graphene.String(required=True)
    pem = graphene.String(required=True)
    expire_time = graphene.String()


class WechatMerchantInput(graphene.InputObjectType):
    mode = MerchantMode(required=True, description="DIRECT (own merchant) or PARTNER (sub-merchant of the platform).")
    is_active = graphene.Boolean(default_value=True)
    mchid = graphene.String()
    appid = graphene.String()
    merchant_serial_no = graphene.String()
    merchant_private_key = graphene.String(
        description="PEM (apiclient_key.pem). Write-only; empty keeps the stored one.")
    apiv3_key = graphene.String(description="32 characters. Write-only; empty keeps the stored one.")
    wechatpay_public_key_id = graphene.String()
    wechatpay_public_key = graphene.String()
    platform_certificates = graphene.List(graphene.NonNull(PlatformCertificateInput))
    sub_mchid = graphene.String()
    sub_appid = graphene.String()


class AlipayMerchantInput(graphene.InputObjectType):
    mode = MerchantMode(required=True, description="DIRECT (own app) or ISV (authorized to the platform's app).")
    is_active = graphene.Boolean(default_value=True)
    alipay_app_id = graphene.String()
    alipay_app_private_key = graphene.String(description="Write-only; empty keeps the stored one.")
    alipay_public_key = graphene.String()
    alipay_seller_id = graphene.String()
    alipay_app_auth_token = graphene.String(description="ISV mode. Write-only; empty keeps the stored one.")


def _save(info, channel: str, data: dict):
    data = dict(data)
    mode = data.pop("mode").value
    is_active = data.pop("is_active", True)
    if data.get("platform_certificates") is not None:
        data["platform_certificates"] = [dict(c) for c in data["platform_certificates"]]
    return merchant_account_save(channel=channel, mode=mode, data=data, is_active=is_active,
                                 actor=info.context.actor.user, ip=client_ip(info.context))


class _SaveMerchant(BaseMutation):
    """Create or update the company's account for `channel`."""

    permissions = (HasRole(*MERCHANT_MANAGE),)
    channel = ""
    account = graphene.Field(MerchantAccount)
    errors = graphene.List(graphene.NonNull(PaymentError), required=True)

    class Meta:
        abstract = True

    @classmethod
    def perform_mutation(cls, root, info, input):
        return cls(account=_save(info, cls.channel, input), errors=[])


class SaveWechatMerchant(_SaveMerchant):
    channel = "wechat"

    class Arguments:
        input = WechatMerchantInput(required=True)


class SaveAlipayMerchant(_SaveMerchant):
    channel = "alipay"

    class Arguments:
        input = AlipayMerchantInput(required=True)


class TestMerchantConnection(BaseMutation):
    """Sign one harmless call to the configured gateway and verify its signed answer."""

    permissions = (HasRole(*MERCHANT_MANAGE),)
    account = graphene.Field(MerchantAccount)
    errors = graphene.List(graphene.NonNull(PaymentError), required=True)

    class Arguments:
        channel = MerchantChannel(required=True)

    @classmethod
    def perform_mutation(cls, root, info, channel):
        account = merchant_account_test(channel=channel.value, actor=info.context.actor.user,
                                        ip=client_ip(info.context))
        return cls(account=account, errors=[])


class MerchantMutations(graphene.ObjectType):
    save_wechat_merchant = SaveWechatMerchant.Field()
    save_alipay_merchant = SaveAlipayMerchant.Field()
    test_merchant_connection = TestMerchantConnection.Field()
