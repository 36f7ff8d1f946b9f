"""The end of a closed company: after TENANT_RETENTION_DAYS its schema, media and
public rows are deleted (PIPL §21, §47), leaving one `tenant.purge` row in the
platform's operator log. Only CLOSED companies past their retention period are
ever touched: the checks are in the query that picks them and again under the
row lock before anything is dropped."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from heat_platform.kernel.locks import session_lock
from heat_platform.models import OperatorAuditLog

from .archive import remove_media, schema_tables
from .directory import company_context
from .errors import TenantErrorCode
from .models import HeatingCompany, Signup

logger = logging.getLogger(__name__)


def purge_cutoff(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=settings.TENANT_RETENTION_DAYS)


def tenants_due_for_purge(*, now: datetime | None = None) -> list[int]:
    return list(HeatingCompany.objects.exclude(schema_name="public")
                .filter(status=HeatingCompany.Status.CLOSED, closed_at__isnull=False,
                        closed_at__lte=purge_cutoff(now))
                .order_by("closed_at", "pk").values_list("pk", flat=True))


@dataclass(frozen=True)
class PurgeResult:
    slug: str
    schema: str
    tables: int
    media: int


@transaction.atomic
def tenant_purge(*, tenant_id: int, now: datetime | None = None) -> PurgeResult:
    """Drop one closed company past its retention period: media files, schema, and its public rows
    (company, domains, mini-program and merchant accounts with their secrets, branding, builds,
    releases, sign-up record). The operator log keeps who did what to it (its rows lose the link)
    and gains a `tenant.purge` row naming the company."""
    connection.set_schema_to_public()
    tenant = (HeatingCompany.objects.select_for_update().exclude(schema_name="public")
              .filter(pk=tenant_id).first())
    if tenant is None:
        raise ValidationError(_("找不到该供热公司。"), code=TenantErrorCode.NOT_FOUND)
    if tenant.status != HeatingCompany.Status.CLOSED or tenant.closed_at is None \
            or tenant.closed_at > purge_cutoff(now):
        raise ValidationError(_("只有关闭且已过保留期的公司可以清除。"), code=TenantErrorCode.INVALID_STATUS)
    schema = tenant.schema_name
    # Files first: if the database part fails the company stays CLOSED and the next run finishes it,
    # whereas files deleted after a commit that then failed would be left behind for good.
    media = remove_media(tenant)
    # The schema is dropped on the cluster holding it. On another cluster that is its own transaction, committed
    # before the directory rows go: if those then fail, the next run drops nothing more (IF EXISTS) and finishes.
    with company_context(tenant):
        tables = len(schema_tables(schema))
        with connection.cursor() as cur:
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # a caller's pending deferred checks would block the DROP
            cur.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    detail = {"slug": tenant.slug, "name": tenant.name, "schema": schema, "closed_at": tenant.closed_at.isoformat(),
              "retention_days": settings.TENANT_RETENTION_DAYS, "tables_dropped": tables, "media_deleted": media}
    Signup.objects.filter(tenant=tenant).delete()  # holds the contact phone
    tenant.delete()  # cascades to domains, mini-program/merchant accounts, branding, builds, releases
    OperatorAuditLog.objects.create(actor_username="system", action="tenant.purge", tenant=None, detail=detail)
    logger.info("purged closed company slug=%s schema=%s tables=%s media=%s", tenant.slug, schema, tables, media)
    return PurgeResult(slug=detail["slug"], schema=schema, tables=tables, media=media)


def tenants_purge_due(*, now: datetime | None = None) -> list[PurgeResult]:
    """The beat task's body: purge every company due, each in its own transaction; one failure
    is logged and does not stop the others. One run at a time (session lock)."""
    connection.set_schema_to_public()
    done: list[PurgeResult] = []
    with session_lock("tenants.purge_closed", schema="public") as held:
        if not held:
            return done
        for tenant_id in tenants_due_for_purge(now=now):
            try:
                done.append(tenant_purge(tenant_id=tenant_id, now=now))
            except Exception:
                logger.exception("purging closed company id=%s failed", tenant_id)
    return done
