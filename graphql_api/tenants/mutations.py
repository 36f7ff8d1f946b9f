import graphene

from heat_platform.kernel.actors import client_ip
from tenants.selectors import tenant_counts
from tenants.services import tenant_close, tenant_reactivate, tenant_suspend
from tenants.signals import Registration
from tenants.signup import signup_code_request, tenant_signup

from ..core.ids import to_pk
from ..core.mutations import BaseMutation
from ..core.permissions import AllowAny, IsOperator
from .types import RegisteredTenant, SignupStatus, Tenant, TenantError


class RequestSignupCode(BaseMutation):
    """Self-onboarding, step 1: text a 6-digit code to the contact phone (registerTenant needs it).
    Limited per client IP and per phone; one code per phone per resend interval."""

    permissions = (AllowAny,)

    class Arguments:
        phone = graphene.String(required=True, description="Mainland mobile number of the contact person")

    phone_masked = graphene.String()
    expires_in = graphene.Int(description="Seconds the code stays valid")
    resend_in = graphene.Int(description="Seconds until another code may be requested")
    errors = graphene.List(graphene.NonNull(TenantError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, phone):
        result = signup_code_request(phone=phone, ip=client_ip(info.context))
        return cls(phone_masked=result.phone_masked, expires_in=result.expires_in, resend_in=result.resend_in,
                   errors=[])


class RegisterTenantInput(graphene.InputObjectType):
    company_name = graphene.String(required=True)
    slug = graphene.String(
        required=True, description="3–30 lowercase letters, digits, hyphens; becomes <slug>.<platform domain>"
    )
    contact_name = graphene.String(required=True)
    contact_phone = graphene.String(required=True, description="Mainland mobile; requestSignupCode texts it")
    sms_code = graphene.String(required=True, description="The code requestSignupCode texted to contactPhone")
    admin_username = graphene.String(required=True)
    admin_password = graphene.String(required=True)


class RegisterTenant(BaseMutation):
    """Self-onboarding, step 2: a heating company signs itself up. READY: the company
    works now (`tenant`); PROVISIONING: its schema is being prepared, poll
    signupStatus(token: signupToken) until READY. Limited per client IP and per phone."""

    permissions = (AllowAny,)

    class Arguments:
        input = RegisterTenantInput(required=True)

    status = graphene.Field(SignupStatus)
    signup_token = graphene.String(description="PROVISIONING: the token for signupStatus, shown once")
    tenant = graphene.Field(RegisteredTenant, description="Set when status is READY")
    errors = graphene.List(graphene.NonNull(TenantError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, input):
        registration = Registration(**{k: input.get(k) or "" for k in (
            "company_name", "slug", "contact_name", "contact_phone", "admin_username", "admin_password")})
        result = tenant_signup(registration=registration, sms_code=input.get("sms_code") or "",
                               ip=client_ip(info.context))
        return cls(status=result.status, signup_token=result.token, tenant=result.tenant, errors=[])


class SuspendTenant(BaseMutation):
    permissions = (IsOperator,)

    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String(required=True)

    tenant = graphene.Field(Tenant)
    errors = graphene.List(graphene.NonNull(TenantError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, id, reason):
        tenant = tenant_suspend(tenant_id=to_pk(id), actor=info.context.actor.user, reason=reason,
                                ip=client_ip(info.context))
        return cls(tenant=_with_counts(tenant), errors=[])


class ReactivateTenant(BaseMutation):
    """A suspended company, or a closed one whose data has not been deleted yet, works again."""

    permissions = (IsOperator,)

    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String(description="Why service resumes; recorded in the operator audit log")

    tenant = graphene.Field(Tenant)
    errors = graphene.List(graphene.NonNull(TenantError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, id, reason=None):
        tenant = tenant_reactivate(tenant_id=to_pk(id), actor=info.context.actor.user, reason=reason or "",
                                   ip=client_ip(info.context))
        return cls(tenant=_with_counts(tenant), errors=[])


class CloseTenant(BaseMutation):
    """The company's contract ended: every endpoint answers 410 (payment notifies still settle), its data
    is kept for TENANT_RETENTION_DAYS (export it with `manage.py export_tenant`), then deleted by a daily
    job. reactivateTenant undoes it until then."""

    permissions = (IsOperator,)

    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String(required=True)

    tenant = graphene.Field(Tenant)
    errors = graphene.List(graphene.NonNull(TenantError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, id, reason):
        tenant = tenant_close(tenant_id=to_pk(id), actor=info.context.actor.user, reason=reason,
                              ip=client_ip(info.context))
        return cls(tenant=_with_counts(tenant), errors=[])


def _with_counts(tenant):
    tenant.counts = tenant_counts(schemas=[tenant.schema_name]).get(tenant.schema_name, {})
    return tenant


class TenantMutations(graphene.ObjectType):
    request_signup_code = RequestSignupCode.Field()
    register_tenant = RegisterTenant.Field()
    suspend_tenant = SuspendTenant.Field()
    reactivate_tenant = ReactivateTenant.Field()
    close_tenant = CloseTenant.Field()
