import pytest
from django.test import override_settings
from django_tenants.utils import schema_context

from apps.audit.models import AuditLog
from apps.properties.models import BindingSettings, HouseBinding
from tests.factories.properties import HouseFactory

BIND = """mutation($a: String!, $n: String, $p: String, $r: BindingRole) {
  bindHouse(accountNo: $a, ownerName: $n, phoneLast4: $p, role: $r) {
    house { id accountNo ownerName role } errors { field code message retryAfter }
  }
}"""
MY = "{ myHouses { id accountNo address ownerName role } }"
UNBIND = "mutation($h: ID!) { unbindHouse(houseId: $h) { ok errors { field code } } }"
SETTINGS = "{ houseBindingSettings { phoneLast4Allowed } }"
UPDATE_SETTINGS = """mutation($on: Boolean!) { updateHouseBindingSettings(phoneLast4Allowed: $on) {
  settings { phoneLast4Allowed } errors { field code } } }"""


def _allow_last4(gql, tenant, make_staff, on=True):
    admin = make_staff(tenant, "tenant_admin")
    result = gql(tenant.host, UPDATE_SETTINGS, {"on": on}, token=admin)["data"]["updateHouseBindingSettings"]
    assert result == {"settings": {"phoneLast4Allowed": on}, "errors": []}


def _bind(gql, alpha, token, account_no, name=None, last4=None, role=None, ip="10.1.1.1"):
    return gql(alpha.host, BIND, {"a": account_no, "n": name, "p": last4, "r": role}, token=token,
               ip=ip)["data"]["bindHouse"]


def test_bind_by_owner_name_then_list_and_unbind(gql, alpha, ledger, make_resident):
    resident, token = make_resident(alpha)
    result = _bind(gql, alpha, token, "A0", name="王 建国")  # spaces in names are ignored
    assert result["errors"] == []
    assert result["house"]["ownerName"] == "王**"  # residents see the owner's name masked
    mine = gql(alpha.host, MY, token=token)["data"]["myHouses"]
    assert [(h["accountNo"], h["role"]) for h in mine] == [("A0", "OWNER")]
    # binding twice is idempotent
    assert _bind(gql, alpha, token, "A0", name="王建国")["errors"] == []
    assert gql(alpha.host, UNBIND, {"h": mine[0]["id"]}, token=token)["data"]["unbindHouse"] == {
        "ok": True, "errors": []}
    assert gql(alpha.host, MY, token=token)["data"]["myHouses"] == []
    with schema_context(alpha.schema):
        assert list(AuditLog.objects.order_by("id").values_list("action", "actor_kind", "actor_id")) == [
            ("house.bind", "resident", resident.pk), ("house.unbind", "resident", resident.pk)]


def test_bind_by_phone_last4_once_the_company_allows_it(gql, alpha, ledger, make_resident, make_staff):
    _resident, token = make_resident(alpha)
    _allow_last4(gql, alpha, make_staff)
    last4 = ledger[3].owner_phone[-4:]
    result = _bind(gql, alpha, token, "B0", last4=last4, role="FAMILY")
    assert result["errors"] == [] and result["house"]["role"] == "FAMILY"


def test_phone_last4_is_off_by_default_and_refused_even_when_right(gql, alpha, ledger, make_resident):
    _resident, token = make_resident(alpha)
    assert gql(alpha.host, SETTINGS)["data"]["houseBindingSettings"] == {"phoneLast4Allowed": False}
    right = _bind(gql, alpha, token, "B0", last4=ledger[3].owner_phone[-4:])
    wrong = _bind(gql, alpha, token, "NOPE", last4="0000")
    assert right == wrong  # refused before any lookup: says nothing about the house
    assert [(e["field"], e["code"]) for e in right["errors"]] == [("phoneLast4", "PROOF_NOT_ALLOWED")]
    with schema_context(alpha.schema):
        assert not HouseBinding.objects.exists()
        assert not AuditLog.objects.filter(action="house.bind_failed").exists()
    # a refused proof is no guess: the name still works, with the full allowance left
    for i in range(4):
        _bind(gql, alpha, token, f"X{i}", name="x")
    assert _bind(gql, alpha, token, "B0", name="李四")["errors"] == []


def test_the_admin_switches_the_setting_audited_and_only_for_their_company(
        gql, alpha, beta, ledger, make_resident, make_staff):
    _allow_last4(gql, alpha, make_staff)
    assert gql(alpha.host, SETTINGS)["data"]["houseBindingSettings"] == {"phoneLast4Allowed": True}
    assert gql(beta.host, SETTINGS)["data"]["houseBindingSettings"] == {"phoneLast4Allowed": False}
    with schema_context(beta.schema):
        assert not BindingSettings.objects.exists()
        HouseFactory(account_no="A0", owner_phone="13912345678")
    _r, beta_token = make_resident(beta, "o-beta")
    refused = _bind(gql, beta, beta_token, "A0", last4="5678")
    assert refused["errors"][0]["code"] == "PROOF_NOT_ALLOWED"
    # and back off in alpha; saving the same value twice writes one audit row per change
    _allow_last4(gql, alpha, make_staff, on=False)
    _allow_last4(gql, alpha, make_staff, on=False)
    with schema_context(alpha.schema):
        changes = list(AuditLog.objects.filter(action="binding_settings.update").order_by("id")
                       .values_list("actor_kind", "detail"))
    assert changes == [("staff", {"allow_phone_last4": {"from": False, "to": True}}),
                       ("staff", {"allow_phone_last4": {"from": True, "to": False}})]
    _r2, alpha_token = make_resident(alpha, "o-alpha-2")
    assert _bind(gql, alpha, alpha_token, "B0", last4=ledger[3].owner_phone[-4:])["errors"][0]["code"] == \
        "PROOF_NOT_ALLOWED"


@pytest.mark.parametrize("role", ["collector", "technician", "finance"])
def test_only_the_admin_changes_the_setting(gql, alpha, make_staff, role):
    result = gql(alpha.host, UPDATE_SETTINGS, {"on": True}, token=make_staff(alpha, role))
    assert result["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert gql(alpha.host, SETTINGS)["data"]["houseBindingSettings"] == {"phoneLast4Allowed": False}


def test_wrong_account_and_wrong_name_are_indistinguishable(gql, alpha, ledger, make_resident, make_staff):
    _allow_last4(gql, alpha, make_staff)
    _resident, token = make_resident(alpha)
    unknown = _bind(gql, alpha, token, "NOPE-1", name="王建国")
    wrong_name = _bind(gql, alpha, token, "A0", name="张三")
    wrong_digits = _bind(gql, alpha, token, "A0", last4="0000")
    no_proof = _bind(gql, alpha, token, "A0")
    assert unknown == wrong_name == wrong_digits == no_proof
    assert unknown["errors"][0]["code"] == "BINDING_FAILED"
    with schema_context(alpha.schema):
        assert not HouseBinding.objects.exists()
        assert AuditLog.objects.filter(action="house.bind_failed").count() == 4


def test_failures_are_throttled_per_resident(gql, alpha, ledger, make_resident):
    _r1, token = make_resident(alpha, "o-guesser")
    for i in range(5):
        assert _bind(gql, alpha, token, f"X{i}", name="王建国", ip=f"10.2.0.{i}")["errors"][0]["code"] == \
            "BINDING_FAILED"
    # the right answer is refused while throttled, from any IP
    throttled = _bind(gql, alpha, token, "A0", name="王建国", ip="10.3.0.1")["errors"][0]
    assert throttled["code"] == "TOO_MANY_ATTEMPTS"
    assert "小时后再试" in throttled["message"] or "分钟后再试" in throttled["message"]  # a retry hint
    _r2, other = make_resident(alpha, "o-honest")
    assert _bind(gql, alpha, other, "A0", name="王建国")["errors"] == []


def test_binding_ones_own_house_does_not_reset_the_failure_count(gql, alpha, ledger, make_resident):
    _resident, token = make_resident(alpha, "o-owner-guesser")
    for i in range(3):
        assert _bind(gql, alpha, token, f"Y{i}", name="x")["errors"][0]["code"] == "BINDING_FAILED"
    assert _bind(gql, alpha, token, "A0", name="王建国")["errors"] == []  # own house, between guesses
    for i in range(2):
        assert _bind(gql, alpha, token, f"Z{i}", name="x")["errors"][0]["code"] == "BINDING_FAILED"
    # 5 failures within the hour: the success in between did not reset the count
    assert _bind(gql, alpha, token, "B0", name="李四")["errors"][0]["code"] == "TOO_MANY_ATTEMPTS"


@override_settings(HOUSE_BINDING_CAP=2)
def test_per_house_cap(gql, alpha, ledger, make_resident):
    tokens = [make_resident(alpha, f"o-family-{i}")[1] for i in range(3)]
    assert _bind(gql, alpha, tokens[0], "A0", name="王建国")["errors"] == []
    assert _bind(gql, alpha, tokens[1], "A0", name="王建国", role="FAMILY")["errors"] == []
    assert _bind(gql, alpha, tokens[2], "A0", name="王建国")["errors"][0]["code"] == "HOUSE_FULL"


def test_several_houses_per_resident(gql, alpha, ledger, make_resident):
    _resident, token = make_resident(alpha)
    assert _bind(gql, alpha, token, "A0", name="王建国")["errors"] == []
    assert _bind(gql, alpha, token, "B0", name="李四")["errors"] == []
    assert {h["accountNo"] for h in gql(alpha.host, MY, token=token)["data"]["myHouses"]} == {"A0", "B0"}


def test_staff_cannot_use_resident_operations(gql, alpha, ledger, make_staff):
    token = make_staff(alpha, "tenant_admin")
    assert gql(alpha.host, MY, token=token)["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


@pytest.mark.parametrize("query", [MY, BIND])
def test_resident_token_from_alpha_is_rejected_at_beta(gql, alpha, beta, ledger, make_resident, query):
    _resident, token = make_resident(alpha)
    result = gql(beta.host, query, {"a": "A0", "n": "王建国"}, token=token)
    assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def _limits(settings, **over):
    settings.BINDING_THROTTLE = {**settings.BINDING_THROTTLE, **over}


def test_many_residents_guessing_one_account_number_are_stopped(gql, alpha, ledger, make_resident, settings):
    """A fresh resident (and a fresh IP) every few guesses buys nothing against one 户号."""
    _limits(settings, MAX_PER_ACCOUNT_NO=6)
    for i in range(3):
        _r, token = make_resident(alpha, f"o-sybil-{i}")
        for j in range(2):
            result = _bind(gql, alpha, token, "A0", name=f"猜{i}{j}", ip=f"10.9.{i}.{j}")
            assert result["errors"][0]["code"] == "BINDING_FAILED"
    _r, fresh = make_resident(alpha, "o-sybil-fresh")
    # now even the right name is refused for this 户号, from anyone: no oracle left
    stopped = _bind(gql, alpha, fresh, "A0", name="王建国", ip="10.9.9.9")["errors"][0]
    assert stopped["code"] == "TOO_MANY_ATTEMPTS" and "后再试" in stopped["message"]
    assert 3500 < stopped["retryAfter"] <= 3600  # seconds, for a countdown
    # an unknown 户号 is limited exactly the same way, so the limit reveals nothing
    for i in range(6):
        _r, token = make_resident(alpha, f"o-ghost-{i}")
        assert _bind(gql, alpha, token, "NO-SUCH", name="x", ip=f"10.8.0.{i}")["errors"][0]["code"] == \
            "BINDING_FAILED"
    _r, token = make_resident(alpha, "o-ghost-last")
    assert _bind(gql, alpha, token, "no-such", name="x", ip="10.8.1.1")["errors"][0]["code"] == \
        "TOO_MANY_ATTEMPTS"  # case makes no new target
    # other houses are unaffected
    assert _bind(gql, alpha, fresh, "B0", name="李四", ip="10.9.9.9")["errors"] == []


def test_one_ip_with_many_residents_is_stopped(gql, alpha, ledger, make_resident, settings):
    _limits(settings, MAX_PER_IP=4)
    for i in range(4):
        _r, token = make_resident(alpha, f"o-farm-{i}")
        assert _bind(gql, alpha, token, f"Q{i}", name="x", ip="10.7.7.7")["errors"][0]["code"] == "BINDING_FAILED"
    _r, token = make_resident(alpha, "o-farm-new")
    assert _bind(gql, alpha, token, "A0", name="王建国", ip="10.7.7.7")["errors"][0]["code"] == "TOO_MANY_ATTEMPTS"
    assert _bind(gql, alpha, token, "A0", name="王建国", ip="10.7.7.8")["errors"] == []  # another IP


def test_successful_bindings_do_not_use_up_a_house_allowance(gql, alpha, ledger, make_resident, settings):
    """The family binding one house is no guessing: only failures count per 户号."""
    _limits(settings, MAX_PER_ACCOUNT_NO=2)
    tokens = [make_resident(alpha, f"o-family-{i}")[1] for i in range(5)]
    assert _bind(gql, alpha, tokens[0], "A0", name="王建军")["errors"][0]["code"] == "BINDING_FAILED"
    for token in tokens[:4]:
        assert _bind(gql, alpha, token, "A0", name="王建国", ip="10.6.0.1")["errors"] == []
    assert _bind(gql, alpha, tokens[4], "A0", name="王建军")["errors"][0]["code"] == "BINDING_FAILED"
    assert _bind(gql, alpha, tokens[4], "A0", name="王建国")["errors"][0]["code"] == "TOO_MANY_ATTEMPTS"


def test_a_throttled_attempt_is_not_counted_against_the_other_limits(gql, alpha, ledger, make_resident, settings):
    """A resident over its own limit cannot keep burning a house's allowance (and lock its owner out)."""
    _limits(settings, MAX_PER_RESIDENT=2, MAX_PER_ACCOUNT_NO=3)
    _r, guesser = make_resident(alpha, "o-burner")
    for _ in range(2):
        assert _bind(gql, alpha, guesser, "A0", name="x")["errors"][0]["code"] == "BINDING_FAILED"
    for _ in range(5):
        assert _bind(gql, alpha, guesser, "A0", name="x")["errors"][0]["code"] == "TOO_MANY_ATTEMPTS"
    _r, owner = make_resident(alpha, "o-real-owner")
    assert _bind(gql, alpha, owner, "A0", name="王建国")["errors"] == []
