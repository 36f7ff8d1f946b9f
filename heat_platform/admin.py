"""Two admin sites: operators on the platform domain, staff on a company's
domain. Separate sites so no tenant-side page can list platform tables
(public tables are on every tenant's search_path)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import Role, User
from tenants.models import Domain, HeatingCompany
from tenants.services import tenant_reactivate, tenant_suspend

from .models import OperatorAuditLog


class PlatformAdminSite(admin.AdminSite):
    site_header = _("暖云 HeatCloud 平台运营")
    site_title = _("暖云平台")

    def has_permission(self, request):
        user = request.user
        return bool(user.is_active and user.is_staff and getattr(user, "role", None) == Role.OPERATOR
                    and getattr(request, "tenant", None) is not None and request.tenant.schema_name == "public")


class TenantAdminSite(admin.AdminSite):
    site_header = _("暖云 HeatCloud 管理后台")
    site_title = _("暖云")

    def has_permission(self, request):
        user = request.user
        tenant = getattr(request, "tenant", None)
        return bool(user.is_active and user.is_staff and getattr(user, "role", None) == Role.TENANT_ADMIN
                    and tenant is not None and tenant.schema_name != "public")


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
                fn(tenant_id=company.pk, actor=request.user, ip=request.META.get("REMOTE_ADDR"), **kw)
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


class StaffAdmin(UserAdmin):
    list_display = ("username", "role", "is_active", "last_login")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("角色"), {"fields": ("role", "is_active")}),
        (_("个人信息"), {"fields": ("first_name", "last_name", "email")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "role", "password1", "password2")}),)

    def save_model(self, request, obj, form, change):
        obj.is_staff = True  # staff reach the console; the role decides what they may do
        super().save_model(request, obj, form, change)


platform_admin_site.register(User, OperatorAdmin)
tenant_admin_site.register(User, StaffAdmin)
