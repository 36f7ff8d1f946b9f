import graphene

from tenants.miniprogram_errors import BrandingErrorCode as _Code
from tenants.models import MiniProgramRelease as _Release

from ..core.mutations import error_type
from ..core.scalars import DateTime

BrandingErrorCode = graphene.Enum.from_enum(_Code, name="BrandingErrorCode")
BrandingError = error_type("BrandingError", BrandingErrorCode)
BrandingPart = graphene.Enum("BrandingPart", [(p.upper(), p) for p in (
    "display_name", "logo", "theme_color", "service_phone", "app_id", "app_secret")])
MiniprogramReleaseStatus = graphene.Enum.from_enum(_Release.Status, name="MiniprogramReleaseStatus")


class Branding(graphene.ObjectType):
    """The company's mini-program branding, as the app reads it before login. Never the AppSecret."""

    display_name = graphene.String(required=True)
    logo_url = graphene.String(required=True, description="Absolute URL; empty until a logo is uploaded")
    theme_color = graphene.String(required=True, description="#RRGGBB; empty until set")
    service_phone = graphene.String(required=True)
    app_id = graphene.String(required=True)
    api_base_url = graphene.String(required=True, description="The company's API origin the app talks to")
    complete = graphene.Boolean(required=True, description="Everything a branded build needs is set")
    missing = graphene.List(graphene.NonNull(BrandingPart), required=True)

    @staticmethod
    def resolve_missing(root, info):
        return root.missing


class BrandingInput(graphene.InputObjectType):
    """Only the given fields change."""

    display_name = graphene.String(description="≤ 20 characters, shown in the navigation bar")
    logo_base64 = graphene.String(description="PNG or JPEG, base64 (a data: URL prefix is allowed), ≤ 512 KB, "
                                              "square-ish, 64–1024 px a side")
    theme_color = graphene.String(description="#RRGGBB with at least 3:1 contrast against white text")
    service_phone = graphene.String()
    app_id = graphene.String(description="wx + 16 lowercase hex characters")
    app_secret = graphene.String(description="Write-only: stored encrypted, never returned")


class MiniprogramBuild(graphene.ObjectType):
    id = graphene.ID(required=True)
    sha256 = graphene.String(required=True)
    size = graphene.Int(required=True)
    app_id = graphene.String(required=True)
    api_base_url = graphene.String(required=True)
    download_url = graphene.String(required=True, description="GET with the admin's Bearer token")
    created_at = DateTime(required=True)

    @staticmethod
    def resolve_download_url(root, info):
        return info.context.build_absolute_uri(f"/files/miniprogram/{root.pk}.zip")


class MiniprogramRelease(graphene.ObjectType):
    """One template version's way into the company's mini-program through WeChat's third-party platform."""

    id = graphene.ID(required=True)
    template_id = graphene.String(required=True)
    user_version = graphene.String(required=True)
    status = graphene.Field(MiniprogramReleaseStatus, required=True)
    audit_id = graphene.String()
    reason = graphene.String(required=True, description="WeChat's reason when rejected or delayed")
    error_code = graphene.String(required=True)
    error_message = graphene.String(required=True)
    committed_at = DateTime()
    submitted_at = DateTime()
    released_at = DateTime()
    updated_at = DateTime(required=True)
