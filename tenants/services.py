"""Writes on the platform side: sign-up, suspension, reactivation."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from heat_platform.kernel.errors import field_error
from heat_platform.kernel.locks import xact_lock
from heat_platform.models import OperatorAuditLog

from .errors import TenantErrorCode
from .models import Domain, HeatingCompany, Signup, SpareSchema
from .signals import Registration, tenant_provisioned
from .spares import schema_create_migrated, spare_rename, spare_take
from .validators import normalize_mobile_or_error, normalize_phone, schema_name_for, validate_slug


def tenant_domain_for(slug: str) -> str:
    return f"{slug}.{settings.PLATFORM_DOMAIN}"


def validate_registration(reg: Registration, *, mobile_only: bool = False) -> Registration:
    """Check every field of a sign-up (all errors at once) and return it cleaned.
    `mobile_only`: the contact phone must take a text (self-onboarding proves it by SMS)."""
    errors: dict[str, list[ValidationError]] = {}

    def check(field: str, fn):
        try:
            return fn()
        except ValidationError as exc:
            errors.setdefault(field, []).extend(exc.error_list)
            return None

    for field in ("company_name", "slug", "contact_name", "admin_username", "admin_password"):
        if not getattr(reg, field).strip():
            errors.setdefault(field, []).append(ValidationError(_("此项必填。"), code=TenantErrorCode.REQUIRED))
    if len(reg.company_name) > 100:
        errors.setdefault("company_name", []).append(
            ValidationError(_("公司名称不能超过 100 个字符。"), code=TenantErrorCode.INVALID))
    if "slug" not in errors:
        check("slug", lambda: validate_slug(reg.slug))
    phone = check("contact_phone", lambda: (normalize_mobile_or_error(reg.contact_phone) if mobile_only
                                            else normalize_phone(reg.contact_phone)))
    if reg.admin_password:
        def _password():
            try:
                validate_password(reg.admin_password, user=User(username=reg.admin_username))
            except ValidationError as exc:
                raise ValidationError(" ".join(exc.messages), code=TenantErrorCode.WEAK_PASSWORD) from exc
        check("admin_password", _password)
    if "slug" not in errors and slug_taken(reg.slug):
        errors["slug"] = field_error("slug", _("该标识已被使用。"), TenantErrorCode.DUPLICATE_SLUG).error_dict["slug"]
    if errors:
        raise ValidationError(errors)
    return replace(reg, contact_phone=phone, company_name=reg.company_name.strip(),
                   contact_name=reg.contact_name.strip())


def slug_taken(slug: str) -> bool:
    """By a company, or by a sign-up still waiting for its schema (one query)."""
    companies = HeatingCompany.objects.filter(slug=slug).values("slug")
    waiting = Signup.objects.filter(slug=slug, status=Signup.Status.PROVISIONING).values("slug")
    return companies.union(waiting).exists()


def registration_hash_password(reg: Registration) -> Registration:
    """The first admin's password, hashed once; the clear text goes no further
    (the provisioning hook and a queued sign-up only ever see the hash)."""
    return replace(reg, admin_password="", admin_password_hash=make_password(reg.admin_password))


@transaction.atomic
def tenant_register(*, registration: Registration) -> HeatingCompany:
    """Create a company at once: its schema (a renamed spare, or migrated in
    place when the pool is empty), primary domain and whatever apps provision
    through `tenant_provisioned` (the first admin). For operators, the demo seed
    and tests; anonymous self-onboarding goes through tenants.signup, which
    proves the phone and never migrates in the request. All-or-nothing: any
    failure leaves no row, no schema and no domain."""
    connection.set_schema_to_public()
    slug_lock(registration.slug)
    reg = registration_hash_password(validate_registration(registration))
    return company_create(registration=reg, spare=spare_take())


def slug_lock(slug: str) -> None:
    """Serialise everyone who takes a slug (companies and queued sign-ups live in
    two tables): taken before `validate_registration` in the same transaction,
    its slug check then holds until commit."""
    xact_lock("tenants.slug", slug, schema="public")


def company_create(*, registration: Registration, spare: SpareSchema | None) -> HeatingCompany:
    """The company row, its schema (`spare` renamed into place, or a schema
    migrated here when None), primary domain and the provisioning hook, in the
    caller's transaction. `registration` is validated and its password hashed."""
    reg = registration
    assert reg.admin_password_hash and not reg.admin_password, "hash the password first"
    assert connection.schema_name == "public", "onboarding runs in the public schema"
    schema_name = schema_name_for(reg.slug)
    try:
        with transaction.atomic():
            tenant = HeatingCompany.objects.create(
                schema_name=schema_name, name=reg.company_name, slug=reg.slug,
                contact_name=reg.contact_name, contact_phone=reg.contact_phone,
                # A claimed spare is current (spare_take checks), so `migrate_schemas` may skip the new schema.
                migration_state=spare.migration_state if spare is not None else "",
            )
    except IntegrityError as exc:  # lost a race for the same slug
        raise field_error("slug", _("该标识已被使用。"), TenantErrorCode.DUPLICATE_SLUG) from exc
    if spare is not None:
        spare_rename(spare=spare, schema_name=schema_name)
    else:
        tenant.migration_state = schema_create_migrated(schema_name=schema_name)
        tenant.save(update_fields=["migration_state"])
    Domain.objects.create(domain=tenant_domain_for(reg.slug), tenant=tenant, is_primary=True)
    connection.set_tenant(tenant)
    try:
        tenant_provisioned.send(sender=HeatingCompany, tenant=tenant, registration=reg)
    finally:
        connection.set_schema_to_public()
    transaction.on_commit(_replenish_spares)
    return tenant


def _replenish_spares() -> None:
    from .tasks import replenish_spare_schemas

    replenish_spare_schemas.delay()


def _audit(*, actor: User, action: str, tenant: HeatingCompany | None, ip: str | None, **detail) -> None:
    OperatorAuditLog.objects.create(
        actor=actor, actor_username=actor.get_username(), action=action, tenant=tenant, detail=detail, ip=ip
    )


def _locked_company(tenant_id: int) -> HeatingCompany:
    try:
        return HeatingCompany.objects.select_for_update().exclude(schema_name="public").get(pk=tenant_id)
    except HeatingCompany.DoesNotExist as exc:
        raise field_error("id", _("找不到该供热公司。"), TenantErrorCode.NOT_FOUND) from exc


@transaction.atomic
def tenant_suspend(*, tenant_id: int, actor: User, reason: str, ip: str | None = None) -> HeatingCompany:
    """Block every endpoint of the company; its data is left untouched."""
    if not reason.strip():
        raise field_error("reason", _("请填写暂停原因。"), TenantErrorCode.REQUIRED)
    tenant = _locked_company(tenant_id)
    if tenant.status != HeatingCompany.Status.ACTIVE:
        raise field_error("id", _("只有正常状态的公司可以暂停。"), TenantErrorCode.INVALID_STATUS)
    tenant.status = HeatingCompany.Status.SUSPENDED
    tenant.suspended_at = timezone.now()
    tenant.save(update_fields=["status", "suspended_at"])
    _audit(actor=actor, action="tenant.suspend", tenant=tenant, ip=ip, reason=reason.strip())
    return tenant


@transaction.atomic
def tenant_reactivate(*, tenant_id: int, actor: User, reason: str = "", ip: str | None = None) -> HeatingCompany:
    """Suspended or closed (within its retention period: a purged company has no row) → active.
    `reason` (why service resumes, e.g. the fee was paid) goes into the operator log when given."""
    tenant = _locked_company(tenant_id)
    if tenant.status not in (HeatingCompany.Status.SUSPENDED, HeatingCompany.Status.CLOSED):
        raise field_error("id", _("只有已暂停或已关闭的公司可以恢复。"), TenantErrorCode.INVALID_STATUS)
    was = tenant.status
    tenant.status = HeatingCompany.Status.ACTIVE
    tenant.suspended_at = None
    tenant.closed_at = None
    tenant.save(update_fields=["status", "suspended_at", "closed_at"])
    detail = {"previous": was, **({"reason": reason.strip()} if reason.strip() else {})}
    _audit(actor=actor, action="tenant.reactivate", tenant=tenant, ip=ip, **detail)
    return tenant


@transaction.atomic
def tenant_close(*, tenant_id: int, actor: User | None, reason: str, ip: str | None = None) -> HeatingCompany:
    """The contract ended: block every endpoint (410) and keep the data for TENANT_RETENTION_DAYS
    (export it meanwhile with `manage.py export_tenant`); then the beat task drops the schema and media
    (tenants/lifecycle.py). Payment notifies still settle. `actor` None: a command run by an operator."""
    if not reason.strip():
        raise field_error("reason", _("请填写关闭原因。"), TenantErrorCode.REQUIRED)
    tenant = _locked_company(tenant_id)
    if tenant.status not in (HeatingCompany.Status.ACTIVE, HeatingCompany.Status.SUSPENDED):
        raise field_error("id", _("该公司已关闭。"), TenantErrorCode.INVALID_STATUS)
    tenant.status = HeatingCompany.Status.CLOSED
    tenant.closed_at = timezone.now()
    tenant.save(update_fields=["status", "closed_at"])
    purge_after = tenant.closed_at + timedelta(days=settings.TENANT_RETENTION_DAYS)
    OperatorAuditLog.objects.create(
        actor=actor, actor_username=actor.get_username() if actor else "manage.py", action="tenant.close",
        tenant=tenant, ip=ip, detail={"reason": reason.strip(), "purge_after": purge_after.isoformat()})
    return tenant


def tenant_purge_after(tenant: HeatingCompany):
    """When a closed company's schema and media will be dropped (None unless closed)."""
    if tenant.closed_at is None:
        return None
    return tenant.closed_at + timedelta(days=settings.TENANT_RETENTION_DAYS)


def platform_ensure(*, domain: str) -> HeatingCompany:
    """The public-schema row django-tenants routes the platform domain to. Idempotent."""
    connection.set_schema_to_public()
    platform, _created = HeatingCompany.objects.get_or_create(
        schema_name="public", defaults={"name": "HeatCloud 平台", "slug": "platform"}
    )
    Domain.objects.get_or_create(domain=domain, defaults={"tenant": platform, "is_primary": True})
    return platform


def operator_create(*, username: str, password: str) -> User:
    connection.set_schema_to_public()
    username = (username or "").strip()
    if not username or User.objects.filter(username__iexact=username).exists():
        raise field_error("username", _("该用户名已存在。") if username else _("请输入用户名。"),
                          TenantErrorCode.DUPLICATE_USERNAME if username else TenantErrorCode.REQUIRED)
    validate_password(password, user=User(username=username))
    return User.objects.create_user(username=username, password=password, role="operator", is_staff=True,
                                    is_superuser=True)
