"""Against committed data in real PostgreSQL: two temperature reports of one house inspected cold at the same
moment by two technicians open one shortfall period (the house's advisory lock serialises them; the second sets
the band) — no IntegrityError on the one-open-period constraint."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django_tenants.utils import schema_context

from apps.services.inspections import inspection_record
from apps.services.models import Inspection, ShortfallPeriod
from tests.factories.db import committed
from tests.factories.properties import HouseFactory
from tests.factories.quality import at, crew, rule, temperature_ticket

pytestmark = [pytest.mark.django_db,
              pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")]
DAY = dt.date(2026, 12, 1)


def _setup(tenant):
    with schema_context(tenant.schema):
        rule("tianjin")
        house = HouseFactory(building_area=Decimal("100"))
        a, b = crew("ca"), crew("cb")
        return house, [(temperature_ticket(house, a, reported_on=DAY), a.tech),
                       (temperature_ticket(house, b, reported_on=DAY), b.tech)]


def test_two_reports_of_one_house_inspected_at_once_open_one_period(committed_tenant):
    tenant = committed_tenant.info
    house, jobs = committed(_setup, tenant)
    start = threading.Barrier(len(jobs))
    results, lock = [], threading.Lock()

    def work(ticket, tech):
        start.wait()
        try:
            with schema_context(tenant.schema):
                out = inspection_record(ticket_id=ticket.pk, actor=tech, measured_at=at(DAY, 10),
                                        rooms=[{"name": "客厅", "area": "20", "readings": ["15.0"]}],
                                        cause="utility", now=at(DAY, 10, 5)).pk
        except ValidationError as exc:
            out = next(iter(exc.error_dict.values()))[0].code
        finally:
            connections.close_all()
        with lock:
            results.append(out)

    workers = [threading.Thread(target=work, args=job) for job in jobs]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert len(results) == 2 and all(isinstance(r, int) for r in results)

    def check():
        with schema_context(tenant.schema):
            return (ShortfallPeriod.objects.filter(house=house).count(),
                    Inspection.objects.filter(house=house).count())

    assert committed(check) == (1, 2)
