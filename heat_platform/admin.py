"""Two admin sites: operators on the platform domain, staff on a company's
domain. Separate sites so no tenant-side page can list platform tables
(public tables are on every tenant's search_path)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.accounts import permissions as perms
from apps.accounts.forms import ThrottledAdminAuthenticationForm
from apps.accounts.models import STAFF_ROLES, Role, User
from apps.accounts.services import staff_account_set_active
from apps.audit.models import AuditLog
from apps.audit.services import audit_record
from apps.properties.models import Community, House
from apps.properties.services import EDITABLE, house_update
from heat_platform.kernel.actors import client_ip
from heat_platform.pii import mask_phone
from tenants.models import Domain, HeatingCompany
from tenants.services import tenant_reactivate, tenant_suspend

from .models import OperatorAuditLog


class PlatformAdminSite(admin.AdminSite):
    login_form = ThrottledAdminAuthenticationForm  # the same login throttle as operatorLogin
    site_header = _("暖云 HeatCloud 平台运营")
    site_title = _("暖云平台")

    def has_permission(self, request):
        user = request.user
        return bool(user.is_active and user.is_staff and getattr(user, "role", None) == Role.OPERATOR
                    and getattr(request, "tenant", None) is not None and request.tenant.schema_name == "public")


class TenantAdminSite(admin.AdminSite):
    """The staff console until a real one exists: every staff role may sign in,
    and each page shows only what the role may see (RoleModelAdmin)."""

    login_form = ThrottledAdminAuthenticationForm  # the same login throttle as staffLogin
    site_header = _("暖云 HeatCloud 管理后台")
    site_title = _("暖云")

    def has_permission(self, request):
        user = request.user
        tenant = getattr(request, "tenant", None)
        return bool(user.is_active and user.is_staff and getattr(user, "role", None) in STAFF_ROLES
                    and tenant is not None and tenant.schema_name != "public")


class RoleModelAdmin(admin.ModelAdmin):
    """Admin permissions from our role sets (apps/accounts/permissions.py),
    the same ones the GraphQL fields declare; Django's per-model perms are unused."""

    view_roles: tuple = ()
    change_roles: tuple = ()
    add_roles: tuple = ()
    delete_roles: tuple = ()

    @staticmethod
    def _role(request):
        return getattr(request.user, "role", None)

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._role(request) in (*self.view_roles, *self.change_roles)

    def has_change_permission(self, request, obj=None):
        return self._role(request) in self.change_roles

    def has_add_permission(self, request):
        return self._role(request) in self.add_roles

    def has_delete_permission(self, request, obj=None):
        return self._role(request) in self.delete_roles


platform_admin_site = PlatformAdminSite(name="platform_admin")
tenant_admin_site = TenantAdminSite(name="tenant_admin")


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0
    can_delete = False
    readonly_fields = ("domain", "is_primary")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(HeatingCompany, site=platform_admin_site)
class HeatingCompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "status", "contact_name", "created_at", "suspended_at")
    list_filter = ("status",)
    search_fields = ("name", "slug")
    readonly_fields = ("schema_name", "slug", "status", "created_at", "suspended_at")
    fields = ("name", "slug", "schema_name", "status", "contact_name", "contact_phone", "created_at", "suspended_at")
    inlines = [DomainInline]
    actions = ["suspend", "reactivate"]

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(schema_name="public")

    def has_add_permission(self, request):
        return False  # companies sign up through registerTenant, which provisions the schema

    def has_delete_permission(self, request, obj=None):
        return False

    def _run(self, request, queryset, fn, **kw):
        for company in queryset:
            try:
                fn(tenant_id=company.pk, actor=request.user, ip=client_ip(request), **kw)
            except ValidationError as exc:
                self.message_user(request, f"{company.slug}: {' '.join(exc.messages)}", messages.ERROR)

    @admin.action(description=_("暂停所选公司"))
    def suspend(self, request, queryset):
        self._run(request, queryset, tenant_suspend, reason="via platform admin")

    @admin.action(description=_("恢复所选公司"))
    def reactivate(self, request, queryset):
        self._run(request, queryset, tenant_reactivate)


@admin.register(OperatorAuditLog, site=platform_admin_site)
class OperatorAuditLogAdmin(admin.ModelAdmin):
    list_display = ("created_at", "actor_username", "action", "tenant", "ip")
    list_filter = ("action",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OperatorAdmin(UserAdmin):
    list_display = ("username", "role", "is_active", "last_login")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(role=Role.OPERATOR)


class StaffAdmin(RoleModelAdmin, UserAdmin):
    view_roles = change_roles = add_roles = perms.STAFF_MANAGE
    list_display = ("username", "display_name", "role", "is_active", "last_login")
    fieldsets = (
        (None, {"fields": ("username", "display_name", "password")}),
        (_("角色"), {"fields": ("role", "is_active")}),
        (_("个人信息"), {"fields": ("first_name", "last_name", "email")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",),
                              "fields": ("username", "display_name", "role", "password1", "password2")}),)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(role__in=STAFF_ROLES)

    def save_model(self, request, obj, form, change):
        if change and "is_active" in form.changed_data and not obj.is_active:
            # Same guard as the API: nobody disables themself or the last admin.
            try:
                staff_account_set_active(actor=request.user, user_id=obj.pk, active=False,
                                         ip=client_ip(request))
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
                obj.is_active = True
        obj.is_staff = True  # staff reach the console; the role decides what they may do
        super().save_model(request, obj, form, change)
        audit_record(actor=request.user, action="staff.admin_change" if change else "staff.create", target=obj,
                     ip=client_ip(request), fields=sorted(f for f in form.changed_data
                                                                       if not f.startswith("password")))


@admin.register(House, site=tenant_admin_site)
class HouseAdmin(RoleModelAdmin):
    view_roles = perms.LEDGER_VIEW
    change_roles = perms.LEDGER_EDIT
    list_filter = ("heating_status", "category", "low_income", "community")
    search_fields = ("account_no", "owner_name")
    list_select_related = ("community", "building", "unit")
    readonly_fields = ("account_no", "community", "building", "unit", "heating_status")
    exclude = ("owner_phone_index", "owner_id_no_index")

    def get_list_display(self, request):
        full = self._role(request) in perms.PII_FULL

        @admin.display(description=_("户主电话"))
        def phone(obj):
            return obj.owner_phone if full else mask_phone(obj.owner_phone)

        return ("account_no", "community", "building", "room", "building_area", "heating_status", "owner_name", phone)

    def get_exclude(self, request, obj=None):
        hidden = () if self._role(request) in perms.PII_FULL else ("owner_phone", "owner_id_no")
        return (*self.exclude, *hidden)

    def save_model(self, request, obj, form, change):
        # Edits go through the service: validation, blind indexes and the audit row.
        changes = {f: form.cleaned_data[f] for f in form.changed_data if f in EDITABLE}
        try:
            house_update(house_id=obj.pk, actor=request.user, changes=changes, ip=client_ip(request))
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)


@admin.register(Community, site=tenant_admin_site)
class CommunityAdmin(RoleModelAdmin):
    view_roles = perms.LEDGER_VIEW
    change_roles = add_roles = perms.LEDGER_EDIT
    list_display = ("name", "address")
    search_fields = ("name",)


@admin.register(AuditLog, site=tenant_admin_site)
class AuditLogAdmin(RoleModelAdmin):
    view_roles = perms.ADMIN
    list_display = ("created_at", "actor_kind", "actor_name", "action", "target_type", "target_id")
    list_filter = ("action", "actor_kind")


platform_admin_site.register(User, OperatorAdmin)
tenant_admin_site.register(User, StaffAdmin)
