"""A resident deletes their account: identity erased for good (checked with raw SQL over every text
column of the schema), payments kept under the anonymous resident row, every token dead, and the same
WeChat user signing in again gets a new empty resident. Another company's resident is untouched."""

from __future__ import annotations

from datetime import timedelta

from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.audit.models import AuditLog
from apps.payments.models import PaymentOrder
from apps.properties.models import HouseBinding
from apps.properties.services import house_bind
from apps.residents.models import Resident, SmsCode
from apps.residents.phones import phone_index
from apps.residents.services import _resident_phone_set, sms_code_hash
from heat_platform.pii import mask_phone
from tests.factories.properties import HouseFactory
from tests.factories.residents import resident_token

from .conftest import LOGIN, PROFILE

DELETE = "mutation($c:String!){deleteMyAccount(confirmation:$c){ok errors{field code}}}"
PHONE = "13712345678"
NICK = "微信昵称小王"


def _seed(tenant, openid_name: str) -> dict:
    """A resident who signed in through the sandbox (openid, unionid), set a nickname, bound a phone
    (audited with the masked phone) and a house (audited), asked for an SMS code, and paid online."""
    from apps.residents.providers.sandbox import sandbox_openid, sandbox_unionid
    from tests.apps.residents.conftest import APP_ID

    with schema_context(tenant.schema):
        resident = Resident.objects.create(openid=sandbox_openid(APP_ID, openid_name),
                                           unionid=sandbox_unionid(openid_name), display_name=NICK,
                                           alipay_user_id="2088000011112222")
        _resident_phone_set(resident=resident, phone=PHONE, method="sms", ip="10.0.0.7")
        house = HouseFactory(owner_name="王建国", owner_phone="13900009999")
        house_bind(resident=resident, account_no=house.account_no, owner_name="王建国", ip="10.0.0.7")
        SmsCode.objects.create(resident=resident, phone_index=phone_index(PHONE), code_hash=sms_code_hash(
            salt="s", code="123456"), salt="s", status="used", request_ip="10.0.0.7", provider="sandbox",
            expires_at=timezone.now())
        order = PaymentOrder.objects.create(
            out_trade_no=f"W{openid_name[:8]}0001", channel="wechat", status="paid", amount_fen=120000,
            description="供暖费", resident=resident, payer_id=resident.openid, transaction_id="4200000001",
            paid_at=timezone.now())
    identity = [resident.openid, resident.unionid, NICK, PHONE, "2088000011112222", phone_index(PHONE),
                mask_phone(PHONE)]
    return {"resident": resident, "order": order, "identity": identity}


def _occurrences(schema: str, needles: list[str]) -> list[str]:
    """Every (table.column) of the schema whose text holds one of the needles, read raw."""
    found = []
    with connection.cursor() as cur:
        cur.execute("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = %s "
                    "AND data_type IN ('text', 'character varying', 'jsonb')", [schema])
        for table, column in cur.fetchall():
            for needle in needles:
                cur.execute(f'SELECT count(*) FROM "{schema}"."{table}" WHERE "{column}"::text LIKE %s',
                            [f"%{needle}%"])
                if cur.fetchone()[0]:
                    found.append(f"{table}.{column}:{needle}")
    return found


def test_deleting_my_account_erases_identity_and_keeps_payments(gql, alpha, beta, miniprogram, beta_miniprogram):
    mine, theirs = _seed(alpha, "wang"), _seed(beta, "wang")
    resident = mine["resident"]
    token = resident_token(alpha, resident)
    assert _occurrences(alpha.schema, mine["identity"])  # the scan sees the identity before
    beta_before = _occurrences(beta.schema, theirs["identity"])

    refused = gql(alpha.host, DELETE, {"c": "delete"}, token=token)["data"]["deleteMyAccount"]
    assert refused == {"ok": False, "errors": [{"field": "confirmation", "code": "CONFIRMATION_REQUIRED"}]}
    with schema_context(alpha.schema):
        assert Resident.objects.get(pk=resident.pk).erased_at is None

    done = gql(alpha.host, DELETE, {"c": "注销"}, token=token)["data"]["deleteMyAccount"]
    assert done == {"ok": True, "errors": []}
    assert _occurrences(alpha.schema, mine["identity"]) == []
    with schema_context(alpha.schema):
        erased = Resident.objects.get(pk=resident.pk)
        assert erased.openid.startswith("erased:") and not erased.is_active and erased.erased_at
        assert not HouseBinding.objects.filter(resident=erased).exists()
        assert not SmsCode.objects.filter(resident=erased).exists()
        order = PaymentOrder.objects.get(pk=mine["order"].pk)  # the money stays, linked to the anonymous row
        assert (order.resident_id, order.amount_fen, order.transaction_id, order.payer_id) == \
            (resident.pk, 120000, "4200000001", "")
        row = AuditLog.objects.get(action="resident.erase")
        assert (row.actor_name, row.target_id, row.detail["by"]) == (f"resident#{resident.pk}", resident.pk,
                                                                      "resident")
        assert AuditLog.objects.filter(action="house.bind", actor_id=resident.pk).exists()  # what, not who
    # The old token is dead; the same WeChat user signing in again is a new, empty resident.
    assert gql(alpha.host, PROFILE, token=token)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    again = gql(alpha.host, LOGIN, {"c": "sandbox:wang"})["data"]["wechatLogin"]
    assert again["errors"] == [] and again["resident"]["id"] != str(resident.pk)
    assert again["resident"]["displayName"] in ("", None) and again["resident"]["phoneMasked"] is None
    # The other company's resident with the same WeChat identity is untouched.
    assert _occurrences(beta.schema, theirs["identity"]) == beta_before
    with schema_context(beta.schema):
        other = Resident.objects.get(pk=theirs["resident"].pk)
        assert (other.openid, other.phone, other.display_name, other.is_active, other.erased_at) == \
            (theirs["resident"].openid, PHONE, NICK, True, None)
        assert HouseBinding.objects.filter(resident=other).count() == 1
        assert PaymentOrder.objects.get(pk=theirs["order"].pk).payer_id == other.openid


def test_deletion_waits_for_a_payment_still_under_way(gql, alpha, miniprogram):
    mine = _seed(alpha, "li")
    with schema_context(alpha.schema):
        PaymentOrder.objects.create(out_trade_no="Wli0002", channel="wechat", status="created", amount_fen=100,
                                    description="供暖费", resident=mine["resident"], payer_id="x",
                                    expires_at=timezone.now() + timedelta(minutes=20))
    token = resident_token(alpha, mine["resident"])
    before = _occurrences(alpha.schema, mine["identity"])
    data = gql(alpha.host, DELETE, {"c": "注销"}, token=token)["data"]["deleteMyAccount"]
    assert data == {"ok": False, "errors": [{"field": None, "code": "PAYMENT_PENDING"}]}
    assert _occurrences(alpha.schema, mine["identity"]) == before
    with schema_context(alpha.schema):
        assert Resident.objects.get(pk=mine["resident"].pk).erased_at is None


def test_staff_and_anonymous_callers_cannot_delete_a_resident_account(gql, alpha, make_staff):
    for token, code in ((None, "UNAUTHENTICATED"), (make_staff(alpha, "tenant_admin"), "PERMISSION_DENIED")):
        data = gql(alpha.host, DELETE, {"c": "注销"}, token=token)
        assert data["errors"][0]["extensions"]["code"] == code


def test_the_company_erases_a_resident_who_asked_by_phone(alpha, beta, miniprogram, beta_miniprogram, capsys):
    mine, theirs = _seed(alpha, "zhao"), _seed(beta, "zhao")
    call_command("erase_resident", "alpha", "--phone", PHONE, "--reason", "电话申请 #42")
    assert f"resident#{mine['resident'].pk}" in capsys.readouterr().out
    assert _occurrences(alpha.schema, mine["identity"]) == []
    with schema_context(alpha.schema):
        row = AuditLog.objects.get(action="resident.erase")
        assert (row.actor_kind, row.detail["reason"]) == ("system", "电话申请 #42")
    with schema_context(beta.schema):
        assert Resident.objects.get(pk=theirs["resident"].pk).phone == PHONE
