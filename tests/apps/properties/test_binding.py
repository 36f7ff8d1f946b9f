import pytest
from django.test import override_settings
from django_tenants.utils import schema_context

from apps.audit.models import AuditLog
from apps.properties.models import HouseBinding

BIND = """mutation($a: String!, $n: String, $p: String, $r: BindingRole) {
  bindHouse(accountNo: $a, ownerName: $n, phoneLast4: $p, role: $r) {
    house { id accountNo ownerName role } errors { field code message }
  }
}"""
MY = "{ myHouses { id accountNo address ownerName role } }"
UNBIND = "mutation($h: ID!) { unbindHouse(houseId: $h) { ok errors { field code } } }"


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


def test_bind_by_phone_last4(gql, alpha, ledger, make_resident):
    _resident, token = make_resident(alpha)
    last4 = ledger[3].owner_phone[-4:]
    result = _bind(gql, alpha, token, "B0", last4=last4, role="FAMILY")
    assert result["errors"] == [] and result["house"]["role"] == "FAMILY"


def test_wrong_account_and_wrong_name_are_indistinguishable(gql, alpha, ledger, make_resident):
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
    assert _bind(gql, alpha, token, "A0", name="王建国", ip="10.3.0.1")["errors"][0]["code"] == "TOO_MANY_ATTEMPTS"
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
