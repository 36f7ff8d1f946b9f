"""Meter readings: validation with typed errors, an outlier warning that does
not block, corrections, audit and roles."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.audit.models import AuditLog
from apps.billing.metering import meter_reading_record
from apps.billing.models import MeterReading
from apps.tariffs.models import TariffPlan
from tests.factories.properties import HouseFactory

RECORD = """mutation($h: ID!, $s: ID!, $k: MeterReadingKind!, $v: Decimal!, $d: Date!, $r: String!) {
  recordMeterReading(houseId: $h, seasonId: $s, kind: $k, value: $v, readOn: $d, reader: $r) {
    reading { houseId seasonId kind value readOn reader } warning errors { field code message } } }"""


@pytest.fixture
def metered(alpha, tariffs):
    with schema_context(alpha.schema):
        return HouseFactory(account_no="M01", building_area=Decimal("100"), meter_no="HM-001")


def _record(alpha, house, season, kind, value, read_on=dt.date(2026, 11, 15), reader="李师傅"):
    with schema_context(alpha.schema):
        actor = User.objects.get(username=alpha.admin)
        return meter_reading_record(house_id=house.pk, season_id=season.pk, kind=kind, value=value,
                                    read_on=read_on, reader=reader, actor=actor)


def _code(alpha, house, season, kind, value, **kw) -> tuple[str, str]:
    with pytest.raises(ValidationError) as exc:
        _record(alpha, house, season, kind, value, **kw)
    ((field, errors),) = exc.value.error_dict.items()
    return field, errors[0].code


def test_technician_records_start_and_end_readings(gql, alpha, tariffs, metered, make_staff):
    token = make_staff(alpha, "technician")
    base = {"h": str(metered.pk), "s": str(tariffs.season.pk), "r": "李师傅"}
    start = gql(alpha.host, RECORD, {**base, "k": "START", "v": "1000.000", "d": "2026-11-14"}, token=token)
    assert start["data"]["recordMeterReading"] == {"reading": {
        "houseId": str(metered.pk), "seasonId": str(tariffs.season.pk), "kind": "START", "value": "1000.000",
        "readOn": "2026-11-14", "reader": "李师傅"}, "warning": None, "errors": []}
    end = gql(alpha.host, RECORD, {**base, "k": "END", "v": "1040.5", "d": "2027-03-16"}, token=token)
    assert end["data"]["recordMeterReading"]["warning"] is None
    with schema_context(alpha.schema):
        values = dict(MeterReading.objects.filter(house=metered).values_list("kind", "value"))
        assert values == {"start": Decimal("1000.000"), "end": Decimal("1040.500")}
        audit = list(AuditLog.objects.filter(action="meter_reading.record").order_by("id"))
        assert [(a.actor_name.startswith("technician"), a.detail["kind"], a.detail["value"]) for a in audit] == [
            (True, "start", "1000.000"), (True, "end", "1040.5")]


def test_collector_and_finance_roles(gql, alpha, tariffs, metered, make_staff):
    variables = {"h": str(metered.pk), "s": str(tariffs.season.pk), "r": "李师傅", "k": "START", "v": "1",
                 "d": "2026-11-15"}
    denied = gql(alpha.host, RECORD, variables, token=make_staff(alpha, "collector"))
    assert denied["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    ok = gql(alpha.host, RECORD, variables, token=make_staff(alpha, "finance"))
    assert ok["data"]["recordMeterReading"]["errors"] == []


def test_end_reading_below_start_is_refused_in_either_order(alpha, tariffs, metered):
    season = tariffs.season
    _record(alpha, metered, season, "start", Decimal("1000"))
    assert _code(alpha, metered, season, "end", Decimal("999.999"), read_on=dt.date(2027, 3, 15)) == (
        "value", "END_BEFORE_START")
    _record(alpha, metered, season, "end", Decimal("1000"), read_on=dt.date(2027, 3, 15))  # zero use is fine
    assert _code(alpha, metered, season, "start", Decimal("1000.001")) == ("value", "END_BEFORE_START")
    # nor may the end be read before the start
    assert _code(alpha, metered, season, "start", Decimal("900"), read_on=dt.date(2027, 3, 20)) == (
        "readOn", "INVALID_DATE")


def test_house_without_a_meter_is_refused(alpha, tariffs):
    with schema_context(alpha.schema):
        house = HouseFactory(meter_no="  ")
    assert _code(alpha, house, tariffs.season, "start", Decimal("1")) == ("houseId", "NO_METER")


def test_reading_date_value_kind_and_reader_are_checked(alpha, tariffs, metered):
    season = tariffs.season
    assert _code(alpha, metered, season, "start", 1, read_on=dt.date(2026, 10, 14)) == ("readOn", "INVALID_DATE")
    assert _code(alpha, metered, season, "end", 1, read_on=dt.date(2027, 4, 16)) == ("readOn", "INVALID_DATE")
    _record(alpha, metered, season, "start", 1, read_on=dt.date(2026, 10, 15))  # a month before is near enough
    for bad in ("-1", "1.2345", "abc", "NaN", "1e20"):
        assert _code(alpha, metered, season, "end", bad, read_on=dt.date(2027, 3, 15)) == ("value", "INVALID"), bad
    assert _code(alpha, metered, season, "middle", 2) == ("kind", "INVALID")
    assert _code(alpha, metered, season, "end", 2, reader=" ") == ("reader", "REQUIRED")


def test_unknown_or_malformed_ids_are_not_found(gql, alpha, tariffs, metered, make_staff):
    token = make_staff(alpha, "technician")
    base = {"h": str(metered.pk), "s": str(tariffs.season.pk), "r": "李师傅", "k": "START", "v": "1",
            "d": "2026-11-15"}
    for override in ({"h": "x"}, {"h": "999999"}, {"s": "x"}, {"s": "999999"}):
        payload = gql(alpha.host, RECORD, {**base, **override}, token=token)["data"]["recordMeterReading"]
        assert payload["reading"] is None
        assert [e["code"] for e in payload["errors"]] == ["NOT_FOUND"], override


def test_outlier_consumption_is_saved_with_a_warning(gql, alpha, tariffs, metered, make_staff):
    token = make_staff(alpha, "technician")
    base = {"h": str(metered.pk), "s": str(tariffs.season.pk), "r": "李师傅"}
    gql(alpha.host, RECORD, {**base, "k": "START", "v": "0", "d": "2026-11-15"}, token=token)
    # 150 GJ on 100 ㎡ is 1.5 GJ/㎡: three times what a flat usually uses.
    payload = gql(alpha.host, RECORD, {**base, "k": "END", "v": "150", "d": "2027-03-15"}, token=token)["data"][
        "recordMeterReading"]
    assert payload["errors"] == [] and payload["reading"]["value"] == "150"
    assert payload["warning"] == "本季用热 150GJ，合每平方米 1.50GJ，远高于常见水平（不超过 1.00GJ/㎡），请核对读数。"
    normal = _record(alpha, metered, tariffs.season, "end", Decimal("45"), read_on=dt.date(2027, 3, 15))
    assert normal.warning is None


def test_kwh_meters_use_the_same_norm_in_kwh(alpha, tariffs, metered):
    with schema_context(alpha.schema):
        TariffPlan.objects.filter(pk=tariffs.metered.pk).update(metered_unit="kWh")
    _record(alpha, metered, tariffs.season, "start", 0)
    assert _record(alpha, metered, tariffs.season, "end", 20000, read_on=dt.date(2027, 3, 15)).warning is None
    warning = _record(alpha, metered, tariffs.season, "end", 40000, read_on=dt.date(2027, 3, 15)).warning
    assert warning.startswith("本季用热 40000kWh，合每平方米 400.00kWh")


def test_correcting_a_reading_keeps_one_row_and_audits_the_old_value(alpha, tariffs, metered):
    _record(alpha, metered, tariffs.season, "end", Decimal("1040"), read_on=dt.date(2027, 3, 15))
    result = _record(alpha, metered, tariffs.season, "end", Decimal("1020"), read_on=dt.date(2027, 3, 16),
                     reader="王师傅")
    with schema_context(alpha.schema):
        (reading,) = MeterReading.objects.filter(house=metered)
        assert (reading.pk, reading.value, reading.read_on, reading.reader) == (
            result.reading.pk, Decimal("1020"), dt.date(2027, 3, 16), "王师傅")
        correction = AuditLog.objects.get(action="meter_reading.correct")
        assert (correction.actor_name, correction.detail["previous_value"], correction.detail["value"]) == (
            alpha.admin, "1040.000", "1020")
