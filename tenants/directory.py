"""The tenant directory across PostgreSQL clusters (deploy/SCALING.md).

The main cluster (DATABASES alias "default") holds the public schema: companies with their `cluster` (the
DATABASES alias holding their schema), domains, operators, payment routing. Further clusters are extra aliases
(settings TENANT_CLUSTERS), each holding some companies' schemas.

How a company on another cluster is served: for the time of its request or task, the thread's `default`
connection IS that cluster's connection (`cluster_use`), so everything that talks to `django.db.connection`
(django-tenants' search_path, raw SQL, advisory locks, cache keys, tenant-schemas-celery's task headers, media
folders) reaches the company's cluster unchanged. The main cluster's connection is kept under the alias
DIRECTORY_ALIAS meanwhile, and ClusterRouter sends the models of public-only apps (tenants, heat_platform, …)
there. Nothing changes while no company on another cluster is in use: the router answers None, and a
one-cluster installation runs exactly as before."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django_tenants.postgresql_backend.base import FakeTenant
from django_tenants.utils import get_public_schema_name

MAIN_CLUSTER = DEFAULT_DB_ALIAS
# The main cluster's connection while `default` is another cluster's. Never in DATABASES: it exists only then.
DIRECTORY_ALIAS = "directory"

_bound = threading.local()  # per thread, like Django's connections


def cluster_aliases() -> list[str]:
    """Every cluster a company may live on: the main one first."""
    return [MAIN_CLUSTER, *sorted(a for a in connections.settings if a not in (MAIN_CLUSTER, DIRECTORY_ALIAS))]


def cluster_register(alias: str, database: dict) -> None:
    """Add a cluster at run time (a test's second cluster). Settings do the same from TENANT_CLUSTERS."""
    if alias in (MAIN_CLUSTER, DIRECTORY_ALIAS):
        raise ValueError(f"{alias!r} is reserved")
    configured = connections.configure_settings({MAIN_CLUSTER: connections.settings[MAIN_CLUSTER], alias: database})
    connections.settings[alias] = configured[alias]


def cluster_unregister(alias: str) -> None:
    if hasattr(connections._connections, alias):
        connections[alias].close()
        delattr(connections._connections, alias)
    connections.settings.pop(alias, None)


def bound_cluster() -> str | None:
    """The cluster this thread's `default` connection is switched to, None while it is the main one."""
    return getattr(_bound, "alias", None)


def current_cluster() -> str:
    """The alias of the cluster this thread's `default` connection is now: to open another connection to the
    same database (`connections.create_connection(current_cluster())`; creating one for "default" would reach
    the main cluster's settings whatever the switch)."""
    return bound_cluster() or MAIN_CLUSTER


def cluster_connection(alias: str):
    """The connection to cluster `alias` whatever this thread's switch: the main cluster's is `directory`'s
    while `default` is another cluster's. Its search_path is whatever it was: use schema-qualified names."""
    if alias == MAIN_CLUSTER:
        return getattr(_bound, "main", None) or connections[MAIN_CLUSTER]
    if alias not in connections.settings:
        raise LookupError(f"cluster {alias!r} is not configured")
    return connections[alias]


def public_alias() -> str:
    """The alias that reaches the main cluster's public-only tables now (what ClusterRouter routes them to)."""
    return DIRECTORY_ALIAS if bound_cluster() is not None else MAIN_CLUSTER


class _PublicAtomic(transaction.Atomic):
    # The alias is resolved at each entry, not at construction, so `@public_atomic()` on a function is right
    # whichever cluster the thread is switched to when it runs.
    @property
    def using(self) -> str:
        return public_alias()

    @using.setter
    def using(self, value) -> None:
        pass


def public_atomic(savepoint: bool = True, durable: bool = False) -> transaction.Atomic:
    """`transaction.atomic()` for public-only models (tenants, heat_platform, …): on the connection
    ClusterRouter sends them to, so `select_for_update()` on them works from the request or task of a company
    on another cluster too (plain atomic() would open on that company's cluster: TransactionManagementError).
    Company rows written inside are NOT in this transaction while switched (two clusters, two transactions)."""
    return _PublicAtomic(None, savepoint, durable)


def cluster_use(tenant) -> None:
    """Point this thread's `default` connection at `tenant`'s cluster, in `tenant`'s schema (undone by
    cluster_release). For the main cluster, or when already switched to the same one, only the schema is set."""
    # A stand-in with only a schema name (the public schema, a spare) lives on the main cluster.
    cluster_switch(getattr(tenant, "cluster", "") or MAIN_CLUSTER, tenant)
    connections[MAIN_CLUSTER].set_tenant(tenant)


def cluster_switch(alias: str, tenant=None) -> None:
    """Make `alias` this thread's `default` connection (the schema is the caller's business)."""
    if bound_cluster() not in (None, alias):
        cluster_release()
    if alias == MAIN_CLUSTER or bound_cluster() == alias:
        return
    if alias not in connections.settings:
        name = getattr(tenant, "schema_name", "?")
        raise LookupError(f"company {name} lives on cluster {alias!r}, which is not configured")
    main = connections[MAIN_CLUSTER]
    main.set_schema_to_public()  # reached only for public-only models while switched
    connections[DIRECTORY_ALIAS] = main
    connections[MAIN_CLUSTER] = connections[alias]
    _bound.alias, _bound.main = alias, main


def cluster_release() -> None:
    """Give the thread its main-cluster `default` back (no-op when not switched). The other cluster's
    connection stays under its own alias, closed by Django's request/task end like any other."""
    alias = bound_cluster()
    if alias is None:
        return
    connections[alias].set_schema_to_public()
    connections[MAIN_CLUSTER] = _bound.main
    del connections[DIRECTORY_ALIAS]
    _bound.alias = _bound.main = None


def _company(tenant):
    """`tenant` as a directory row that knows its cluster. django-tenants' stand-in for a bare schema name
    (FakeTenant, what `connection.tenant` is after set_schema) is looked up by that name; the public schema and
    schemas not in the directory (spares) are on the main cluster."""
    if hasattr(tenant, "cluster") or tenant.schema_name == get_public_schema_name():
        return tenant
    from .models import HeatingCompany

    return HeatingCompany.objects.filter(schema_name=tenant.schema_name).first() or tenant


@contextmanager
def company_context(tenant) -> Iterator[None]:
    """django-tenants' tenant_context, on the company's own cluster (tasks, commands, loops over companies,
    after-commit callbacks given `connection.tenant`); leaves the thread as it found it (its cluster and
    schema). Product code uses this (or the two below), never schema_context/tenant_context (a ruff ban and
    tests/tenants/test_directory.py): those set the schema on the main cluster's connection only."""
    tenant = _company(tenant)
    outer_alias = bound_cluster() or MAIN_CLUSTER
    outer_tenant = connections[MAIN_CLUSTER].tenant
    cluster_use(tenant)
    try:
        yield
    finally:
        cluster_switch(outer_alias)
        connections[MAIN_CLUSTER].set_tenant(outer_tenant)


def schema_company_context(schema_name: str):
    """company_context for the company whose schema is `schema_name` (one directory lookup), where only the
    name is at hand (a task argument, a command option, a loop over schema names)."""
    return company_context(FakeTenant(schema_name=schema_name))


def public_context():
    """The main cluster's public schema (platform tables, raw SQL on public), also from inside a request or
    task of a company on another cluster, whose own `public` is empty. `transaction.atomic()` inside it is the
    main cluster's."""
    return company_context(FakeTenant(schema_name=get_public_schema_name()))


@cache
def _public_only_labels() -> frozenset[str]:
    tenant_apps = set(settings.TENANT_APPS)
    return frozenset(c.label for c in apps.get_app_configs()
                     if c.name in settings.SHARED_APPS and c.name not in tenant_apps)


class ClusterRouter:
    """While `default` is another cluster's connection, models that exist only in the public schema go to the
    main cluster (DIRECTORY_ALIAS). Apps in both lists (accounts, auth, contenttypes, …) follow `default`:
    on a company's host they are that company's tables. Otherwise no opinion (Django's default)."""

    def db_for_read(self, model, **hints):
        if bound_cluster() is not None:
            return DIRECTORY_ALIAS if model._meta.app_label in _public_only_labels() else None
        instance = hints.get("instance")
        if instance is not None and instance._state.db == DIRECTORY_ALIAS:
            return MAIN_CLUSTER  # a row read while switched, used after: the alias is gone, the row is main's
        return None

    db_for_write = db_for_read

    def allow_relation(self, obj1, obj2, **hints):
        # Rows of public-only models all live on the main cluster, whatever alias they were loaded under (the
        # request's company is read before the switch, as `default`; new rows are `directory`'s meanwhile).
        labels = _public_only_labels()
        if obj1._meta.app_label in labels and obj2._meta.app_label in labels:
            return True
        return None
