"""A console session: changeMyPassword, refreshToken and logout for staff (on
their company's domain) and operators (on the platform domain)."""

import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import RevokedToken, User
from apps.accounts.services import revoked_tokens_purge, session_refresh
from apps.accounts.tokens import token_issue, token_stamp, token_verify
from apps.audit.models import AuditLog
from heat_platform.models import OperatorAuditLog
from tests.factories.tenants import OPERATOR, PASSWORD

ME = "{ me { username } }"
CHANGE = """mutation($o: String!, $n: String!) { changeMyPassword(oldPassword: $o, newPassword: $n) {
  token expiresIn errors { field code retryAfter } } }"""
REFRESH = "mutation { refreshToken { token expiresIn errors { code } } }"
LOGOUT = "mutation($e: Boolean) { logout(everywhere: $e) { ok errors { code } } }"
NEW_PASSWORD = "Another-horse-77"


def _works(gql, host, token) -> bool:
    result = gql(host, ME, token=token)
    if "errors" in result:
        assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", result
        return False
    return True


@pytest.fixture
def collector(alpha, make_staff):
    """A collector's token at alpha (username collector-0)."""
    return make_staff(alpha, "collector")


# --- changeMyPassword ------------------------------------------------------------------------------------

def test_change_my_password_revokes_every_earlier_token_and_returns_a_working_one(gql, alpha, collector):
    other_device = gql.login(alpha.host, "collector-0")
    result = gql(alpha.host, CHANGE, {"o": PASSWORD, "n": NEW_PASSWORD}, token=collector)["data"]["changeMyPassword"]
    assert result["errors"] == []
    assert result["expiresIn"] > 0
    assert not _works(gql, alpha.host, collector)
    assert not _works(gql, alpha.host, other_device)
    assert _works(gql, alpha.host, result["token"])
    assert _works(gql, alpha.host, gql.login(alpha.host, "collector-0", NEW_PASSWORD))
    with schema_context(alpha.schema):
        row = AuditLog.objects.get(action="staff.change_password")
        assert row.actor_name == "collector-0"
        assert row.target_id == User.objects.get(username="collector-0").pk


@pytest.mark.parametrize(("old", "new", "field", "code"), [
    ("wrong-password-1", NEW_PASSWORD, "oldPassword", "INVALID_CREDENTIALS"),
    (PASSWORD, "123", "newPassword", "WEAK_PASSWORD"),
    (PASSWORD, "collector-0", "newPassword", "WEAK_PASSWORD"),  # too like the username
    (PASSWORD, PASSWORD, "newPassword", "SAME_PASSWORD"),
])
def test_a_refused_password_change_changes_nothing(gql, alpha, collector, old, new, field, code):
    result = gql(alpha.host, CHANGE, {"o": old, "n": new}, token=collector)["data"]["changeMyPassword"]
    assert result["token"] is None
    assert [(e["field"], e["code"]) for e in result["errors"]] == [(field, code)]
    assert _works(gql, alpha.host, collector)
    gql.login(alpha.host, "collector-0", PASSWORD)
    with schema_context(alpha.schema):
        assert not AuditLog.objects.filter(action="staff.change_password").exists()


def test_guessing_the_current_password_is_throttled_like_a_sign_in(gql, alpha, collector, settings):
    limit = settings.LOGIN_THROTTLE["MAX_PER_ACCOUNT_IP"]
    codes = []
    for i in range(limit + 1):
        result = gql(alpha.host, CHANGE, {"o": f"guess-{i}", "n": NEW_PASSWORD}, token=collector)
        codes.append(result["data"]["changeMyPassword"]["errors"][0]["code"])
    assert codes == ["INVALID_CREDENTIALS"] * limit + ["TOO_MANY_ATTEMPTS"]
    refused = gql(alpha.host, CHANGE, {"o": PASSWORD, "n": NEW_PASSWORD}, token=collector)
    (error,) = refused["data"]["changeMyPassword"]["errors"]
    assert error["code"] == "TOO_MANY_ATTEMPTS" and error["retryAfter"] > 0  # the right one waits too
    assert _works(gql, alpha.host, collector)


def test_operator_changes_own_password_on_the_platform(gql):
    token = gql.login("localhost", OPERATOR)
    result = gql("localhost", CHANGE, {"o": PASSWORD, "n": NEW_PASSWORD}, token=token)["data"]["changeMyPassword"]
    assert result["errors"] == []
    assert not _works(gql, "localhost", token)
    assert _works(gql, "localhost", result["token"])
    assert OperatorAuditLog.objects.filter(action="operator.change_password", actor_username=OPERATOR).count() == 1


# --- logout ------------------------------------------------------------------------------------------

def test_logout_ends_this_token_only(gql, alpha, collector):
    other_device = gql.login(alpha.host, "collector-0")
    result = gql(alpha.host, LOGOUT, token=collector)["data"]["logout"]
    assert result == {"ok": True, "errors": []}
    assert not _works(gql, alpha.host, collector)
    assert _works(gql, alpha.host, other_device)
    again = gql(alpha.host, LOGOUT, token=collector)
    assert again["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_logout_everywhere_ends_every_token_of_the_user_only(gql, alpha, collector, make_staff):
    other_device = gql.login(alpha.host, "collector-0")
    colleague = make_staff(alpha, "collector")
    assert gql(alpha.host, LOGOUT, {"e": True}, token=collector)["data"]["logout"]["ok"] is True
    assert not _works(gql, alpha.host, collector)
    assert not _works(gql, alpha.host, other_device)
    assert _works(gql, alpha.host, colleague)
    assert _works(gql, alpha.host, gql.login(alpha.host, "collector-0"))  # signing in again works


def test_operator_logout(gql):
    token = gql.login("localhost", OPERATOR)
    assert gql("localhost", LOGOUT, token=token)["data"]["logout"]["ok"] is True
    assert not _works(gql, "localhost", token)


# --- refreshToken ------------------------------------------------------------------------------------

def test_refresh_swaps_the_token_once(gql, alpha, collector):
    result = gql(alpha.host, REFRESH, token=collector)["data"]["refreshToken"]
    assert result["errors"] == []
    assert _works(gql, alpha.host, result["token"])
    assert not _works(gql, alpha.host, collector)
    again = gql(alpha.host, REFRESH, token=collector)
    assert again["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    with schema_context(alpha.schema):
        old = token_verify(collector, schema=alpha.schema)
        new = token_verify(result["token"], schema=alpha.schema)
    assert new.session_started == old.session_started  # the same sign-in goes on
    assert new.token_id != old.token_id


def test_a_refreshed_token_is_revoked_by_a_password_reset_like_any_other(gql, alpha, collector):
    fresh = gql(alpha.host, REFRESH, token=collector)["data"]["refreshToken"]["token"]
    admin = gql.login(alpha.host, alpha.admin)
    with schema_context(alpha.schema):
        user_id = User.objects.get(username="collector-0").pk
    reset = gql(alpha.host, "mutation($id: ID!, $p: String!) { resetStaffPassword(id: $id, password: $p) "
                            "{ errors { code } } }", {"id": str(user_id), "p": NEW_PASSWORD}, token=admin)
    assert reset["data"]["resetStaffPassword"]["errors"] == []
    assert not _works(gql, alpha.host, fresh)


def test_a_refreshed_token_works_in_its_own_company_only(gql, alpha, beta, collector):
    fresh = gql(alpha.host, REFRESH, token=collector)["data"]["refreshToken"]["token"]
    assert _works(gql, alpha.host, fresh)
    assert not _works(gql, beta.host, fresh)
    assert not _works(gql, "localhost", fresh)


def _token_started(tenant, username: str, seconds_ago: int) -> str:
    with schema_context(tenant.schema):
        user = User.objects.get(username=username)
        token, _ttl = token_issue(schema=tenant.schema, subject=str(user.pk), kind="staff", role=user.role,
                                  stamp=token_stamp(user, schema=tenant.schema),
                                  session_started=int(time.time()) - seconds_ago)
    return token


def test_a_session_cannot_be_refreshed_past_its_maximum(gql, alpha, collector, settings):
    settings.JWT_SESSION_MAX_SECONDS = 3600
    old = _token_started(alpha, "collector-0", seconds_ago=3601)
    result = gql(alpha.host, REFRESH, token=old)["data"]["refreshToken"]
    assert result["token"] is None
    assert [e["code"] for e in result["errors"]] == ["SESSION_EXPIRED"]
    assert _works(gql, alpha.host, old)  # still good until it expires; only not renewable


def test_a_refreshed_token_never_outlives_its_session(gql, alpha, collector, settings):
    settings.JWT_SESSION_MAX_SECONDS = 3600
    old = _token_started(alpha, "collector-0", seconds_ago=3600 - 300)
    result = gql(alpha.host, REFRESH, token=old)["data"]["refreshToken"]
    assert 295 <= result["expiresIn"] <= 300
    with schema_context(alpha.schema):
        claims = token_verify(result["token"], schema=alpha.schema)
    assert claims.expires_at <= claims.session_started + 3600


def test_the_same_token_refreshes_once_even_when_two_requests_race(alpha, collector):
    """Both requests passed the per-request check; the revocation row decides."""
    with schema_context(alpha.schema):
        user = User.objects.get(username="collector-0")
        claims = token_verify(collector, schema=alpha.schema)
        session_refresh(user=user, token=claims)
        with pytest.raises(ValidationError) as exc:
            session_refresh(user=user, token=claims)
    assert exc.value.code == "TOKEN_REVOKED"


def test_operator_refresh(gql):
    token = gql.login("localhost", OPERATOR)
    fresh = gql("localhost", REFRESH, token=token)["data"]["refreshToken"]["token"]
    assert _works(gql, "localhost", fresh)
    assert not _works(gql, "localhost", token)


# --- housekeeping --------------------------------------------------------------------------------------

def test_expired_revocations_are_purged(alpha):
    now = timezone.now()
    with schema_context(alpha.schema):
        RevokedToken.objects.create(jti="a" * 32, expires_at=now - timedelta(seconds=1))
        RevokedToken.objects.create(jti="b" * 32, expires_at=now + timedelta(hours=1))
        assert revoked_tokens_purge() == 1
        assert list(RevokedToken.objects.values_list("jti", flat=True)) == ["b" * 32]
