"""`make run`'s seeding works on a fresh platform and is idempotent."""

import io

from django.core.management import call_command
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.billing.models import Bill
from apps.properties.models import House
from apps.tariffs.models import TariffPlan
from heat_platform.models import TenantSummary
from tenants.models import HeatingCompany


def test_seed_demo_twice(db):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=out)
    demo = HeatingCompany.objects.get(slug="demo")
    assert demo.miniprogram.app_id.startswith("wx")
    with schema_context(demo.schema_name):
        assert set(User.objects.values_list("role", flat=True)) == {"tenant_admin", "collector", "technician",
                                                                     "finance"}
        assert House.objects.count() == 240
        assert House.objects.filter(heating_status="opted_out").exists()
        assert House.objects.exclude(low_income="none").exists()
        assert TariffPlan.objects.filter(pricing="two_part").exists()
        assert Bill.objects.count() == 240
        opted_out = Bill.objects.filter(house__heating_status="opted_out").first()
        assert opted_out.lines.get().kind == "basic_fee"
        assert Bill.objects.filter(house__meter_no__gt="", lines__kind="metered_fee").exists()
    with schema_context(demo.schema_name):
        from apps.invoices.models import FeeItemTax, InvoiceSettings

        config = InvoiceSettings.objects.get()  # e-invoices on, on request, at the sandbox Nuonuo cloud
        assert config.enabled and config.policy == "on_request" and config.app_secret and config.access_token
        assert FeeItemTax.objects.count() == 8
        assert FeeItemTax.objects.get(line_kind="heating_fee", category="residential").favoured_policy == "03"
    assert "admin / demo-admin-2026" in out.getvalue()
    # The operator console's summary is filled at once, not after the first beat refresh.
    summary = TenantSummary.objects.get(tenant=demo)
    assert (summary.houses, summary.bill_count) == (240, 240)
    with schema_context(demo.schema_name):
        from django.utils import timezone

        from apps.services.models import QualityRule, Ticket, TicketCategory
        from apps.tariffs.models import Season

        # Resident services: categories with SLAs, Beijing's rule in force, next season drafted with its tariffs.
        assert TicketCategory.objects.filter(kind="repair").count() == 4
        rule, = QualityRule.objects.all()
        assert (rule.city, rule.fee_base) == ("北京", "affected_area")
        current, following = Season.objects.order_by("heating_start")
        assert following.status == "draft" and following.plans.count() == current.plans.count()
        # The demo resident's cold-home report, assigned to the technician (seeded once, inside a season only).
        today = timezone.localdate()
        if not (current.heating_start <= today <= current.heating_end):
            assert not Ticket.objects.exists()
            return
        report, = Ticket.objects.filter(kind="temperature")
        assert (report.status, report.assignee.username, report.house.account_no) == ("assigned", "technician",
                                                                                      "H10001")
        assert report.resident.bindings.filter(house=report.house).exists()
        assert [e.action for e in report.events.all()] == ["submit", "accept", "assign"]
