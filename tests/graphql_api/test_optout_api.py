"""报停 / 恢复供暖 through GraphQL: a resident's options, applying and withdrawing for their own houses only (another
resident's house, another company's), and staff filing, reviewing and sealing by role."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.properties.models import HouseBinding
from apps.services.models import OptOutApplication
from tests.factories.properties import HouseFactory
from tests.factories.tariffs import SeasonFactory, TariffPlanFactory

APP_FIELDS = """id no kind status statusText house { id accountNo address } season { id name heatingStart }
  applicantName contactPhone reason effectiveDate reviewNote sealNo submittedAt adjustmentFen residentActions"""
OPTIONS = """query($h: ID!) { optOutOptions(houseId: $h) { houseId heatingStatus canResume
  options { season { id name } deadline canApply reason reasonCode basicFeePct } resumeSeasons { id } } }"""
MINE = f"query {{ myOptOutApplications {{ {APP_FIELDS} }} }}"
APPLY = f"""mutation($i: OptOutInput!) {{ applyOptOut(input: $i) {{ application {{ {APP_FIELDS} }}
  errors {{ field code message }} }} }}"""
CANCEL = "mutation($id: ID!) { cancelOptOut(id: $id) { application { id status } errors { field code } } }"
LIST = """query($f: OptOutFilter) { optOutApplications(filter: $f) { totalCount items { id no status kind
  house { accountNo } } } }"""
CREATE = """mutation($i: OptOutInput!) { createOptOutApplication(input: $i) { application { id status }
  errors { field code } } }"""
REVIEW = """mutation($id: ID!, $a: Boolean!, $n: String) { reviewOptOut(id: $id, approve: $a, note: $n) {
  application { id status reviewNote } errors { field code } } }"""
SEAL = """mutation($id: ID!, $s: String!) { recordSeal(id: $id, sealNo: $s) { application { id status sealNo }
  errors { field code } } }"""


@pytest.fixture
def setup(alpha, make_resident):
    """A season starting in 60 days (deadline in 30) with a 30 % basic share, and a resident with a house."""
    resident, token = make_resident(alpha, "o-optout")
    today = timezone.localdate()
    with schema_context(alpha.schema):
        season = SeasonFactory(name="next", heating_start=today + dt.timedelta(days=60))
        TariffPlanFactory(season=season, opted_out_basic_pct=Decimal("30"))
        house = HouseFactory(account_no="OPT-1")
        HouseBinding.objects.create(house=house, resident=resident)
    return {"season": str(season.pk), "house": str(house.pk), "token": token, "resident": resident,
            "deadline": (today + dt.timedelta(days=30)).isoformat()}


def _input(setup, **over):
    return {"houseId": setup["house"], "seasonId": setup["season"], "kind": "OPT_OUT", "reason": "外出过冬",
            "applicantName": "王建国", "contactPhone": "13900000000", **over}


def test_a_resident_sees_options_applies_and_withdraws(gql, alpha, setup):
    host, token = alpha.host, setup["token"]
    data = gql(host, OPTIONS, {"h": setup["house"]}, token=token)["data"]["optOutOptions"]
    assert data["heatingStatus"] == "normal" and data["canResume"] is False
    assert data["options"] == [{"season": {"id": setup["season"], "name": "next"}, "deadline": setup["deadline"],
                                "canApply": True, "reason": "", "reasonCode": None, "basicFeePct": "30.00"}]
    payload = gql(host, APPLY, {"i": _input(setup)}, token=token)["data"]["applyOptOut"]
    assert payload["errors"] == []
    app = payload["application"]
    assert (app["status"], app["statusText"], app["kind"], app["residentActions"]) == (
        "SUBMITTED", "待审核", "OPT_OUT", ["CANCEL"])
    assert app["house"]["accountNo"] == "OPT-1" and app["contactPhone"] == "13900000000"
    again = gql(host, APPLY, {"i": _input(setup)}, token=token)["data"]["applyOptOut"]
    assert again["application"] is None and again["errors"][0]["code"] == "ALREADY_APPLIED"
    options = gql(host, OPTIONS, {"h": setup["house"]}, token=token)["data"]["optOutOptions"]["options"]
    assert (options[0]["canApply"], options[0]["reasonCode"]) == (False, "ALREADY_APPLIED")
    assert [a["id"] for a in gql(host, MINE, token=token)["data"]["myOptOutApplications"]] == [app["id"]]
    cancelled = gql(host, CANCEL, {"id": app["id"]}, token=token)["data"]["cancelOptOut"]
    assert cancelled == {"application": {"id": app["id"], "status": "CANCELLED"}, "errors": []}


def test_input_errors_are_typed(gql, alpha, setup):
    payload = gql(alpha.host, APPLY, {"i": _input(setup, reason=" ")}, token=setup["token"])["data"]["applyOptOut"]
    assert payload["errors"] == [{"field": "reason", "code": "REQUIRED", "message": payload["errors"][0]["message"]}]
    payload = gql(alpha.host, APPLY, {"i": _input(setup, seasonId="abc")}, token=setup["token"])["data"]["applyOptOut"]
    assert [e["code"] for e in payload["errors"]] == ["NO_SEASON"]


def test_another_residents_house_and_application_are_not_found(gql, alpha, setup, make_resident):
    _intruder, token = make_resident(alpha, "o-intruder")
    assert gql(alpha.host, OPTIONS, {"h": setup["house"]}, token=token)["data"]["optOutOptions"] is None
    payload = gql(alpha.host, APPLY, {"i": _input(setup)}, token=token)["data"]["applyOptOut"]
    assert [e["code"] for e in payload["errors"]] == ["NOT_BOUND"]
    app = gql(alpha.host, APPLY, {"i": _input(setup)}, token=setup["token"])["data"]["applyOptOut"]["application"]
    payload = gql(alpha.host, CANCEL, {"id": app["id"]}, token=token)["data"]["cancelOptOut"]
    assert [e["code"] for e in payload["errors"]] == ["NOT_FOUND"]
    assert gql(alpha.host, MINE, token=token)["data"]["myOptOutApplications"] == []


def test_another_companys_house_is_not_found(gql, alpha, beta, setup, make_resident):
    _stranger, token = make_resident(beta, "o-beta")
    with schema_context(beta.schema):
        SeasonFactory(name="next", heating_start=timezone.localdate() + dt.timedelta(days=60))
    assert gql(beta.host, OPTIONS, {"h": setup["house"]}, token=token)["data"]["optOutOptions"] is None
    payload = gql(beta.host, APPLY, {"i": _input(setup)}, token=token)["data"]["applyOptOut"]
    assert [e["code"] for e in payload["errors"]] == ["NOT_BOUND"]
    # An alpha resident's token is not valid at beta.
    result = gql(beta.host, MINE, token=setup["token"])
    assert result["errors"][0]["extensions"]["code"] in ("UNAUTHENTICATED", "PERMISSION_DENIED")


def test_staff_file_review_and_seal_by_role(gql, alpha, setup, make_staff, django_capture_on_commit_callbacks):
    host = alpha.host
    collector, technician, finance = (make_staff(alpha, r) for r in ("collector", "technician", "finance"))
    created = gql(host, CREATE, {"i": _input(setup)}, token=collector)["data"]["createOptOutApplication"]
    assert created["errors"] == [] and created["application"]["status"] == "SUBMITTED"
    app_id = created["application"]["id"]
    # Finance and technicians may list but not review; residents may not list.
    for token in (finance, technician):
        result = gql(host, REVIEW, {"id": app_id, "a": True}, token=token)
        assert result["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
        page = gql(host, LIST, {"f": {"status": "SUBMITTED"}}, token=token)["data"]["optOutApplications"]
        assert page["totalCount"] == 1 and page["items"][0]["house"] == {"accountNo": "OPT-1"}
    assert gql(host, LIST, token=setup["token"])["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    # The collector cannot seal; the technician can once approved.
    result = gql(host, SEAL, {"id": app_id, "s": "F-1"}, token=collector)
    assert result["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    early = gql(host, SEAL, {"id": app_id, "s": "F-1"}, token=technician)["data"]["recordSeal"]
    assert [e["code"] for e in early["errors"]] == ["NOT_ALLOWED_IN_STATE"]
    reviewed = gql(host, REVIEW, {"id": app_id, "a": True, "n": "同意"}, token=collector)["data"]["reviewOptOut"]
    assert reviewed["application"] == {"id": app_id, "status": "APPROVED", "reviewNote": "同意"}
    done = gql(host, SEAL, {"id": app_id, "s": "F-1"}, token=technician)["data"]["recordSeal"]
    assert done == {"application": {"id": app_id, "status": "SEALED", "sealNo": "F-1"}, "errors": []}
    # Search by 户号 and by number; filter by kind.
    with schema_context(alpha.schema):
        no = OptOutApplication.objects.get(pk=app_id).no
    for f in ({"search": "OPT-1"}, {"search": no}, {"kind": "OPT_OUT", "seasonId": setup["season"]}):
        assert gql(host, LIST, {"f": f}, token=finance)["data"]["optOutApplications"]["totalCount"] == 1, f
    assert gql(host, LIST, {"f": {"kind": "RESUME"}}, token=finance)["data"]["optOutApplications"]["totalCount"] == 0
    # The resident sees the staff-filed application for their house, without a cancel action once sealed.
    mine = gql(host, MINE, token=setup["token"])["data"]["myOptOutApplications"]
    assert [(a["id"], a["status"], a["residentActions"]) for a in mine] == [(app_id, "SEALED", [])]


def test_reject_needs_a_note(gql, alpha, setup, make_staff):
    admin = make_staff(alpha, "tenant_admin")
    app = gql(alpha.host, APPLY, {"i": _input(setup)}, token=setup["token"])["data"]["applyOptOut"]["application"]
    payload = gql(alpha.host, REVIEW, {"id": app["id"], "a": False}, token=admin)["data"]["reviewOptOut"]
    assert payload["errors"] == [{"field": "note", "code": "REQUIRED"}]
    rejected = gql(alpha.host, REVIEW, {"id": app["id"], "a": False, "n": "材料不全"}, token=admin)
    assert rejected["data"]["reviewOptOut"]["application"]["status"] == "REJECTED"


PRIVATE = """query { optOutApplications { items { id contactPhone photos { id } } } }"""


def test_phone_and_proof_of_ownership_are_shown_only_to_who_needs_them(gql, alpha, setup, make_staff):
    from apps.services.models import Photo

    app = gql(alpha.host, APPLY, {"i": _input(setup)}, token=setup["token"])["data"]["applyOptOut"]["application"]
    with schema_context(alpha.schema):
        application = OptOutApplication.objects.get(pk=app["id"])
        photos = {purpose: str(Photo.objects.create(
            purpose=purpose, path=f"services/photos/{purpose}.jpg", content_type="image/jpeg", size=1, width=1,
            height=1, sha256="0" * 64, application=application).pk) for purpose in ("ownership", "seal")}
    both, seal_only = sorted(photos.values()), [photos["seal"]]
    seen = {}
    for role in ("tenant_admin", "collector", "technician", "finance"):
        item, = gql(alpha.host, PRIVATE, token=make_staff(alpha, role))["data"]["optOutApplications"]["items"]
        seen[role] = (item["contactPhone"], sorted(p["id"] for p in item["photos"]))
    assert seen == {"tenant_admin": ("13900000000", both), "collector": ("13900000000", both),
                    "technician": ("139****0000", seal_only), "finance": ("139****0000", seal_only)}
    mine, = gql(alpha.host, "query { myOptOutApplications { contactPhone photos { id } } }",
                token=setup["token"])["data"]["myOptOutApplications"]
    assert (mine["contactPhone"], sorted(p["id"] for p in mine["photos"])) == ("13900000000", both)
