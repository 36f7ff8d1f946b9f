from __future__ import annotations

from django.db import connection

from tenants.models import MiniProgramAccount

from .providers import MiniProgramApp


def miniprogram_app() -> MiniProgramApp | None:
    """The current company's mini-program credentials (public-schema row, filtered
    by the tenant being served); None when it has none or no secret on file."""
    tenant = getattr(connection, "tenant", None)
    if tenant is None or connection.schema_name == "public":
        return None
    account = (MiniProgramAccount.objects.filter(tenant_id=tenant.pk)
               .only("app_id", "app_secret").first())
    if account is None or not account.app_id or not account.app_secret:
        return None
    return MiniProgramApp(app_id=account.app_id, app_secret=account.app_secret)
