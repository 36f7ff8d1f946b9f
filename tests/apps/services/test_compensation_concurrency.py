"""Against committed data in real PostgreSQL: finance clicking 承认 on one compensation from several sessions at
once approves it once and credits the bill once; applying it again from several workers at once changes
nothing. (The compensation's row lock and compare-and-set on its status.)"""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django_tenants.utils import schema_context

from apps.billing.models import Bill
from apps.services.compensation import compensation_apply, compensation_approve
from apps.services.models import Compensation
from tests.factories.db import committed
from tests.factories.quality import cold_spell

pytestmark = [pytest.mark.django_db,
              pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")]


def _story(tenant, season_ns):
    with schema_context(tenant.schema):
        story = cold_spell(season_ns, threshold=0)
        return story, Compensation.objects.get(period=story.period)


def _at_once(tenant, fn, n: int) -> list:
    results: list = []
    lock = threading.Lock()
    start = threading.Barrier(n)

    def work():
        start.wait()
        try:
            with schema_context(tenant.schema):
                out = fn()
        except ValidationError as exc:
            out = next(iter(exc.error_dict.values()))[0].code
        finally:
            connections.close_all()
        with lock:
            results.append(out)

    workers = [threading.Thread(target=work) for _ in range(n)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    return results


def test_concurrent_approvals_and_applies_credit_once(committed_tenant):
    tenant = committed_tenant.info
    story, comp = committed(_story, tenant, committed_tenant.season)
    assert comp.status == "pending_approval"

    results = _at_once(tenant, lambda: compensation_approve(compensation_id=comp.pk,
                                                            actor=story.people.finance).pk, 6)
    assert results.count(comp.pk) == 1
    assert set(results) - {comp.pk} <= {"NOT_ALLOWED_IN_STATE", "CONCURRENT_CHANGE"}
    applied = _at_once(tenant, lambda: compensation_apply(comp.pk).status, 6)
    assert set(applied) == {"credited"}

    def check():
        with schema_context(tenant.schema):
            bill = Bill.objects.get(pk=story.bill.pk)
            return (list(bill.lines.filter(kind="credit").values_list("amount_fen", flat=True)), bill.principal_fen,
                    Compensation.objects.get(pk=comp.pk).status)

    # Tianjin, 12 days at 16.5 ℃: 2400 × 10 % × 12 ÷ 121 = 23.80 元, credited once.
    assert committed(check) == ([-2380], 240000 - 2380, "credited")
