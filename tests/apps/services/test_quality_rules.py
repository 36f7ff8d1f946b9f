"""Quality rules as data: every city template seeds a valid rule, the rule in force is found by day, bad bands
and overlapping effective ranges are refused with typed errors (and nothing changes), and the service settings
are validated and audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from apps.audit.models import AuditLog
from apps.services.city_rules import CITY_RULES, city_rules_seed
from apps.services.models import QualityRule, ServiceSettings
from apps.services.quality import rule_in_force, rule_save, service_settings_save
from tests.factories.accounts import staff

pytestmark = pytest.mark.django_db


def _code(err: pytest.ExceptionInfo, field: str) -> str:
    return err.value.error_dict[field][0].code


def _values(**over) -> dict:
    base = {"name": "测试标准", "city": "测试", "effective_from": dt.date(2026, 11, 1), "standard_temp": "18",
            "bands": [{"to": "2", "pct": "20"}, {"to": "4", "pct": "50"}, {"to": None, "pct": "100"}]}
    return {**base, **over}


@pytest.mark.parametrize("city", list(CITY_RULES))
def test_each_city_template_seeds_a_rule_with_its_source(alpha, city):
    with schema_context(alpha.schema):
        rule = city_rules_seed(city, effective_from=dt.date(2026, 10, 1))
        assert rule.source and rule.bands[-1] == {"to": None, "pct": "100"}
        assert rule_in_force(dt.date(2027, 1, 1)) == rule


def test_harbin_keeps_its_no_measuring_hours_and_twenty_degrees(alpha):
    with schema_context(alpha.schema):
        rule = city_rules_seed("harbin", effective_from=dt.date(2026, 10, 1))
        assert (rule.standard_temp, rule.no_measure_from, rule.no_measure_to) == (
            18 + 2, dt.time(10), dt.time(14))


def test_rule_in_force_follows_the_effective_dates(alpha):
    with schema_context(alpha.schema):
        old = rule_save(actor=None, values=_values(effective_from=dt.date(2020, 1, 1),
                                                    effective_to=dt.date(2026, 6, 30)))
        new = rule_save(actor=None, values=_values(name="新标准", effective_from=dt.date(2026, 7, 1)))
        assert rule_in_force(dt.date(2026, 6, 30)) == old
        assert rule_in_force(dt.date(2026, 7, 1)) == new
        assert rule_in_force(dt.date(2019, 12, 31)) is None


@pytest.mark.parametrize("bands", [
    [],  # none
    [{"to": "4", "pct": "20"}, {"to": "2", "pct": "50"}, {"to": None, "pct": "100"}],  # edges not increasing
    [{"to": "2", "pct": "50"}, {"to": None, "pct": "20"}],  # ratio decreasing: colder earns less
    [{"to": "2", "pct": "120"}],  # above 100 %
    [{"to": "2", "pct": "-5"}],  # negative
    [{"to": None, "pct": "20"}, {"to": "4", "pct": "50"}],  # open-ended band not last
    [{"to": "0", "pct": "20"}],  # zero width
    [{"to": "2", "pct": "abc"}],
    "20%",
])
def test_bad_bands_are_refused(alpha, bands):
    with schema_context(alpha.schema):
        with pytest.raises(ValidationError) as err:
            rule_save(actor=None, values=_values(bands=bands))
        assert _code(err, "bands") == "INVALID_BANDS"
        assert not QualityRule.objects.exists()


def test_overlapping_ranges_are_refused_and_an_edit_may_keep_its_own(alpha):
    admin = None
    with schema_context(alpha.schema):
        admin = staff("rules-admin", "tenant_admin")
        first = rule_save(actor=admin, values=_values(effective_to=dt.date(2027, 3, 31)))
        for start, end in [(dt.date(2027, 3, 31), None), (dt.date(2026, 1, 1), dt.date(2026, 11, 1)),
                           (dt.date(2025, 1, 1), None)]:
            with pytest.raises(ValidationError) as err:
                rule_save(actor=admin, values=_values(effective_from=start, effective_to=end))
            assert _code(err, "effective_from") == "OVERLAPPING_RULE"
        rule_save(actor=admin, values=_values(effective_from=dt.date(2027, 4, 1)))  # the next day: fine
        changed = rule_save(actor=admin, rule_id=first.pk, values={"standard_temp": "20.0"})
        assert changed.standard_temp == 20 and changed.effective_to == dt.date(2027, 3, 31)
        with pytest.raises(ValidationError) as err:
            rule_save(actor=admin, rule_id=first.pk, values={"effective_to": None})  # would run into the next
        assert _code(err, "effective_from") == "OVERLAPPING_RULE"
        assert AuditLog.objects.filter(action__startswith="quality_rule.").count() == 3


@pytest.mark.parametrize("values, field, code", [
    ({"standard_temp": "18.25"}, "standard_temp", "INVALID_TEMPERATURE"),
    ({"standard_temp": "35"}, "standard_temp", "INVALID_TEMPERATURE"),
    ({"name": " "}, "name", "REQUIRED"),
    ({"effective_to": dt.date(2026, 10, 1)}, "effective_to", "INVALID"),
    ({"no_measure_from": dt.time(14), "no_measure_to": dt.time(10)}, "no_measure_to", "INVALID"),
    ({"no_measure_from": dt.time(10)}, "no_measure_to", "INVALID"),
    ({"min_points": 0}, "min_points", "INVALID"),
    ({"fee_base": "everything"}, "fee_base", "INVALID"),
])
def test_other_fields_are_validated(alpha, values, field, code):
    with schema_context(alpha.schema):
        with pytest.raises(ValidationError) as err:
            rule_save(actor=None, values=_values(**values))
        assert _code(err, field) == code


def test_unknown_rule_is_not_found(alpha):
    with schema_context(alpha.schema):
        with pytest.raises(ValidationError) as err:
            rule_save(actor=None, rule_id=999999, values=_values())
        assert _code(err, "id") == "NOT_FOUND"


def test_service_settings_are_validated_and_audited(alpha):
    with schema_context(alpha.schema):
        admin = staff("settings-admin", "tenant_admin")
        row = service_settings_save(actor=admin, values={"approval_threshold_fen": 5000,
                                                         "paid_compensation": "refund"})
        assert (row.approval_threshold_fen, row.paid_compensation) == (5000, "refund")
        assert ServiceSettings.get().paid_compensation == "refund"
        with pytest.raises(ValidationError) as err:
            service_settings_save(actor=admin, values={"approval_threshold_fen": -1})
        assert _code(err, "approval_threshold_fen") == "INVALID"
        with pytest.raises(ValidationError) as err:
            service_settings_save(actor=admin, values={"paid_compensation": "cash"})
        assert _code(err, "paid_compensation") == "INVALID"
        assert AuditLog.objects.filter(action="service_settings.update").count() == 1


def test_demo_seed_puts_beijing_in_force_from_the_seasons_start_once(alpha):
    from apps.services.demo import quality_demo_seed
    from tests.factories.tariffs import plain_season

    with schema_context(alpha.schema):
        assert quality_demo_seed() is None  # no season yet
        season, _plan = plain_season()
        rule = quality_demo_seed()
        assert (rule.city, rule.effective_from, rule.fee_base) == ("北京", season.heating_start, "affected_area")
        assert quality_demo_seed() == rule and QualityRule.objects.count() == 1


def test_a_rule_in_use_may_only_end_or_change_its_wording(alpha, django_capture_on_commit_callbacks):
    """Inspections were judged by it: the standard, bands, fee base… stay; it may end (not before its last
    inspection's day) and its name, procedure, deadline and source may change. Unused rules change freely."""
    from decimal import Decimal

    from tests.factories.properties import HouseFactory
    from tests.factories.quality import at, crew, inspect, one_room, temperature_ticket
    from tests.factories.tariffs import tianjin_season

    with schema_context(alpha.schema):
        tianjin_season()
        admin = staff("rules-admin2", "tenant_admin")
        rule = rule_save(actor=admin, values=_values(effective_from=dt.date(2026, 10, 1)))
        rule = rule_save(actor=admin, rule_id=rule.pk, values={"standard_temp": "18.5"})  # not used yet
        assert rule.standard_temp == Decimal("18.5")
        people = crew()
        house = HouseFactory(building_area=Decimal("100"))
        ticket = temperature_ticket(house, people, reported_on=dt.date(2026, 12, 1))
        inspect(ticket, people.tech, at(dt.date(2026, 12, 3), 9), one_room("18.0"))
        for field, value in (("standard_temp", "18"), ("bands", [{"to": None, "pct": "50"}]),
                             ("fee_base", "affected_area"), ("effective_from", dt.date(2026, 9, 1)),
                             ("min_points", 2), ("city", "别处")):
            with pytest.raises(ValidationError) as err:
                rule_save(actor=admin, rule_id=rule.pk, values={field: value})
            assert _code(err, field) == "NOT_ALLOWED_IN_STATE"
        with pytest.raises(ValidationError) as err:
            rule_save(actor=admin, rule_id=rule.pk, values={"effective_to": dt.date(2026, 12, 2)})
        assert _code(err, "effective_to") == "INVALID"
        rule = rule_save(actor=admin, rule_id=rule.pk, values={
            "effective_to": dt.date(2026, 12, 3), "name": "新名称", "procedure": "两点测温", "source": "文件"})
        assert (rule.effective_to, rule.name, rule.standard_temp) == (dt.date(2026, 12, 3), "新名称", Decimal("18.5"))
        rule = rule_save(actor=admin, rule_id=rule.pk, values={"standard_temp": "18.50", "effective_to": None})
        assert rule.effective_to is None  # an unchanged value (however written) is no change
