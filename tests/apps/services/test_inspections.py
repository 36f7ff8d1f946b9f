"""Inspections of temperature reports: who may record one and when (assigned technician or admin, ASSIGNED or
ON_SITE, the rule's no-measuring hours and points, sane temperatures), and what each outcome does — the
utility's fault opens a shortfall period (later readings change its band), a compliant re-inspection closes it
and computes the compensation (credited to the unpaid bill at once below the approval threshold), a resident's
fault is explained on the timeline with no period, a fix within the grace hours earns nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from apps.billing.models import Bill
from apps.services.inspections import inspection_record, open_shortfall
from apps.services.models import Compensation, Inspection, ShortfallPeriod, Ticket
from tests.factories.accounts import staff
from tests.factories.properties import HouseFactory
from tests.factories.quality import at, cold_spell, crew, inspect, one_room, rule, temperature_ticket
from tests.factories.tariffs import tianjin_season

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 12, 1)


@pytest.fixture
def season(alpha):
    with schema_context(alpha.schema):
        return tianjin_season()


@pytest.fixture
def ctx(alpha, season):
    """Tianjin's rule, a crew and a 100 ㎡ house with a temperature report assigned on Dec 1."""
    with schema_context(alpha.schema):
        made = rule("tianjin")
        people = crew()
        house = HouseFactory(building_area=Decimal("100"))
        ticket = temperature_ticket(house, people, reported_on=DAY)
        yield type("Ctx", (), {"rule": made, "people": people, "house": house, "ticket": ticket})


def _code(err, field):
    return err.value.error_dict[field][0].code


def test_tianjin_story_cold_then_colder_then_fixed_credits_the_unpaid_bill(
        alpha, season, django_capture_on_commit_callbacks):
    """Tianjin, bill 100 ㎡ × 24 元 = 2400.00 元 (121-day season). Dec 1: 16.5 ℃ (主卧 16.4/16.6, the coldest
    room; 10 %) → period opens; Dec 13: 14.0 ℃ (50 %); Dec 18: 18.6 ℃ → the period ends Dec 17 (17 days).
    12 days × 10 %: 2400 × 0.1 × 12 ÷ 121 = 23.80 元; 5 days × 50 %: running 73.388… → 73.39 元 (line 49.59).
    7339 fen < the 100-元 threshold: applied at once, a −73.39 credit line on the unpaid bill."""
    with schema_context(alpha.schema), django_capture_on_commit_callbacks(execute=True):
        rule("tianjin")
        people = crew()
        house = HouseFactory(building_area=Decimal("100"))
        from apps.billing.services import bill_issue

        bill = bill_issue(house=house, season=season.season, plan=season.area)
        ticket = temperature_ticket(house, people, reported_on=DAY)
        first = inspect(ticket, people.tech, at(DAY, 10), {"主卧": ("15.20", ["16.4", "16.6"]),
                                                           "客厅": ("25.00", ["18.5"])})
        assert (first.house_temp, first.compliant, first.rooms[0]["temp"]) == (Decimal("16.5"), False, "16.5")
        ticket.refresh_from_db()
        assert ticket.status == Ticket.Status.ON_SITE  # moved by the first inspection
        period = open_shortfall(house.pk)
        assert (period.started_on, period.status) == (DAY, "open")
        inspect(ticket, people.tech, at(dt.date(2026, 12, 13), 10), one_room("14.0"))
        assert open_shortfall(house.pk) == period
        inspect(ticket, people.tech, at(dt.date(2026, 12, 18), 10), one_room("18.6"))
    with schema_context(alpha.schema):
        period.refresh_from_db()
        assert (period.status, period.ended_on) == ("closed", dt.date(2026, 12, 17))
        comp = Compensation.objects.get(period=period)
        assert (comp.amount_fen, comp.days, comp.status, comp.credited_fen) == (7339, 17, "credited", 7339)
        assert [line["amount_fen"] for line in comp.lines] == [2380, 4959]
        bill = Bill.objects.get(pk=bill.pk)
        assert bill.principal_fen == 240000 - 7339
        line = bill.lines.get(kind="credit")
        assert line.amount_fen == -7339
        assert line.explanation == ("室温不达标补偿：2026-2027采暖季12月1日至12月17日共17天，室温16.5℃低于标准1.5℃"
                                    "退费10%（12天）；室温14℃低于标准4℃退费50%（5天），合计73.39元")
        notes = list(ticket.events.filter(public=True).values_list("action", "note"))
        opened = "测温16.5℃（标准18.0℃），低于标准1.5℃，属供热方原因，自12月1日起计入室温不达标期。"
        assert ("inspection", opened) in notes
        assert any(action == "compensation" and "已抵扣本季账单" in note for action, note in notes)


def test_a_resident_caused_shortfall_opens_no_period_and_says_why(alpha, ctx):
    with schema_context(alpha.schema):
        inspection = inspect(ctx.ticket, ctx.people.tech, at(DAY, 10), one_room("15.0"), cause="covered_radiators")
        assert inspection.cause == "covered_radiators" and not inspection.compliant
        assert not ShortfallPeriod.objects.exists()
        note = ctx.ticket.events.filter(action="inspection").get().note
        assert "住户原因（住户遮挡散热器）" in note and "不予退费" in note


def test_a_fix_within_the_grace_hours_earns_nothing(alpha, season, django_capture_on_commit_callbacks):
    """Tianjin's grace is 24 h: cold at 09:00 on Dec 1, compliant again at 09:00 on Dec 2 → NONE_DUE."""
    with schema_context(alpha.schema), django_capture_on_commit_callbacks(execute=True):
        story = cold_spell(season, start=DAY, temps=((0, "15.0"),), fixed_after=1)
        story.period.refresh_from_db()
    with schema_context(alpha.schema):
        comp = Compensation.objects.get(period=story.period)
        assert comp.days == 1  # Dec 1, but fixed within 24 h
        assert (comp.amount_fen, comp.status) == (0, "none_due")
        assert "24小时整改时限内" in comp.explanation
        assert not Bill.objects.get(pk=story.bill.pk).lines.filter(kind="credit").exists()


def test_compliant_first_inspection_opens_nothing(alpha, ctx):
    with schema_context(alpha.schema):
        inspection = inspect(ctx.ticket, ctx.people.tech, at(DAY, 10), one_room("18.0"), cause="utility")
        assert inspection.compliant and inspection.cause == "none"
        assert not ShortfallPeriod.objects.exists()


def test_only_the_assigned_technician_or_an_admin_may_record(alpha, ctx):
    with schema_context(alpha.schema):
        other = staff("other-tech", "technician")
        with pytest.raises(ValidationError) as err:  # not theirs: they cannot see it at all
            inspect(ctx.ticket, other, at(DAY, 10), one_room("15.0"))
        assert _code(err, "ticket_id") == "NOT_FOUND"
        collector = ctx.people.collector
        with pytest.raises(ValidationError) as err:
            inspect(ctx.ticket, collector, at(DAY, 10), one_room("15.0"))
        assert _code(err, "ticket_id") == "NOT_FOUND"
        assert inspect(ctx.ticket, ctx.people.admin, at(DAY, 10), one_room("15.0")).technician == ctx.people.admin


def test_only_temperature_tickets_in_assigned_or_on_site(alpha, ctx):
    from apps.services.tickets import ticket_assign, ticket_submit

    with schema_context(alpha.schema):
        repair = ticket_submit(house_id=ctx.house.pk, kind="repair", description="漏水", contact_name="王",
                               actor=ctx.people.admin, now=at(DAY, 8))
        repair = ticket_assign(ticket_id=repair.pk, assignee_id=ctx.people.tech.pk, actor=ctx.people.admin,
                               now=at(DAY, 8))
        with pytest.raises(ValidationError) as err:
            inspect(repair, ctx.people.tech, at(DAY, 10), one_room("15.0"))
        assert _code(err, "ticket_id") == "NOT_ALLOWED_IN_STATE"
        Ticket.objects.filter(pk=ctx.ticket.pk).update(status=Ticket.Status.RESOLVED)
        with pytest.raises(ValidationError) as err:
            inspect(ctx.ticket, ctx.people.tech, at(DAY, 10), one_room("15.0"))
        assert _code(err, "ticket_id") == "NOT_ALLOWED_IN_STATE"


@pytest.mark.parametrize("rooms, field, code", [
    ({"客厅": ("20", ["40.1"])}, "rooms", "INVALID_TEMPERATURE"),
    ({"客厅": ("20", ["-10.1"])}, "rooms", "INVALID_TEMPERATURE"),
    ({"客厅": ("20", ["16.55"])}, "rooms", "INVALID_TEMPERATURE"),
    ({"客厅": ("20", [])}, "rooms", "TOO_FEW_POINTS"),
    ({"客厅": ("0", ["16.5"])}, "rooms", "INVALID"),
    ({}, "rooms", "REQUIRED"),
])
def test_readings_are_validated(alpha, ctx, rooms, field, code):
    with schema_context(alpha.schema):
        with pytest.raises(ValidationError) as err:
            inspect(ctx.ticket, ctx.people.tech, at(DAY, 10), rooms)
        assert _code(err, field) == code
        assert not Inspection.objects.exists()
        assert Ticket.objects.get(pk=ctx.ticket.pk).status == Ticket.Status.ASSIGNED  # nothing changed


def test_a_non_compliant_reading_needs_a_cause(alpha, ctx):
    with schema_context(alpha.schema):
        with pytest.raises(ValidationError) as err:
            inspect(ctx.ticket, ctx.people.tech, at(DAY, 10), one_room("15.0"), cause="none")
        assert _code(err, "cause") == "REQUIRED"


def test_the_rules_points_per_room(alpha, ctx):
    with schema_context(alpha.schema):
        type(ctx.rule).objects.filter(pk=ctx.rule.pk).update(min_points=2)
        with pytest.raises(ValidationError) as err:
            inspect(ctx.ticket, ctx.people.tech, at(DAY, 10), {"客厅": ("20", ["16.0"])})
        assert _code(err, "rooms") == "TOO_FEW_POINTS"
        inspect(ctx.ticket, ctx.people.tech, at(DAY, 10), {"客厅": ("20", ["16.0", "16.1"])})


def test_harbin_no_measuring_between_ten_and_two_local_time(alpha, season):
    with schema_context(alpha.schema):
        rule("harbin")
        people = crew()
        ticket = temperature_ticket(HouseFactory(), people, reported_on=DAY)
        for hour, minute in ((10, 0), (13, 59)):
            with pytest.raises(ValidationError) as err:
                inspect(ticket, people.tech, at(DAY, hour, minute), one_room("19.0"))
            assert _code(err, "measured_at") == "MEASUREMENT_WINDOW"
        inspection = inspect(ticket, people.tech, at(DAY, 14, 0), one_room("19.0"))
        assert not inspection.compliant  # 20 ℃ standard


def test_no_rule_in_force_and_outside_the_season(alpha, season):
    with schema_context(alpha.schema):
        people = crew()
        ticket = temperature_ticket(HouseFactory(), people, reported_on=DAY)
        with pytest.raises(ValidationError) as err:
            inspect(ticket, people.tech, at(DAY, 10), one_room("15.0"))
        assert _code(err, "measured_at") == "NO_QUALITY_RULE"
        rule("tianjin")
        Ticket.objects.filter(pk=ticket.pk).update(submitted_at=at(dt.date(2027, 3, 10), 8))
        with pytest.raises(ValidationError) as err:
            inspect(ticket, people.tech, at(dt.date(2027, 3, 16), 10), one_room("15.0"))
        assert _code(err, "measured_at") == "NO_SEASON"
        with pytest.raises(ValidationError) as err:
            inspection = dt.datetime(2026, 12, 1, 10)  # naive
            from apps.services.inspections import inspection_record

            inspection_record(ticket_id=ticket.pk, actor=people.tech, measured_at=inspection, rooms=[],
                              cause="utility")
        assert _code(err, "measured_at") == "REQUIRED"


def test_a_measurement_in_the_future_is_refused(alpha, ctx):
    from apps.services.inspections import inspection_record

    with schema_context(alpha.schema):
        with pytest.raises(ValidationError) as err:
            inspection_record(ticket_id=ctx.ticket.pk, actor=ctx.people.tech, measured_at=at(DAY, 12),
                              rooms=[{"name": "客厅", "area": "20", "readings": ["15"]}], cause="utility",
                              now=at(DAY, 10))
        assert _code(err, "measured_at") == "INVALID"


def test_season_end_closes_open_periods_and_compensates(alpha, season, django_capture_on_commit_callbacks):
    """Cold from Mar 10 (15.0 ℃, Tianjin 50 %) to the season's end Mar 15: 6 days. 2400 × 50 % × 6 ÷ 121 =
    59.504… → 59.50 元, credited to the unpaid bill."""
    from apps.services.compensation import shortfalls_close_at_season_end

    with schema_context(alpha.schema), django_capture_on_commit_callbacks(execute=True):
        rule("tianjin")
        people = crew()
        house = HouseFactory(building_area=Decimal("100"))
        from apps.billing.services import bill_issue

        bill = bill_issue(house=house, season=season.season, plan=season.area)
        ticket = temperature_ticket(house, people, reported_on=dt.date(2027, 3, 10))
        inspect(ticket, people.tech, at(dt.date(2027, 3, 10), 9), one_room("15.0"))
        assert shortfalls_close_at_season_end(today=dt.date(2027, 3, 15))["closed"] == 0  # still the season
        result = shortfalls_close_at_season_end(today=dt.date(2027, 3, 16))
        assert result["closed"] == 1 and result["compensated"] == 1
    with schema_context(alpha.schema):
        period = ShortfallPeriod.objects.get()
        assert (period.status, period.ended_on, period.closed_by_id) == ("closed", dt.date(2027, 3, 15), None)
        comp = period.compensation
        assert (comp.amount_fen, comp.days, comp.status) == (5950, 6, "credited")
        assert Bill.objects.get(pk=bill.pk).principal_fen == 240000 - 5950
        # once only
        assert shortfalls_close_at_season_end(today=dt.date(2027, 3, 17)) == {
            "closed": 0, "compensated": 0, "applied": 0, "refunds_resent": 0, "refunds_followed": 0}


@pytest.mark.parametrize("cause", [c for c in Inspection.RESIDENT_CAUSES])
@pytest.mark.parametrize("temp", ["17.9", "14.0", "8.5"])
def test_no_compensation_for_resident_caused_shortfalls(alpha, ctx, cause, temp,
                                                        django_capture_on_commit_callbacks):
    """Whatever the temperature, a resident's cause opens no period: a compliant re-inspection closes nothing and
    no compensation exists."""
    with schema_context(alpha.schema), django_capture_on_commit_callbacks(execute=True):
        inspect(ctx.ticket, ctx.people.tech, at(DAY, 9), one_room(temp), cause=cause)
        inspect(ctx.ticket, ctx.people.tech, at(DAY + dt.timedelta(days=5), 9), one_room(temp), cause=cause)
        inspect(ctx.ticket, ctx.people.tech, at(DAY + dt.timedelta(days=9), 9), one_room("18.5"))
        assert not ShortfallPeriod.objects.exists() and not Compensation.objects.exists()
        assert open_shortfall(ctx.house.pk) is None


def test_inspections_never_go_back_in_time(alpha, ctx):
    """Not before the house's latest inspection (its days would be counted twice)."""
    with schema_context(alpha.schema):
        inspect(ctx.ticket, ctx.people.tech, at(DAY + dt.timedelta(days=3), 9), one_room("16.0"))
        with pytest.raises(ValidationError) as err:
            inspect(ctx.ticket, ctx.people.tech, at(DAY + dt.timedelta(days=1), 9), one_room("14.0"))
        assert _code(err, "measured_at") == "INVALID"
        assert Inspection.objects.count() == 1
        assert ShortfallPeriod.objects.get().started_on == DAY + dt.timedelta(days=3)


def test_no_inspection_on_a_day_a_closed_period_counted(alpha, season, django_capture_on_commit_callbacks):
    """Cold from Mar 10, the season-end task closes the period at Mar 15; a later-recorded Mar 14 measurement of
    the same house (after its latest inspection) would count Mar 14–15 again: refused."""
    from apps.billing.services import bill_issue
    from apps.services.compensation import shortfalls_close_at_season_end

    with schema_context(alpha.schema), django_capture_on_commit_callbacks(execute=True):
        rule("tianjin")
        people = crew()
        house = HouseFactory(building_area=Decimal("100"))
        bill_issue(house=house, season=season.season, plan=season.area)
        ticket = temperature_ticket(house, people, reported_on=dt.date(2027, 3, 10))
        inspect(ticket, people.tech, at(dt.date(2027, 3, 10), 9), one_room("15.0"))
        shortfalls_close_at_season_end(today=dt.date(2027, 3, 16))
        second = temperature_ticket(house, people, reported_on=dt.date(2027, 3, 13))
        with pytest.raises(ValidationError) as err:
            inspection_record(ticket_id=second.pk, actor=people.tech, measured_at=at(dt.date(2027, 3, 14), 9),
                              rooms=[{"name": "客厅", "area": "20", "readings": ["14.0"]}], cause="utility",
                              now=at(dt.date(2027, 3, 16), 9))
        assert _code(err, "measured_at") == "INVALID"
        assert ShortfallPeriod.objects.count() == 1


def test_two_tickets_of_one_house_share_its_period(alpha, ctx):
    """A second report of the same house inspected cold while the first's period is open sets the band (no
    second open period: the house's lock and the one-open-period rule)."""
    with schema_context(alpha.schema):
        inspect(ctx.ticket, ctx.people.tech, at(DAY, 9), one_room("16.0"))
        second = temperature_ticket(ctx.house, ctx.people, reported_on=DAY + dt.timedelta(days=1))
        inspect(second, ctx.people.tech, at(DAY + dt.timedelta(days=1), 10), one_room("14.0"))
        assert ShortfallPeriod.objects.filter(house=ctx.house).count() == 1


def test_rooms_cannot_exceed_the_building_area(alpha, ctx):
    with schema_context(alpha.schema):
        rooms = {"客厅": ("60.00", ["15.0"]), "主卧": ("40.01", ["15.0"])}
        with pytest.raises(ValidationError) as err:
            inspect(ctx.ticket, ctx.people.tech, at(DAY, 9), rooms)
        assert _code(err, "rooms") == "INVALID"
        assert not Inspection.objects.exists()
        rooms = {"客厅": ("60.00", ["15.0"]), "主卧": ("40.00", ["15.0"])}
        assert inspect(ctx.ticket, ctx.people.tech, at(DAY, 9), rooms).house_temp == Decimal("15.0")


def test_a_resident_cause_found_while_a_period_is_open_closes_and_compensates_it(
        alpha, season, django_capture_on_commit_callbacks):
    """Cold (utility) from Dec 1 at 16.5 ℃; on Dec 13 the radiators are found covered: the period ends Dec 12
    (12 days × 10 %: 2400 × 0.1 × 12 ÷ 121 = 23.80 元) and no later day counts."""
    from apps.billing.services import bill_issue

    with schema_context(alpha.schema), django_capture_on_commit_callbacks(execute=True):
        rule("tianjin")
        people = crew()
        house = HouseFactory(building_area=Decimal("100"))
        bill = bill_issue(house=house, season=season.season, plan=season.area)
        ticket = temperature_ticket(house, people, reported_on=DAY)
        inspect(ticket, people.tech, at(DAY, 9), one_room("16.5"))
        inspect(ticket, people.tech, at(DAY + dt.timedelta(days=12), 9), one_room("12.0"),
                cause="covered_radiators")
    with schema_context(alpha.schema):
        period = ShortfallPeriod.objects.get()
        assert (period.status, period.ended_on) == ("closed", DAY + dt.timedelta(days=11))
        assert period.closed_by.cause == "covered_radiators"
        comp = period.compensation
        assert (comp.days, comp.amount_fen, comp.status) == (12, 2380, "credited")
        assert Bill.objects.get(pk=bill.pk).principal_fen == 240000 - 2380
        note = ticket.events.filter(action="inspection").order_by("-id").first()
        assert note.public and "住户原因" in note.note and "12月1日至12月12日共12天" in note.note
        assert open_shortfall(house.pk) is None


@pytest.mark.parametrize("status", ["opted_out", "disconnected"])
def test_no_temperature_reports_or_inspections_for_houses_not_heated(alpha, ctx, status):
    from apps.properties.models import House
    from apps.services.tickets import ticket_submit

    with schema_context(alpha.schema):
        House.objects.filter(pk=ctx.house.pk).update(heating_status=status)
        with pytest.raises(ValidationError) as err:
            ticket_submit(house_id=ctx.house.pk, kind="temperature", description="家里不热", contact_name="王建国",
                          reported_temp="15.0", actor=ctx.people.admin, now=at(DAY, 8))
        assert _code(err, "kind") == "NOT_ALLOWED_IN_STATE"
        with pytest.raises(ValidationError) as err:  # the report came before the house stopped heating
            inspect(ctx.ticket, ctx.people.tech, at(DAY, 9), one_room("15.0"))
        assert _code(err, "ticket_id") == "NOT_ALLOWED_IN_STATE"
        assert not Inspection.objects.exists()
