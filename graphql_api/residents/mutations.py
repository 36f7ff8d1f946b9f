import graphene

from apps.residents.erasure import DELETE_CONFIRMATION, resident_delete_own
from apps.residents.services import (
    resident_phone_bind_wechat,
    resident_wechat_login,
    sms_code_request,
    sms_code_verify,
)
from heat_platform.kernel.actors import client_ip

from ..core.mutations import BaseMutation
from ..core.permissions import AllowAny, IsResident
from .types import ResidentError, ResidentProfile


class WechatLogin(BaseMutation):
    """Resident login with the code from `wx.login()` in this company's mini-program."""

    permissions = (AllowAny,)

    class Arguments:
        code = graphene.String(required=True, description="Code from wx.login() (valid 5 minutes, single use)")

    token = graphene.String(description="Bearer token for this domain only")
    expires_in = graphene.Int(description="Seconds until the token expires")
    resident = graphene.Field(ResidentProfile)
    errors = graphene.List(graphene.NonNull(ResidentError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, code):
        result = resident_wechat_login(code=code, ip=client_ip(info.context))
        return cls(token=result.token, expires_in=result.expires_in, resident=result.resident, errors=[])


class BindPhone(BaseMutation):
    """Bind the phone number WeChat vouches for (code from the getPhoneNumber button)."""

    permissions = (IsResident,)

    class Arguments:
        code = graphene.String(required=True, description="Code from the getPhoneNumber button")

    resident = graphene.Field(ResidentProfile)
    errors = graphene.List(graphene.NonNull(ResidentError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, code):
        resident = resident_phone_bind_wechat(resident=info.context.actor.resident, code=code,
                                              ip=client_ip(info.context))
        return cls(resident=resident, errors=[])


class RequestSmsCode(BaseMutation):
    """Text a 6-digit code to a phone, to bind it with verifySmsCode."""

    permissions = (IsResident,)

    class Arguments:
        phone = graphene.String(required=True, description="Mainland mobile number")

    phone_masked = graphene.String()
    expires_in = graphene.Int(description="Seconds the code stays valid")
    resend_in = graphene.Int(description="Seconds until another code may be requested")
    errors = graphene.List(graphene.NonNull(ResidentError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, phone):
        result = sms_code_request(resident=info.context.actor.resident, phone=phone, ip=client_ip(info.context))
        return cls(phone_masked=result.phone_masked, expires_in=result.expires_in, resend_in=result.resend_in,
                   errors=[])


class VerifySmsCode(BaseMutation):
    """Check the texted code and bind the phone to the signed-in resident."""

    permissions = (IsResident,)

    class Arguments:
        phone = graphene.String(required=True)
        code = graphene.String(required=True)

    resident = graphene.Field(ResidentProfile)
    errors = graphene.List(graphene.NonNull(ResidentError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, phone, code):
        resident = sms_code_verify(resident=info.context.actor.resident, phone=phone, code=code,
                                   ip=client_ip(info.context))
        return cls(resident=resident, errors=[])


class DeleteMyAccount(BaseMutation):
    """Delete the signed-in resident's account: WeChat identity, nickname, phone and house bindings are
    erased for good and every token stops working; payments and receipts stay with the company (accounting
    law) under an anonymous id. Signing in again later starts a new, empty account. Refused while an online
    payment or a refund is still under way (PAYMENT_PENDING)."""

    permissions = (IsResident,)

    class Arguments:
        confirmation = graphene.String(required=True, description=f'Must be "{DELETE_CONFIRMATION}"')

    ok = graphene.Boolean(required=True)
    errors = graphene.List(graphene.NonNull(ResidentError), required=True)

    @staticmethod
    def resolve_ok(root, info):
        return not root.errors  # a refusal answers with `errors` only: ok is false then, not null

    @classmethod
    def perform_mutation(cls, root, info, confirmation):
        resident_delete_own(resident=info.context.actor.resident, confirmation=confirmation,
                            ip=client_ip(info.context))
        return cls(ok=True, errors=[])


class ResidentAuthMutations(graphene.ObjectType):
    """wechatLogin, bindPhone, requestSmsCode, verifySmsCode, deleteMyAccount."""

    wechat_login = WechatLogin.Field()
    bind_phone = BindPhone.Field()
    request_sms_code = RequestSmsCode.Field()
    verify_sms_code = VerifySmsCode.Field()
    delete_my_account = DeleteMyAccount.Field()
