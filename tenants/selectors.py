from __future__ import annotations

import hashlib
import re

from django.db import connection
from django.db.models import Q, QuerySet

from .directory import MAIN_CLUSTER, cluster_aliases, cluster_connection
from .models import HeatingCompany, MiniProgramRelease, Signup

_SAFE_SCHEMA = re.compile(r"^[a-z0-9_]{1,63}$")

# Per-tenant counters shown to operators: name -> (table, SQL condition).
# Apps add theirs here as they arrive (houses, residents, bills…).
TENANT_COUNTERS: dict[str, tuple[str, str]] = {
    "staff": ("accounts_user", "is_active"),
    "houses": ("properties_house", "true"),
    "residents": ("residents_resident", "is_active"),
}


def tenant_list(*, status: str | None = None, search: str | None = None) -> QuerySet[HeatingCompany]:
    qs = HeatingCompany.objects.exclude(schema_name="public").prefetch_related("domains")
    if status:
        qs = qs.filter(status=status)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(slug__icontains=search))
    return qs.order_by("-created_at", "-id")


def tenant_counts(*, schemas: list[str]) -> dict[str, dict[str, int]]:
    """All counters for a page of tenants: one round trip per cluster holding some of them (UNION ALL across
    that cluster's schemas; one in a one-cluster installation)."""
    schemas = [s for s in schemas if _SAFE_SCHEMA.match(s)]
    result: dict[str, dict[str, int]] = {s: dict.fromkeys(TENANT_COUNTERS, 0) for s in schemas}
    if not schemas:
        return result
    for alias, names in _schemas_by_cluster(schemas).items():
        parts, params = [], []
        for schema in names:
            for name, (table, where) in TENANT_COUNTERS.items():
                parts.append(f'SELECT %s, %s, count(*) FROM "{schema}".{table} WHERE {where}')
                params += [schema, name]
        # Schema-qualified names: whatever search_path that cluster's connection has, and whatever cluster
        # this thread's `default` is switched to (cluster_connection knows).
        with cluster_connection(alias).cursor() as cur:
            cur.execute(" UNION ALL ".join(parts), params)
            for schema, name, count in cur.fetchall():
                result[schema][name] = count
    return result


def _schemas_by_cluster(schemas: list[str]) -> dict[str, list[str]]:
    """`schemas` grouped by the cluster holding them, per the directory; no query with one cluster configured.
    A schema not in the directory (a spare) is on the main cluster."""
    if cluster_aliases() == [MAIN_CLUSTER]:
        return {MAIN_CLUSTER: schemas}
    where = dict(HeatingCompany.objects.filter(schema_name__in=schemas).values_list("schema_name", "cluster"))
    grouped: dict[str, list[str]] = {}
    for schema in schemas:
        grouped.setdefault(where.get(schema) or MAIN_CLUSTER, []).append(schema)
    return grouped


def current_company() -> HeatingCompany:
    """The company whose schema the connection is in. Requests have the real row
    (the middleware sets it); `schema_context` (tasks, commands, tests) only has a
    stand-in with the schema name, so look the row up then."""
    from django.db import connection

    tenant = connection.tenant
    if isinstance(tenant, HeatingCompany):
        return tenant
    return HeatingCompany.objects.get(schema_name=connection.schema_name)


def miniprogram_releases(*, company: HeatingCompany, limit: int = 20) -> list[MiniProgramRelease]:
    """The latest template releases to one company, newest first."""
    return list(MiniProgramRelease.objects.filter(tenant_id=company.pk).order_by("-created_at", "-id")[:limit])


def signup_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def signup_by_token(*, token: str) -> Signup | None:
    """The sign-up a registerTenant token names (its company once READY), or None.
    Tokens are 256-bit random; only their hash is stored."""
    if not token or len(token) > 100:
        return None
    return Signup.objects.select_related("tenant").prefetch_related("tenant__domains").filter(
        token_hash=signup_token_hash(token)).first()


_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOSTNAME = re.compile(rf"(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*")


def domain_is_served(host: str) -> bool:
    """Whether we answer on this host name, so a TLS certificate may be obtained for it (Caddy's on-demand
    TLS `ask`): the platform domain, or the domain of a company that still has its schema, whatever its
    status — a suspended or closed company's domain still receives payment notifies (money already
    taken), which must arrive over TLS. `www.` is stripped as request routing strips it."""
    from django.conf import settings
    from django_tenants.utils import remove_www

    from .models import Domain

    name = remove_www(host.strip().lower().rstrip("."))
    if not _HOSTNAME.fullmatch(name):
        return False
    if name == settings.PLATFORM_DOMAIN:
        return True
    connection.set_schema_to_public()
    return Domain.objects.filter(domain=name).exists()
