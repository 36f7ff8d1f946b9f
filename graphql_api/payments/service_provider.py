"""The platform's service-provider accounts (WeChat Pay 服务商, Alipay ISV app), for
operators on the platform domain. Secrets are write-only: answers say only
whether one is stored."""

import graphene

from apps.payments.merchants import service_provider_list, service_provider_save
from heat_platform.kernel.actors import client_ip

from ..core.mutations import BaseMutation
from ..core.permissions import IsOperator, PermissionsField
from ..core.scalars import DateTime
from .types import MerchantChannel, PaymentError


class ServiceProviderAccount(graphene.ObjectType):
    channel = graphene.Field(MerchantChannel, required=True)
    sp_mchid = graphene.String(required=True, description="WeChat Pay: the service provider's merchant id")
    sp_appid = graphene.String(required=True)
    merchant_serial_no = graphene.String(required=True)
    wechatpay_public_key_id = graphene.String(required=True)
    has_merchant_private_key = graphene.Boolean(required=True)
    has_apiv3_key = graphene.Boolean(required=True)
    alipay_app_id = graphene.String(required=True, description="Alipay: the platform's ISV app")
    has_alipay_app_private_key = graphene.Boolean(required=True)
    has_alipay_public_key = graphene.Boolean(required=True)
    updated_at = DateTime(required=True)

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
    def resolve_has_alipay_public_key(root, info):
        return bool(root.alipay_public_key)


class ServiceProviderInput(graphene.InputObjectType):
    channel = MerchantChannel(required=True)
    sp_mchid = graphene.String()
    sp_appid = graphene.String()
    merchant_serial_no = graphene.String()
    merchant_private_key = graphene.String(description="PEM. Write-only; empty keeps the stored one.")
    apiv3_key = graphene.String(description="32 characters. Write-only; empty keeps the stored one.")
    wechatpay_public_key_id = graphene.String()
    wechatpay_public_key = graphene.String(description="PEM (not secret)")
    alipay_app_id = graphene.String()
    alipay_app_private_key = graphene.String(description="Write-only; empty keeps the stored one.")
    alipay_public_key = graphene.String(description="PEM (not secret)")


class ServiceProviderQueries(graphene.ObjectType):
    service_provider_accounts = PermissionsField(
        graphene.List(graphene.NonNull(ServiceProviderAccount), required=True), permissions=[IsOperator],
        description="The platform's WeChat Pay service provider and Alipay ISV app (those configured)")

    @staticmethod
    def resolve_service_provider_accounts(root, info):
        return service_provider_list()


class SaveServiceProviderAccount(BaseMutation):
    """Set the platform's WeChat Pay service-provider merchant or Alipay ISV app, through
    which PARTNER / ISV companies are paid. Checked like a company's own account
    (INVALID_KEY on the field); empty secrets keep the stored ones. Recorded in the
    platform's audit log (field names only)."""

    permissions = (IsOperator,)

    class Arguments:
        input = ServiceProviderInput(required=True)

    account = graphene.Field(ServiceProviderAccount)
    errors = graphene.List(graphene.NonNull(PaymentError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, input):
        data = {k: v for k, v in input.items() if k != "channel"}
        account = service_provider_save(channel=input["channel"].value, data=data, actor=info.context.actor.user,
                                        ip=client_ip(info.context))
        return cls(account=account, errors=[])


class ServiceProviderMutations(graphene.ObjectType):
    save_service_provider_account = SaveServiceProviderAccount.Field()
