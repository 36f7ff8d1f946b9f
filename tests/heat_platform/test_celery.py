"""A real Celery worker (celery.contrib.testing, in-process, memory broker)
runs each task in the schema of the tenant that queued it."""

import threading

import pytest
from celery import shared_task
from celery.contrib.testing.worker import start_worker
from django.db import connection
from django_tenants.utils import schema_context

from heat_platform.celery import app
from tests.factories.tenants import tenant_info


@shared_task(name="tests.where_am_i")
def where_am_i() -> tuple[str, list[str]]:
    from apps.accounts.models import User

    return connection.schema_name, sorted(User.objects.values_list("username", flat=True))


@pytest.fixture
def real_worker():
    """Start the worker from a helper thread: Celery's Django fixup closes the
    DB connections of the thread that builds the worker, which must not be the
    test's own (it holds the test transaction)."""
    app.conf.update(task_always_eager=False)
    started, stop, failures = threading.Event(), threading.Event(), []

    def run():
        try:
            with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
                started.set()
                stop.wait(60)
        except Exception as exc:  # surfaced by the assertion below
            failures.append(exc)
            started.set()
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(30) and not failures, failures
    try:
        yield
    finally:
        stop.set()
        thread.join(30)
        app.conf.update(task_always_eager=True)


@pytest.mark.django_db
def test_task_runs_in_the_schema_of_the_tenant_that_queued_it(real_worker):
    alpha, beta = tenant_info("alpha"), tenant_info("beta")
    with schema_context(alpha.schema):
        from_a = where_am_i.delay()
    with schema_context(beta.schema):
        from_b = where_am_i.delay()
    from_public = where_am_i.delay()
    assert tuple(from_a.get(timeout=20)) == (alpha.schema, ["alpha-admin"])
    assert tuple(from_b.get(timeout=20)) == (beta.schema, ["beta-admin"])
    assert from_public.get(timeout=20)[0] == "public"
