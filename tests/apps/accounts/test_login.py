import jwt
import pytest
from django.test import override_settings

from apps.accounts.tokens import token_issue
from tests.factories.tenants import OPERATOR, PASSWORD

ME = "{ me { username role } }"


def _login(gql, host, username, password, ip="10.0.0.1"):
    field = "operatorLogin" if host == "localhost" else "staffLogin"
    q = f'mutation{{{field}(username:"{username}",password:"{password}"){{token expiresIn errors{{code}}}}}}'
    return gql(host, q, ip=ip)["data"][field]


def test_staff_token_claims(gql, alpha):
    token = gql.login(alpha.host, alpha.admin)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["tnt"] == alpha.schema and claims["knd"] == "staff" and claims["rol"] == "tenant_admin"
    assert {"sub", "exp", "iat", "jti"} <= claims.keys()


def test_token_from_a_is_rejected_in_b_and_on_platform(gql, alpha, beta):
    token = gql.login(alpha.host, alpha.admin)
    for host in (beta.host, "localhost"):
        assert gql(host, ME, token=token)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_forged_tenant_claim_is_rejected(gql, alpha, beta):
    """Re-signing A's claims under B's name without B's key fails."""
    token = gql.login(alpha.host, alpha.admin)
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = jwt.encode({**claims, "tnt": beta.schema}, "a-guessed-key-that-is-long-enough-0000", algorithm="HS256")
    assert gql(beta.host, ME, token=forged)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_operator_token_is_rejected_on_tenant_domains(gql, alpha):
    token = gql.login("localhost", OPERATOR)
    assert gql("localhost", ME, token=token)["data"]["me"]["role"] == "OPERATOR"
    assert gql(alpha.host, ME, token=token)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_expired_token_is_rejected(gql, alpha):
    with override_settings(JWT_TTL_SECONDS=-10):
        token, _ = token_issue(schema=alpha.schema, subject="1", kind="staff", role="tenant_admin")
    assert gql(alpha.host, ME, token=token)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_disabled_staff_token_stops_working(gql, alpha):
    from django_tenants.utils import schema_context

    from apps.accounts.models import User

    token = gql.login(alpha.host, alpha.admin)
    with schema_context(alpha.schema):
        User.objects.filter(username=alpha.admin).update(is_active=False)
    assert gql(alpha.host, ME, token=token)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_operator_cannot_log_in_as_staff_and_vice_versa(gql, alpha):
    assert _login(gql, alpha.host, OPERATOR, PASSWORD)["errors"] == [{"code": "INVALID_CREDENTIALS"}]
    assert _login(gql, "localhost", alpha.admin, PASSWORD)["errors"] == [{"code": "INVALID_CREDENTIALS"}]


def test_unknown_user_and_wrong_password_look_the_same(gql, alpha):
    assert _login(gql, alpha.host, "nobody", "x") == _login(gql, alpha.host, alpha.admin, "wrong")


@pytest.mark.parametrize("host", ["alpha.localhost", "localhost"])
def test_failed_logins_are_throttled_per_account(gql, alpha, host):
    user = alpha.admin if host != "localhost" else OPERATOR
    for i in range(5):
        assert _login(gql, host, user, "wrong", ip=f"10.0.1.{i}")["errors"] == [{"code": "INVALID_CREDENTIALS"}]
    # even the right password is refused while the account is locked
    assert _login(gql, host, user, PASSWORD, ip="10.0.2.1")["errors"] == [{"code": "TOO_MANY_ATTEMPTS"}]


def test_failed_logins_are_throttled_per_ip(gql, alpha):
    for i in range(20):
        _login(gql, alpha.host, f"guess-{i}", "wrong", ip="10.9.9.9")
    assert _login(gql, alpha.host, alpha.admin, PASSWORD, ip="10.9.9.9")["errors"] == [{"code": "TOO_MANY_ATTEMPTS"}]
    assert _login(gql, alpha.host, alpha.admin, PASSWORD, ip="10.9.9.10")["errors"] == []


def test_success_resets_the_account_counter(gql, alpha):
    for _ in range(4):
        _login(gql, alpha.host, alpha.admin, "wrong")
    assert _login(gql, alpha.host, alpha.admin, PASSWORD)["errors"] == []
    for _ in range(4):
        _login(gql, alpha.host, alpha.admin, "wrong")
    assert _login(gql, alpha.host, alpha.admin, PASSWORD)["errors"] == []


def test_throttle_is_per_tenant(gql, alpha, beta):
    """Locking `admin` at A does not lock a same-named account at B (tenant-aware cache keys)."""
    for _ in range(5):
        _login(gql, alpha.host, "shared-name", "wrong", ip="10.0.3.1")
    assert _login(gql, alpha.host, "shared-name", "x", ip="10.0.3.2")["errors"] == [{"code": "TOO_MANY_ATTEMPTS"}]
    assert _login(gql, beta.host, "shared-name", "x", ip="10.0.3.2")["errors"] == [{"code": "INVALID_CREDENTIALS"}]
