"""The login throttle, through the real stack: GraphQL staffLogin/operatorLogin
and the Django admin's login page on both admin sites share one set of
counters, limit per (account, IP) and per IP, slow an account down without
locking it, and an admin can clear it.

Time is a fake clock (`clock.advance`) that the cache expiry and the throttle's
end times both read, so waits take no wall time."""

import itertools
import re
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.audit.models import AuditLog
from heat_platform.models import OperatorAuditLog
from tests.factories.tenants import OPERATOR, PASSWORD

LOGIN = ("mutation($u: String!, $p: String!) {{ {field}(username: $u, password: $p) "
         "{{ token errors {{ code message retryAfter }} }} }}")


class Clock:
    def __init__(self, monkeypatch):
        self.offset = 0.0
        real = time.time
        monkeypatch.setattr(time, "time", lambda: real() + self.offset)

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


def login(gql, host, username, password, ip):
    field = "operatorLogin" if host == "localhost" else "staffLogin"
    return gql(host, LOGIN.format(field=field), {"u": username, "p": password}, ip=ip)["data"][field]


def code(payload) -> str:
    return payload["errors"][0]["code"] if payload["errors"] else "OK"


def admin_login(host, username, password, ip, language="zh-hans"):
    """POST the admin login form of `host` (its own client: a fresh browser)."""
    client = Client(HTTP_HOST=host, REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE=language)
    resp = client.post("/admin/login/?next=/admin/", {"username": username, "password": password})
    return resp


def admin_outcome(resp) -> str:
    if resp.status_code == 302:
        return "OK"
    assert resp.status_code == 200
    text = resp.content.decode()
    if "登录尝试过于频繁" in text or "Too many sign-in attempts" in text:
        return "TOO_MANY_ATTEMPTS"
    assert 'class="errornote"' in text, text[:2000]
    return "INVALID_CREDENTIALS"


# --- (account, IP) and IP limits


def test_account_ip_pair_limit_refuses_that_client_only(gql, alpha):
    """5 failures from one client on one account: that client waits out the window
    (retryAfter), with the right password too; a client that signed in before is unaffected."""
    assert code(login(gql, alpha.host, alpha.admin, PASSWORD, ip="10.1.0.9")) == "OK"  # the admin's office
    for _ in range(5):
        assert code(login(gql, alpha.host, alpha.admin, "wrong", ip="10.1.0.1")) == "INVALID_CREDENTIALS"
    refused = login(gql, alpha.host, alpha.admin, PASSWORD, ip="10.1.0.1")
    assert code(refused) == "TOO_MANY_ATTEMPTS" and refused["token"] is None
    assert 890 <= refused["errors"][0]["retryAfter"] <= 900
    assert "登录尝试过于频繁，请 15 分钟后再试。" == refused["errors"][0]["message"]
    assert code(login(gql, alpha.host, alpha.admin, PASSWORD, ip="10.1.0.9")) == "OK"


def test_ip_limit_counts_failures_on_every_account(gql, alpha):
    for i in range(20):
        assert code(login(gql, alpha.host, f"guess-{i}", "wrong", ip="10.9.9.9")) == "INVALID_CREDENTIALS"
    assert code(login(gql, alpha.host, "guess-20", "wrong", ip="10.9.9.9")) == "TOO_MANY_ATTEMPTS"
    assert code(login(gql, alpha.host, alpha.admin, PASSWORD, ip="10.9.9.9")) == "TOO_MANY_ATTEMPTS"
    assert code(login(gql, alpha.host, alpha.admin, PASSWORD, ip="10.9.9.10")) == "OK"


def test_successes_do_not_use_up_the_ip_limit(gql, alpha, make_staff):
    """An office behind one IP: 30 colleagues signing in is not an attack."""
    for _ in range(30):
        assert code(login(gql, alpha.host, alpha.admin, PASSWORD, ip="10.2.0.1")) == "OK"


def test_limits_end_with_their_window(gql, alpha, clock):
    for _ in range(5):
        login(gql, alpha.host, alpha.admin, "wrong", ip="10.3.0.1")
    assert code(login(gql, alpha.host, alpha.admin, PASSWORD, ip="10.3.0.1")) == "TOO_MANY_ATTEMPTS"
    clock.advance(15 * 60 + 1)
    assert code(login(gql, alpha.host, alpha.admin, PASSWORD, ip="10.3.0.1")) == "OK"


# --- per-account slowdown instead of a lock-out


def test_right_password_from_a_known_client_gets_in_during_an_attack(gql, alpha):
    """No lock-out: however many failures an attacker piles up on the account
    from other clients, the admin's usual client signs in at once."""
    assert code(login(gql, alpha.host, alpha.admin, PASSWORD, ip="192.0.2.10")) == "OK"
    outcomes = [code(login(gql, alpha.host, alpha.admin, f"guess{i}", ip=f"198.51.100.{i}")) for i in range(60)]
    assert outcomes.count("INVALID_CREDENTIALS") == 5 and outcomes.count("TOO_MANY_ATTEMPTS") == 55
    ok = login(gql, alpha.host, alpha.admin, PASSWORD, ip="192.0.2.10")
    assert ok["errors"] == [] and ok["token"]


def test_a_new_client_waits_its_turn_but_is_never_locked_out(gql, alpha, clock):
    for i in range(5):
        login(gql, alpha.host, alpha.admin, "wrong", ip=f"198.51.100.{i}")
    refused = login(gql, alpha.host, alpha.admin, PASSWORD, ip="203.0.113.7")  # the admin, from home
    assert code(refused) == "TOO_MANY_ATTEMPTS"
    wait = refused["errors"][0]["retryAfter"]
    assert 1 <= wait <= 2  # the first pause: LOGIN_THROTTLE_DELAY
    clock.advance(wait)
    assert code(login(gql, alpha.host, alpha.admin, PASSWORD, ip="203.0.113.7")) == "OK"


def test_the_slowdown_holds_against_a_distributed_attack(gql, alpha, clock):
    """One fresh IP per guess, a guess every 10 s for an hour: without the
    per-account slowdown that is 360 guesses; with it, the free 5 and then one
    per doubling pause (2, 4, … 512 s, then every 600 s)."""
    admitted = []
    for step in range(360):
        payload = login(gql, alpha.host, alpha.admin, f"guess-{step}", ip=f"10.{step // 250}.{step % 250}.1")
        if code(payload) == "INVALID_CREDENTIALS":
            admitted.append(step * 10)
        else:
            assert code(payload) == "TOO_MANY_ATTEMPTS" and payload["errors"][0]["retryAfter"] >= 1
        clock.advance(10)
    assert admitted[:5] == [0, 10, 20, 30, 40]
    gaps = [b - a for a, b in itertools.pairwise(admitted[5:])]
    assert gaps == sorted(gaps) and gaps[-1] == 600, admitted  # pauses grow, up to the maximum
    assert len(admitted) == 18, admitted  # 5 + 13 turns, against 360 guesses unthrottled


def test_refused_attempts_never_check_the_password(gql, alpha):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(5):
        login(gql, alpha.host, alpha.admin, "wrong", ip=f"198.51.100.{i}")
    with CaptureQueriesContext(connection) as queries:
        assert code(login(gql, alpha.host, alpha.admin, PASSWORD, ip="198.51.100.99")) == "TOO_MANY_ATTEMPTS"
    assert not [q for q in queries.captured_queries if "accounts_user" in q["sql"]]


def test_usernames_are_throttled_case_and_space_insensitively(gql, alpha):
    for name in ("alpha-admin", "ALPHA-ADMIN", " Alpha-Admin ", "alpha-ADMIN", "Alpha-admin"):
        login(gql, alpha.host, name, "wrong", ip="10.4.0.1")
    assert code(login(gql, alpha.host, "alpha-admin", PASSWORD, ip="10.4.0.1")) == "TOO_MANY_ATTEMPTS"


# --- the Django admin's login page on both sites: same service, same counters


@pytest.mark.parametrize("site", ["tenant", "platform"])
def test_admin_login_is_throttled_like_the_api(gql, alpha, site):
    host, user = (alpha.host, alpha.admin) if site == "tenant" else ("localhost", OPERATOR)
    assert admin_outcome(admin_login(host, user, PASSWORD, ip="10.5.0.1")) == "OK"
    for _ in range(3):
        assert admin_outcome(admin_login(host, user, "wrong", ip="10.5.0.2")) == "INVALID_CREDENTIALS"
    for _ in range(2):  # the API and the admin page share the counters
        assert code(login(gql, host, user, "wrong", ip="10.5.0.2")) == "INVALID_CREDENTIALS"
    resp = admin_login(host, user, PASSWORD, ip="10.5.0.2")
    assert admin_outcome(resp) == "TOO_MANY_ATTEMPTS"
    assert re.search(r"登录尝试过于频繁，请 1[45] 分钟后再试。", resp.content.decode())
    english = admin_login(host, user, PASSWORD, ip="10.5.0.2", language="en").content.decode()
    assert re.search(r"Too many sign-in attempts\. Try again in [^<]*1[45][^<]*\.", english), english[:3000]
    assert code(login(gql, host, user, PASSWORD, ip="10.5.0.2")) == "TOO_MANY_ATTEMPTS"
    # the client that signed in before is not affected
    assert admin_outcome(admin_login(host, user, PASSWORD, ip="10.5.0.1")) == "OK"


@pytest.mark.parametrize("site", ["tenant", "platform"])
def test_admin_login_alone_hits_the_ip_limit(alpha, site):
    host = alpha.host if site == "tenant" else "localhost"
    for i in range(20):
        assert admin_outcome(admin_login(host, f"nobody-{i}", "wrong", ip="10.6.0.1")) == "INVALID_CREDENTIALS"
    assert admin_outcome(admin_login(host, "nobody-x", "wrong", ip="10.6.0.1")) == "TOO_MANY_ATTEMPTS"


def test_admin_login_uses_the_forwarded_client_ip(alpha, settings):
    """Behind the proxy every request has the proxy's REMOTE_ADDR; the client is the forwarded one."""
    settings.TRUSTED_PROXY_COUNT = 1

    def attempt(client_ip, username):
        client = Client(HTTP_HOST=alpha.host, REMOTE_ADDR="172.16.0.1", HTTP_X_FORWARDED_FOR=client_ip)
        return admin_outcome(client.post("/admin/login/", {"username": username, "password": "wrong"}))

    # 25 clients behind the one proxy address: no IP limit between them
    assert {attempt(f"203.0.113.{i}", f"nobody-{i}") for i in range(25)} == {"INVALID_CREDENTIALS"}
    for i in range(20):
        assert attempt("203.0.113.200", f"someone-{i}") == "INVALID_CREDENTIALS"
    assert attempt("203.0.113.200", "someone-20") == "TOO_MANY_ATTEMPTS"  # the 21st from one client


def test_every_served_admin_site_uses_the_throttled_login_form(settings):
    """Any admin site mounted in either URLconf, now or later, signs in through the throttle."""
    from django.contrib.admin.sites import all_sites
    from django.urls import get_resolver

    from apps.accounts.forms import ThrottledAdminAuthenticationForm

    served = {p.namespace for urlconf in (settings.PUBLIC_SCHEMA_URLCONF, settings.ROOT_URLCONF)
              for p in get_resolver(urlconf).url_patterns if getattr(p, "app_name", None) == "admin"}
    assert served == {"platform_admin", "tenant_admin"}
    sites = [s for s in all_sites if s.name in served]
    assert len(sites) == 2 and all(s.login_form is ThrottledAdminAuthenticationForm for s in sites)


# --- admin unlock: GraphQL (staff by their admin, operators by operators) and the command

UNLOCK_STAFF = "mutation($id: ID!) { unlockStaffLogin(id: $id) { staff { username } errors { field code } } }"
UNLOCK_OPERATOR = ("mutation($u: String!) { unlockOperatorLogin(username: $u) "
                   "{ operator { username } errors { field code } } }")


def _attack(gql, host, user):
    for _ in range(5):
        login(gql, host, user, "wrong", ip="10.7.0.1")
    assert code(login(gql, host, user, PASSWORD, ip="10.7.0.1")) == "TOO_MANY_ATTEMPTS"  # (account, IP)
    assert code(login(gql, host, user, PASSWORD, ip="10.7.0.2")) == "TOO_MANY_ATTEMPTS"  # the pause


def test_company_admin_unlocks_a_staff_member(gql, alpha, make_staff):
    admin = gql.login(alpha.host, alpha.admin)
    make_staff(alpha, "collector")
    with schema_context(alpha.schema):
        collector = User.objects.get(username="collector-0")
    _attack(gql, alpha.host, "collector-0")
    result = gql(alpha.host, UNLOCK_STAFF, {"id": str(collector.pk)}, token=admin)["data"]["unlockStaffLogin"]
    assert result == {"staff": {"username": "collector-0"}, "errors": []}
    assert code(login(gql, alpha.host, "collector-0", PASSWORD, ip="10.7.0.1")) == "OK"
    assert code(login(gql, alpha.host, "collector-0", PASSWORD, ip="10.7.0.2")) == "OK"
    with schema_context(alpha.schema):
        row = AuditLog.objects.get(action="staff.unlock_login")
    assert (row.actor_name, row.target_id) == ("alpha-admin", collector.pk)
    assert gql(alpha.host, UNLOCK_STAFF, {"id": "999999"}, token=admin)["data"]["unlockStaffLogin"][
        "errors"] == [{"field": "id", "code": "NOT_FOUND"}]


def test_unlock_is_per_company(gql, alpha, beta):
    """Beta's admin cannot clear (or even find) alpha's accounts; alpha's counters stay."""
    _attack(gql, alpha.host, alpha.admin)
    with schema_context(alpha.schema):
        alpha_admin_id = User.objects.get(username=alpha.admin).pk
    beta_admin = gql.login(beta.host, beta.admin)
    gql(beta.host, UNLOCK_STAFF, {"id": str(alpha_admin_id)}, token=beta_admin)
    assert code(login(gql, alpha.host, alpha.admin, PASSWORD, ip="10.7.0.1")) == "TOO_MANY_ATTEMPTS"


def test_operator_unlocks_an_operator(gql, alpha):
    token = gql.login("localhost", OPERATOR)
    _attack(gql, "localhost", OPERATOR)
    result = gql("localhost", UNLOCK_OPERATOR, {"u": OPERATOR.upper()}, token=token)["data"]["unlockOperatorLogin"]
    assert result == {"operator": {"username": OPERATOR}, "errors": []}
    assert code(login(gql, "localhost", OPERATOR, PASSWORD, ip="10.7.0.2")) == "OK"
    row = OperatorAuditLog.objects.get(action="operator.unlock_login")
    assert row.actor_username == OPERATOR and row.detail["username"] == OPERATOR
    assert gql("localhost", UNLOCK_OPERATOR, {"u": "nobody"}, token=token)["data"]["unlockOperatorLogin"][
        "errors"] == [{"field": "username", "code": "NOT_FOUND"}]
    # staff tokens and anonymous callers may not
    staff = gql.login(alpha.host, alpha.admin)
    for bearer in (None, staff):
        denied = gql("localhost", UNLOCK_OPERATOR, {"u": OPERATOR}, token=bearer)
        assert denied["errors"][0]["extensions"]["code"] in ("UNAUTHENTICATED", "PERMISSION_DENIED")


def test_unlock_login_command_for_staff_and_operators(gql, alpha, capsys):
    _attack(gql, alpha.host, alpha.admin)
    call_command("unlock_login", "--schema", alpha.schema, alpha.admin)
    assert code(login(gql, alpha.host, alpha.admin, PASSWORD, ip="10.7.0.2")) == "OK"
    with schema_context(alpha.schema):
        row = AuditLog.objects.get(action="staff.unlock_login")
    assert row.actor_kind == AuditLog.ActorKind.SYSTEM

    _attack(gql, "localhost", OPERATOR)
    call_command("unlock_login", OPERATOR)  # operators live in public, the default
    assert code(login(gql, "localhost", OPERATOR, PASSWORD, ip="10.7.0.1")) == "OK"
    assert OperatorAuditLog.objects.filter(action="operator.unlock_login", actor=None).count() == 1

    with pytest.raises(CommandError):
        call_command("unlock_login", "--schema", alpha.schema, "nobody")
    with pytest.raises(CommandError):
        call_command("unlock_login", "--schema", "no_such_schema", alpha.admin)


def test_unlock_login_command_can_clear_a_client_ip(gql, alpha):
    for i in range(20):
        login(gql, alpha.host, f"guess-{i}", "wrong", ip="10.8.0.1")
    assert code(login(gql, alpha.host, alpha.admin, PASSWORD, ip="10.8.0.1")) == "TOO_MANY_ATTEMPTS"
    call_command("unlock_login", "--schema", alpha.schema, "--ip", "10.8.0.1", alpha.admin)
    assert code(login(gql, alpha.host, alpha.admin, PASSWORD, ip="10.8.0.1")) == "OK"
