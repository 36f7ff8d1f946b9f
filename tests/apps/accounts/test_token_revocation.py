"""A password set by any path, a role change and a disable revoke the user's
existing tokens (the `stm` claim, apps/accounts/tokens.py), checked on every
request; a display-name change does not."""

import jwt
import pytest
from django.test import Client
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.accounts.tokens import token_issue
from tests.factories.tenants import OPERATOR, PASSWORD

ME = "{ me { username role } }"
NEW_PASSWORD = "Another-horse-77"


def _works(gql, host, token) -> bool:
    result = gql(host, ME, token=token)
    if "errors" in result:
        assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", result
        return False
    return True


@pytest.fixture
def collector(gql, alpha, make_staff):
    """(user id, a live token) of a new collector at alpha."""
    token = make_staff(alpha, "collector")
    with schema_context(alpha.schema):
        user_id = User.objects.get(username="collector-0").pk
    assert _works(gql, alpha.host, token)
    return user_id, token


def _admin_client(host, username):
    """A browser signed in to `host`'s admin through its real login page."""
    client = Client(HTTP_HOST=host)
    resp = client.post("/admin/login/?next=/admin/", {"username": username, "password": PASSWORD})
    assert resp.status_code == 302, resp.content[:2000]
    return client


def test_reset_staff_password_revokes_tokens(gql, alpha, collector):
    user_id, token = collector
    admin = gql.login(alpha.host, alpha.admin)
    reset = gql(alpha.host, "mutation($id: ID!, $p: String!) { resetStaffPassword(id: $id, password: $p) "
                            "{ errors { code } } }", {"id": str(user_id), "p": NEW_PASSWORD}, token=admin)
    assert reset["data"]["resetStaffPassword"]["errors"] == []
    assert not _works(gql, alpha.host, token)
    fresh = gql.login(alpha.host, "collector-0", NEW_PASSWORD)
    assert _works(gql, alpha.host, fresh)
    assert _works(gql, alpha.host, admin)  # the admin's own token is untouched


def test_password_change_in_the_django_admin_revokes_tokens(gql, alpha, collector):
    user_id, token = collector
    browser = _admin_client(alpha.host, alpha.admin)
    resp = browser.post(f"/admin/accounts/user/{user_id}/password/",
                        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})
    assert resp.status_code == 302, resp.content[:3000]
    assert not _works(gql, alpha.host, token)
    assert _works(gql, alpha.host, gql.login(alpha.host, "collector-0", NEW_PASSWORD))


def test_operator_password_change_in_the_platform_admin_revokes_tokens(gql):
    token = gql.login("localhost", OPERATOR)
    with schema_context("public"):
        operator_id = User.objects.get(username=OPERATOR).pk
    browser = _admin_client("localhost", OPERATOR)
    resp = browser.post(f"/admin/accounts/user/{operator_id}/password/",
                        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})
    assert resp.status_code == 302, resp.content[:3000]
    assert not _works(gql, "localhost", token)


@pytest.mark.parametrize("how", ["save", "update_fields", "queryset_update"])
def test_set_password_by_any_code_path_revokes_tokens(gql, alpha, collector, how):
    user_id, token = collector
    with schema_context(alpha.schema):
        user = User.objects.get(pk=user_id)
        user.set_password(NEW_PASSWORD)
        if how == "save":
            user.save()
        elif how == "update_fields":
            user.save(update_fields=["password"])
        else:  # bypasses save(): the password hash in the stamp still changes
            User.objects.filter(pk=user_id).update(password=user.password)
    assert not _works(gql, alpha.host, token)


def test_role_change_revokes_tokens_even_when_changed_back(gql, alpha, collector):
    user_id, token = collector
    admin = gql.login(alpha.host, alpha.admin)
    update = "mutation($id: ID!, $r: Role) { updateStaff(id: $id, role: $r) { errors { code } } }"
    assert gql(alpha.host, update, {"id": str(user_id), "r": "FINANCE"}, token=admin)["data"]["updateStaff"][
        "errors"] == []
    assert not _works(gql, alpha.host, token)
    between = gql.login(alpha.host, "collector-0")
    gql(alpha.host, update, {"id": str(user_id), "r": "COLLECTOR"}, token=admin)
    assert not _works(gql, alpha.host, token)  # back to the role it was issued for: still revoked
    assert not _works(gql, alpha.host, between)
    assert gql(alpha.host, ME, token=gql.login(alpha.host, "collector-0"))["data"]["me"]["role"] == "COLLECTOR"


def test_role_change_in_the_django_admin_revokes_tokens(gql, alpha, collector):
    user_id, token = collector
    browser = _admin_client(alpha.host, alpha.admin)
    resp = browser.post(f"/admin/accounts/user/{user_id}/change/", {
        "username": "collector-0", "display_name": "", "role": "finance", "is_active": "on",
        "first_name": "", "last_name": "", "email": ""})
    assert resp.status_code == 302, resp.content[:3000]
    with schema_context(alpha.schema):
        assert User.objects.get(pk=user_id).role == "finance"
    assert not _works(gql, alpha.host, token)


def test_a_disabled_then_re_enabled_account_keeps_its_old_tokens_revoked(gql, alpha, collector):
    user_id, token = collector
    admin = gql.login(alpha.host, alpha.admin)
    active = "mutation($id: ID!, $a: Boolean!) { setStaffActive(id: $id, active: $a) { errors { code } } }"
    gql(alpha.host, active, {"id": str(user_id), "a": False}, token=admin)
    assert not _works(gql, alpha.host, token)
    gql(alpha.host, active, {"id": str(user_id), "a": True}, token=admin)
    assert not _works(gql, alpha.host, token)
    assert _works(gql, alpha.host, gql.login(alpha.host, "collector-0"))


def test_unrelated_saves_keep_tokens(gql, alpha, collector):
    user_id, token = collector
    with schema_context(alpha.schema):
        user = User.objects.get(pk=user_id)
        user.display_name = "王收费"
        user.email = "wang@example.com"
        user.save()
        user.save(update_fields=["last_login"])
    assert _works(gql, alpha.host, token)
    assert _works(gql, alpha.host, gql.login(alpha.host, "collector-0"))  # a new login does not end the old


def test_a_staff_token_without_a_stamp_is_refused(gql, alpha, collector):
    """Tokens are only good with the stamp of the user as they are now; one without (forged by
    someone holding a signing key, or issued before stamps existed) is not."""
    user_id, token = collector
    claims = jwt.decode(token, options={"verify_signature": False})
    assert len(claims["stm"]) == 24
    bare, _ttl = token_issue(schema=alpha.schema, subject=str(user_id), kind="staff", role="collector")
    assert not _works(gql, alpha.host, bare)
    wrong, _ttl = token_issue(schema=alpha.schema, subject=str(user_id), kind="staff", role="collector",
                              stamp="0" * 24)
    assert not _works(gql, alpha.host, wrong)
