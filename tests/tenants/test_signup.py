"""Self-onboarding resists abuse: the contact phone is proved by an SMS code
before anything is claimed, sign-ups and codes are limited per client IP and
per phone, and an empty spare pool queues the sign-up for a worker instead of
migrating in the request (the client polls signupStatus)."""

import datetime as dt
import logging

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.dispatch import receiver
from django.utils import timezone
from django_tenants.utils import schema_context, schema_exists

from apps.accounts.models import User
from apps.residents.sms.sandbox import outbox, outbox_clear
from tenants.models import HeatingCompany, Signup, SignupCode, SpareSchema
from tenants.services import tenant_register
from tenants.signals import Registration, tenant_provisioned
from tenants.signup import signup_provision
from tests.factories.signup import PHONE, REGISTER, REQUEST_CODE, STATUS, register, request_code, signup_input

PASSWORD = "Warm-winter-2026"
REQUEST_CODE_RETRY = "mutation($p:String!){requestSignupCode(phone:$p){errors{field code message retryAfter}}}"


def _codes(result) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in result["errors"]]


def _nothing_claimed(spares_before: int) -> None:
    connection.set_schema_to_public()
    assert not HeatingCompany.objects.filter(slug="hebei-heat").exists()
    assert not schema_exists("t_hebei_heat")
    assert not Signup.objects.exists()
    assert SpareSchema.objects.count() == spares_before


def _set(settings, **over):
    settings.SIGNUP = {**settings.SIGNUP, **over}


@pytest.fixture(autouse=True)
def _empty_outbox():
    outbox_clear()
    yield
    outbox_clear()


# --- the phone's code ------------------------------------------------------------------------------

def test_the_code_is_texted_and_only_its_hash_is_stored(gql, caplog):
    caplog.set_level(logging.INFO)
    result = gql("localhost", REQUEST_CODE, {"p": "+86 139-1234-5678"})["data"]["requestSignupCode"]
    assert result["errors"] == [] and result["phoneMasked"] == "139****5678"
    assert 295 <= result["expiresIn"] <= 300 and 55 <= result["resendIn"] <= 60
    (sms,) = outbox()
    assert sms.phone == PHONE and f"您的验证码为{sms.params['code']}" in sms.text
    row = SignupCode.objects.get()
    stored = " ".join(str(v) for v in row.__dict__.values())
    assert sms.params["code"] not in row.code_hash and PHONE not in stored
    assert PHONE not in caplog.text  # the sandbox prints the text with the phone masked
    assert "139****5678" in caplog.text


@pytest.mark.parametrize("code", ["", "12345", "abcdef"])
def test_register_without_a_proper_code_claims_nothing(gql, code):
    spares = SpareSchema.objects.count()
    request_code(gql)
    result = gql("localhost", REGISTER, {"input": signup_input(smsCode=code)})["data"]["registerTenant"]
    assert _codes(result) == [("smsCode", "SMS_CODE_INVALID")] and result["tenant"] is None
    _nothing_claimed(spares)


def test_register_before_any_code_was_requested_claims_nothing(gql):
    spares = SpareSchema.objects.count()
    result = gql("localhost", REGISTER, {"input": signup_input(smsCode="123456")})["data"]["registerTenant"]
    assert _codes(result) == [("smsCode", "SMS_CODE_INVALID")]
    _nothing_claimed(spares)


def test_a_wrong_code_claims_nothing_and_uses_up_the_code_after_five_tries(gql, settings):
    _set(settings, MAX_PER_PHONE=10)  # the code's own allowance is what this test is about
    spares = SpareSchema.objects.count()
    code = request_code(gql)
    wrong = f"{(int(code) + 1) % 10 ** 6:06d}"
    for left in (4, 3, 2, 1):
        result = gql("localhost", REGISTER, {"input": signup_input(smsCode=wrong)})["data"]["registerTenant"]
        assert _codes(result) == [("smsCode", "SMS_CODE_INVALID")]
        assert f"还可尝试 {left} 次" in result["errors"][0]["message"]
    result = gql("localhost", REGISTER, {"input": signup_input(smsCode=wrong)})["data"]["registerTenant"]
    assert _codes(result) == [("smsCode", "SMS_CODE_ATTEMPTS_EXCEEDED")]
    # the right code no longer helps: a new one must be requested
    result = gql("localhost", REGISTER, {"input": signup_input(smsCode=code)})["data"]["registerTenant"]
    assert _codes(result) == [("smsCode", "SMS_CODE_ATTEMPTS_EXCEEDED")]
    _nothing_claimed(spares)


def test_an_expired_code_claims_nothing(gql):
    spares = SpareSchema.objects.count()
    code = request_code(gql)
    SignupCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    result = gql("localhost", REGISTER, {"input": signup_input(smsCode=code)})["data"]["registerTenant"]
    assert _codes(result) == [("smsCode", "SMS_CODE_EXPIRED")]
    _nothing_claimed(spares)


def test_a_used_code_cannot_sign_up_a_second_company(gql):
    code = request_code(gql)
    assert gql("localhost", REGISTER, {"input": signup_input(smsCode=code)})["data"]["registerTenant"]["errors"] == []
    spares = SpareSchema.objects.count()
    again = gql("localhost", REGISTER,
                {"input": signup_input(smsCode=code, slug="second-heat")})["data"]["registerTenant"]
    assert _codes(again) == [("smsCode", "SMS_CODE_INVALID")]
    assert not HeatingCompany.objects.filter(slug="second-heat").exists()
    assert SpareSchema.objects.count() == spares


def test_a_code_proves_only_its_own_phone_and_a_new_code_replaces_the_old(gql, settings):
    settings.SMS_CODE = {**settings.SMS_CODE, "RESEND_SECONDS": 0}
    spares = SpareSchema.objects.count()
    other = request_code(gql, "13700000001")
    result = gql("localhost", REGISTER, {"input": signup_input(smsCode=other)})["data"]["registerTenant"]
    assert _codes(result) == [("smsCode", "SMS_CODE_INVALID")]
    old = request_code(gql)
    new = request_code(gql)
    if old != new:  # one in a million they coincide
        result = gql("localhost", REGISTER, {"input": signup_input(smsCode=old)})["data"]["registerTenant"]
        assert _codes(result) == [("smsCode", "SMS_CODE_INVALID")]
    _nothing_claimed(spares)
    assert gql("localhost", REGISTER, {"input": signup_input(smsCode=new)})["data"]["registerTenant"]["errors"] == []


def test_codes_are_sent_at_most_once_per_resend_interval(gql):
    request_code(gql)
    result = gql("localhost", REQUEST_CODE_RETRY, {"p": PHONE})["data"]["requestSignupCode"]
    assert _codes(result) == [("phone", "SMS_RATE_LIMITED")]
    assert 50 < result["errors"][0]["retryAfter"] <= 60
    assert len(outbox()) == 1


def test_codes_are_limited_per_phone_and_per_ip(gql, settings):
    settings.SMS_CODE = {**settings.SMS_CODE, "RESEND_SECONDS": 0}
    _set(settings, CODE_MAX_PER_PHONE=2, CODE_MAX_PER_IP=3)
    for ip in ("10.1.0.1", "10.1.0.2"):
        request_code(gql, ip=ip)
    refused = gql("localhost", REQUEST_CODE_RETRY, {"p": PHONE}, ip="10.1.0.3")["data"]["requestSignupCode"]
    assert _codes(refused) == [(None, "TOO_MANY_ATTEMPTS")] and "后再试" in refused["errors"][0]["message"]
    assert 3500 < refused["errors"][0]["retryAfter"] <= 3600
    # one IP asking for many phones
    for i in range(3):
        request_code(gql, f"1370000000{i}", ip="10.2.0.1")
    refused = gql("localhost", REQUEST_CODE, {"p": "13700000009"}, ip="10.2.0.1")["data"]["requestSignupCode"]
    assert _codes(refused) == [(None, "TOO_MANY_ATTEMPTS")]
    assert len(SignupCode.objects.all()) == 5


def test_a_landline_gets_no_code(gql):
    result = gql("localhost", REQUEST_CODE, {"p": "010-12345678"})["data"]["requestSignupCode"]
    assert _codes(result) == [("phone", "INVALID_PHONE")]
    assert not outbox()


# --- limits on registerTenant ----------------------------------------------------------------------

def test_sign_ups_are_limited_per_client_ip(gql, settings):
    _set(settings, MAX_PER_IP=3)
    for _i in range(3):  # refused input counts too: each call is work for the server
        result = gql("localhost", REGISTER, {"input": signup_input(slug="www")},
                     ip="10.3.0.1")["data"]["registerTenant"]
        assert _codes(result) == [("slug", "RESERVED_SLUG")]
    code = request_code(gql, ip="10.3.0.1")
    spares = SpareSchema.objects.count()
    result = gql("localhost", REGISTER, {"input": signup_input(smsCode=code)}, ip="10.3.0.1")["data"]["registerTenant"]
    assert _codes(result) == [(None, "TOO_MANY_ATTEMPTS")]
    _nothing_claimed(spares)
    assert register(gql, ip="10.3.0.2", smsCode=code)["errors"] == []  # the same code, from elsewhere


def test_sign_ups_are_limited_per_phone(gql, settings):
    _set(settings, MAX_PER_PHONE=2)
    code = request_code(gql)
    wrong = f"{(int(code) + 1) % 10 ** 6:06d}"
    for i in range(2):
        result = gql("localhost", REGISTER, {"input": signup_input(smsCode=wrong)}, ip=f"10.4.0.{i}")
        assert _codes(result["data"]["registerTenant"]) == [("smsCode", "SMS_CODE_INVALID")]
    result = gql("localhost", REGISTER, {"input": signup_input(smsCode=code)}, ip="10.4.0.9")["data"]["registerTenant"]
    assert _codes(result) == [("contactPhone", "TOO_MANY_ATTEMPTS")]
    assert not HeatingCompany.objects.filter(slug="hebei-heat").exists()
    # another phone is unaffected
    assert register(gql, ip="10.4.0.9", contactPhone="13700000002")["errors"] == []


# --- an empty pool: queued, polled, provisioned by the worker -------------------------------------

@pytest.fixture
def empty_pool(db, settings):
    settings.SPARE_SCHEMA_POOL_SIZE = 0  # the after-commit refill makes nothing here
    SpareSchema.objects.all().delete()  # rows only; the schemas stay (rolled back after the test)


def test_an_empty_pool_answers_provisioning_at_once_and_the_worker_makes_the_company(
        gql, client, empty_pool, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        data = register(gql)
        assert (data["status"], data["tenant"], data["errors"]) == ("PROVISIONING", None, [])
        token = data["signupToken"]
        # nothing was migrated in the request: no company, no schema, no domain yet
        assert not schema_exists("t_hebei_heat") and not HeatingCompany.objects.filter(slug="hebei-heat").exists()
        assert gql("localhost", STATUS, {"t": token})["data"]["signupStatus"] == {"status": "PROVISIONING",
                                                                                    "tenant": None}
        resp = client.post("/graphql/", data='{"query": "{ me { username } }"}', content_type="application/json",
                           HTTP_HOST="hebei-heat.localhost")
        assert resp.status_code == 404  # not usable until provisioned
        # the slug is held meanwhile, and the first admin's password is held only as a hash
        taken = register(gql, contactPhone="13700000003")
        assert _codes(taken) == [("slug", "DUPLICATE_SLUG")]
        signup = Signup.objects.get()
        assert signup.admin_password_hash.startswith("argon2$")
        with connection.cursor() as cur:
            cur.execute("SELECT * FROM tenants_signup")
            assert PASSWORD not in repr(cur.fetchall())
    # the worker ran (eagerly, once the request's transaction committed): the company exists and works
    assert gql("localhost", STATUS, {"t": token})["data"]["signupStatus"] == {
        "status": "READY", "tenant": {"slug": "hebei-heat", "domain": "hebei-heat.localhost", "status": "ACTIVE"}}
    signup.refresh_from_db()
    assert (signup.status, signup.admin_password_hash, signup.contact_phone) == ("ready", "", "")
    with schema_context("t_hebei_heat"):
        assert User.objects.get().username == "boss"
    login = gql.login("hebei-heat.localhost", "boss", PASSWORD)
    assert gql("hebei-heat.localhost", "{ me { username } }", token=login)["data"]["me"] == {"username": "boss"}


def test_the_worker_is_idempotent(gql, empty_pool, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        register(gql)
    signup = Signup.objects.get()
    assert signup_provision(signup_id=signup.pk) == "ready"  # a redelivered task changes nothing
    assert HeatingCompany.objects.filter(slug="hebei-heat").count() == 1


def test_sign_ups_waiting_for_a_schema_are_capped(gql, settings, empty_pool):
    _set(settings, MAX_PROVISIONING=1)
    assert register(gql)["status"] == "PROVISIONING"  # (not provisioned: no on-commit in this test)
    code = request_code(gql, "13700000004")
    result = gql("localhost", REGISTER, {"input": signup_input(slug="other-heat", contactPhone="13700000004",
                                                         smsCode=code)})["data"]["registerTenant"]
    assert _codes(result) == [(None, "PROVISIONING_BUSY")]
    assert Signup.objects.count() == 1
    assert SignupCode.objects.get(status="live")  # the refused sign-up did not use up its code


def test_an_unknown_token_shows_nothing(gql):
    assert gql("localhost", STATUS, {"t": "not-a-token"})["data"]["signupStatus"] is None


def test_a_failing_provisioning_is_reported_failed_and_frees_the_slug(
        gql, empty_pool, django_capture_on_commit_callbacks):
    @receiver(tenant_provisioned, dispatch_uid="test.signup.boom")
    def boom(sender, tenant, registration, **kw):
        raise RuntimeError("provisioning failed")

    try:
        with django_capture_on_commit_callbacks(execute=True):
            token = register(gql)["signupToken"]
    finally:
        tenant_provisioned.disconnect(dispatch_uid="test.signup.boom")
    assert gql("localhost", STATUS, {"t": token})["data"]["signupStatus"] == {"status": "FAILED", "tenant": None}
    signup = Signup.objects.get()
    assert signup.admin_password_hash == "" and signup.error == "RuntimeError"
    assert not HeatingCompany.objects.filter(slug="hebei-heat").exists()
    tenant_register(registration=Registration(company_name="河北热力", slug="hebei-heat", contact_name="李四",
                                              contact_phone=PHONE, admin_username="boss", admin_password=PASSWORD))


def test_operators_cannot_take_a_slug_a_sign_up_is_waiting_for(gql, empty_pool):
    register(gql)
    with pytest.raises(ValidationError) as exc:
        tenant_register(registration=Registration(company_name="抢注", slug="hebei-heat", contact_name="x",
                                                  contact_phone=PHONE, admin_username="a", admin_password=PASSWORD))
    assert [e.code for e in exc.value.error_dict["slug"]] == ["DUPLICATE_SLUG"]


def test_a_sign_up_whose_task_was_lost_is_queued_again(gql, empty_pool):
    """Beat re-queues sign-ups still waiting after 10 minutes; fresh ones are left to their own task."""
    from tenants.tasks import requeue_stuck_signups

    token = register(gql)["signupToken"]  # its after-commit task never runs here: as if lost
    assert requeue_stuck_signups() == 0
    Signup.objects.update(created_at=timezone.now() - dt.timedelta(minutes=11))
    assert requeue_stuck_signups.apply().get() == 1  # eager: provisions it right away
    assert gql("localhost", STATUS, {"t": token})["data"]["signupStatus"]["status"] == "READY"
    assert requeue_stuck_signups() == 0
