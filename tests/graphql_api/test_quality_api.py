"""The quality API as the console uses it: an admin copies a city template into a rule (bad bands and overlaps
answer typed payload errors), the technician records inspections of an assigned temperature report, finance
sees the compensation waiting, approves it, and the settings are read and saved; who may call what."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from apps.billing.models import Bill
from apps.billing.services import bill_issue
from tests.factories.properties import HouseFactory
from tests.factories.quality import crew, temperature_ticket
from tests.factories.tariffs import tianjin_season

pytestmark = pytest.mark.django_db

SAVE_RULE = """mutation($id: ID, $input: QualityRuleInput!) { saveQualityRule(id: $id, input: $input) {
  rule { id name city effectiveFrom standardTemp bands { to pct } bandEdge feeBase noMeasureFrom }
  errors { field code message } } }"""
RECORD = """mutation($input: InspectionInput!) { recordInspection(input: $input) {
  inspection { id houseTemp standardTemp compliant cause causeText rooms { name area readings temp compliant }
               technician { name } }
  errors { field code } } }"""
COMPENSATIONS = """query($status: CompensationStatus) { compensations(filter: {status: $status}) { totalCount
  items { id amountFen days status statusText explanation lines { temp below pct days amountFen text }
          house { accountNo } season { name } } } }"""
APPROVE = """mutation($id: ID!) { approveCompensation(id: $id, note: "同意") {
  compensation { status creditedFen approvedBy { name } } errors { code } } }"""


def _input(template: dict, **over) -> dict:
    keys = ("name", "city", "standardTemp", "bandEdge", "feeBase", "responseHours", "graceHours", "minPoints",
            "heightM", "procedure", "refundDeadline", "source", "noMeasureFrom", "noMeasureTo")
    data = {k: template[k] for k in keys}
    data["bands"] = template["bands"]
    data["effectiveFrom"] = "2026-10-01"
    return {**data, **over}


TEMPLATE_FIELDS = """{ cityRuleTemplates { name city standardTemp bands { to pct } bandEdge feeBase responseHours
  graceHours minPoints heightM procedure refundDeadline source noMeasureFrom noMeasureTo id effectiveFrom } }"""


def test_the_whole_story_through_the_api(alpha, gql, django_capture_on_commit_callbacks):
    admin = gql.login(alpha.host, alpha.admin)
    templates = gql(alpha.host, TEMPLATE_FIELDS, token=admin)["data"]["cityRuleTemplates"]
    assert {t["city"] for t in templates} == {"北京", "天津", "哈尔滨", "西安", "济南", "临沂"}
    tianjin = next(t for t in templates if t["city"] == "天津")
    assert tianjin["id"] is None and tianjin["effectiveFrom"] is None

    bad = gql(alpha.host, SAVE_RULE, {"input": _input(tianjin, bands=[{"to": "2", "pct": "50"},
                                                                      {"to": None, "pct": "10"}])},
              token=admin)["data"]["saveQualityRule"]
    assert bad["rule"] is None and bad["errors"][0]["code"] == "INVALID_BANDS"
    saved = gql(alpha.host, SAVE_RULE, {"input": _input(tianjin)}, token=admin)["data"]["saveQualityRule"]
    assert saved["errors"] == [] and saved["rule"]["bands"][0] == {"to": "2", "pct": "10"}
    again = gql(alpha.host, SAVE_RULE, {"input": _input(tianjin, effectiveFrom="2027-01-01")},
                token=admin)["data"]["saveQualityRule"]
    assert again["errors"][0]["code"] == "OVERLAPPING_RULE"

    with schema_context(alpha.schema):
        season = tianjin_season()
        people = crew("api")
        house = HouseFactory(building_area=Decimal("100"))
        bill = bill_issue(house=house, season=season.season, plan=season.area)
        ticket = temperature_ticket(house, people, reported_on=dt.date(2026, 11, 20))
    tech = gql.login(alpha.host, "api-tech")
    finance = gql.login(alpha.host, "api-finance")
    first = gql(alpha.host, RECORD, {"input": {
        "ticketId": str(ticket.pk), "measuredAt": "2026-11-20T09:00:00+08:00", "cause": "UTILITY",
        "rooms": [{"name": "主卧", "area": "15.2", "readings": ["16.4", "16.6"]}, {"name": "客厅", "area": "25",
                                                                                 "readings": ["18.4"]}]}},
                token=tech)["data"]["recordInspection"]
    assert first["errors"] == []
    assert first["inspection"]["houseTemp"] == "16.5" and first["inspection"]["compliant"] is False
    assert first["inspection"]["rooms"][0] == {"name": "主卧", "area": "15.20", "readings": ["16.4", "16.6"],
                                               "temp": "16.5", "compliant": False}
    assert first["inspection"]["causeText"] == "供热方原因"
    # an admin lowers the threshold so that finance must approve (the API runs on the real clock: past dates)
    saved = gql(alpha.host, """mutation { saveServiceSettings(input: {approvalThresholdFen: 0}) {
      settings { approvalThresholdFen paidCompensation } errors { code } } }""", token=admin)
    assert saved["data"]["saveServiceSettings"]["settings"] == {"approvalThresholdFen": 0,
                                                                 "paidCompensation": "NEXT_BILL"}
    with django_capture_on_commit_callbacks(execute=True):
        done = gql(alpha.host, RECORD, {"input": {
            "ticketId": str(ticket.pk), "measuredAt": "2026-12-02T09:00:00+08:00", "cause": "NONE",
            "rooms": [{"name": "主卧", "area": "15.2", "readings": ["18.2"]}]}}, token=tech)["data"]["recordInspection"]
    assert done["errors"] == [] and done["inspection"]["compliant"] is True

    page = gql(alpha.host, COMPENSATIONS, {"status": "PENDING_APPROVAL"}, token=finance)["data"]["compensations"]
    assert page["totalCount"] == 1
    comp = page["items"][0]
    # 2400 × 10 % × 12 ÷ 121 = 23.80 元
    assert (comp["amountFen"], comp["days"], comp["statusText"]) == (2380, 12, "待财务审批")
    assert comp["lines"][0]["text"].startswith("室温16.5℃，低于标准1.5℃，12天，退费10%")
    periods = gql(alpha.host, "{ shortfallPeriods { items { status days ticketNo compensation { status } } } }",
                  token=finance)["data"]["shortfallPeriods"]["items"]
    assert periods == [{"status": "CLOSED", "days": 12, "ticketNo": ticket.no,
                        "compensation": {"status": "PENDING_APPROVAL"}}]

    denied = gql(alpha.host, APPROVE, {"id": comp["id"]}, token=tech)
    assert denied["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    with django_capture_on_commit_callbacks(execute=True):
        approved = gql(alpha.host, APPROVE, {"id": comp["id"]}, token=finance)["data"]["approveCompensation"]
    assert approved["errors"] == [] and approved["compensation"]["approvedBy"] == {"name": "api-finance"}
    credited = gql(alpha.host, COMPENSATIONS, {"status": "CREDITED"}, token=finance)["data"]["compensations"]
    assert credited["totalCount"] == 1
    with schema_context(alpha.schema):
        assert Bill.objects.get(pk=bill.pk).principal_fen == 240000 - 2380
    again = gql(alpha.host, APPROVE, {"id": comp["id"]}, token=finance)["data"]["approveCompensation"]
    assert again["errors"] == [{"code": "NOT_ALLOWED_IN_STATE"}]


def test_inspection_errors_are_typed_payload_errors(alpha, gql):
    with schema_context(alpha.schema):
        from tests.factories.quality import rule

        tianjin_season()
        rule("harbin")
        people = crew("err")
        ticket = temperature_ticket(HouseFactory(), people, reported_on=dt.date(2026, 12, 1))
    tech = gql.login(alpha.host, "err-tech")
    out = gql(alpha.host, RECORD, {"input": {
        "ticketId": str(ticket.pk), "measuredAt": "2026-12-01T11:00:00+08:00", "cause": "UTILITY",
        "rooms": [{"name": "客厅", "area": "20", "readings": ["16.0"]}]}}, token=tech)["data"]["recordInspection"]
    assert out == {"inspection": None, "errors": [{"field": "measuredAt", "code": "MEASUREMENT_WINDOW"}]}
    other = gql.login(alpha.host, alpha.admin)
    assert other  # an admin may record on any ticket; a collector may not call it at all
    collector = gql.login(alpha.host, "err-collector")
    denied = gql(alpha.host, RECORD, {"input": {"ticketId": str(ticket.pk), "measuredAt": "2026-12-01T09:00:00+08:00",
                                                "cause": "UTILITY", "rooms": []}}, token=collector)
    assert denied["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


PERIODS = """query($limit: Int) { shortfallPeriods(limit: $limit) { totalCount items { id startedOn endedOn days
  ticketNo house { accountNo address } compensation { id amountFen status house { address } season { name }
  approvedBy { name } } } } }"""
COMPENSATION_PAGE = """query($limit: Int) { compensations(limit: $limit) { totalCount items { id amountFen
  house { accountNo address } season { name } approvedBy { name } } } }"""


def test_period_and_compensation_pages_cost_the_same_whatever_their_size(
        alpha, gql, django_capture_on_commit_callbacks):
    from tests.factories.quality import cold_spell
    from tests.queries import assert_same_queries

    with schema_context(alpha.schema), django_capture_on_commit_callbacks(execute=True):
        season = tianjin_season()
        people = crew()
        for _ in range(5):
            cold_spell(season, people=people)
    token = gql.login(alpha.host, alpha.admin)

    def page(query, name, limit):
        return lambda: gql(alpha.host, query, {"limit": limit}, token=token)["data"][name]

    one, five = assert_same_queries(page(PERIODS, "shortfallPeriods", 1), page(PERIODS, "shortfallPeriods", 5))
    assert (len(one["items"]), len(five["items"])) == (1, 5)
    assert all(item["compensation"]["status"] == "CREDITED" and item["compensation"]["house"]["address"]
               for item in five["items"])
    one, five = assert_same_queries(page(COMPENSATION_PAGE, "compensations", 1),
                                    page(COMPENSATION_PAGE, "compensations", 5))
    assert (len(one["items"]), len(five["items"])) == (1, 5)
