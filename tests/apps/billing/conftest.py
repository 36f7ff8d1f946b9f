"""Billing fixtures: alpha's 2026-2027 season with its plans, and running a bill run
through its task. Seasons and plans are built by tests/factories/tariffs.py."""

import pytest
from django_tenants.utils import schema_context

from apps.billing.models import BillRun
from apps.billing.runs import bill_run_start
from apps.tariffs.models import Season
from tests.factories.tariffs import tianjin_season


@pytest.fixture
def tariffs(alpha):
    """Tianjin's 2026-2027 season (Nov 15 – Mar 15, 121 days) in alpha, with Beijing-style plans
    (tests/factories/tariffs.py: season_with_plans)."""
    with schema_context(alpha.schema):
        return tianjin_season()


@pytest.fixture
def run_bills(alpha, django_capture_on_commit_callbacks):
    """run_bills(season, dry_run=False, tenant=alpha) -> the BillRun after its
    task ran (Celery runs eagerly, on commit)."""
    from apps.accounts.models import User

    def run(season: Season, *, dry_run: bool = False, tenant=None) -> BillRun:
        tenant = tenant or alpha
        with schema_context(tenant.schema):
            actor = User.objects.get(username=tenant.admin)
            with django_capture_on_commit_callbacks(execute=True):
                bill_run = bill_run_start(season_id=season.pk, dry_run=dry_run, actor=actor)
            bill_run.refresh_from_db()
            return bill_run

    return run
