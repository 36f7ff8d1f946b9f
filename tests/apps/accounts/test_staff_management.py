from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.audit.models import AuditLog
from tests.factories.tenants import PASSWORD

CREATE = """mutation($u: String!, $p: String!, $r: Role!) {
  createStaff(username: $u, password: $p, role: $r) { staff { id username role isActive } errors { field code } }
}"""
ACTIVE = ("mutation($id: ID!, $a: Boolean!) "
          "{ setStaffActive(id: $id, active: $a) { staff { isActive } errors { field code } } }")
RESET = "mutation($id: ID!, $p: String!) { resetStaffPassword(id: $id, password: $p) { errors { field code } } }"
LOGIN = 'mutation($u: String!, $p: String!) { staffLogin(username: $u, password: $p) { token errors { code } } }'


def test_admin_creates_disables_and_resets_staff(gql, alpha):
    admin = gql.login(alpha.host, alpha.admin)
    created = gql(alpha.host, CREATE, {"u": "li-collector", "p": PASSWORD, "r": "COLLECTOR"},
                  token=admin)["data"]["createStaff"]
    assert created["errors"] == [] and created["staff"]["role"] == "COLLECTOR"
    staff_id = created["staff"]["id"]
    token = gql.login(alpha.host, "li-collector")
    assert gql(alpha.host, "{ me { role } }", token=token)["data"]["me"]["role"] == "COLLECTOR"

    assert gql(alpha.host, ACTIVE, {"id": staff_id, "a": False}, token=admin)["data"]["setStaffActive"] == {
        "staff": {"isActive": False}, "errors": []}
    # the disabled account's live token and new logins both stop working
    assert gql(alpha.host, "{ me { role } }", token=token)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert gql(alpha.host, LOGIN, {"u": "li-collector", "p": PASSWORD})["data"]["staffLogin"]["errors"] == [
        {"code": "INVALID_CREDENTIALS"}]

    gql(alpha.host, ACTIVE, {"id": staff_id, "a": True}, token=admin)
    assert gql(alpha.host, RESET, {"id": staff_id, "p": "New-password-2027"}, token=admin)["data"][
        "resetStaffPassword"]["errors"] == []
    assert gql(alpha.host, LOGIN, {"u": "li-collector", "p": "New-password-2027"})["data"]["staffLogin"][
        "errors"] == []
    with schema_context(alpha.schema):
        actions = list(AuditLog.objects.order_by("id").values_list("action", "actor_name"))
    assert actions == [("staff.create", "alpha-admin"), ("staff.disable", "alpha-admin"),
                       ("staff.enable", "alpha-admin"), ("staff.reset_password", "alpha-admin")]


def test_staff_management_rejects_bad_input(gql, alpha):
    admin = gql.login(alpha.host, alpha.admin)
    cases = [
        ({"u": "alpha-admin", "p": PASSWORD, "r": "FINANCE"}, "username", "DUPLICATE"),
        ({"u": "weak", "p": "123", "r": "FINANCE"}, "password", "WEAK_PASSWORD"),
        ({"u": "op", "p": PASSWORD, "r": "OPERATOR"}, "role", "INVALID"),
        ({"u": " ", "p": PASSWORD, "r": "FINANCE"}, "username", "REQUIRED"),
    ]
    for variables, field, code in cases:
        result = gql(alpha.host, CREATE, variables, token=admin)["data"]["createStaff"]
        assert result == {"staff": None, "errors": [{"field": field, "code": code}]}, variables
    with schema_context(alpha.schema):
        me = User.objects.get(username="alpha-admin")
        assert User.objects.count() == 1
    assert gql(alpha.host, ACTIVE, {"id": str(me.pk), "a": False}, token=admin)["data"]["setStaffActive"][
        "errors"] == [{"field": "id", "code": "INVALID"}]
    assert gql(alpha.host, ACTIVE, {"id": "99999", "a": False}, token=admin)["data"]["setStaffActive"][
        "errors"] == [{"field": "id", "code": "NOT_FOUND"}]


def test_an_admin_can_disable_another_admin(gql, alpha, make_staff):
    second_admin = make_staff(alpha, "tenant_admin")
    with schema_context(alpha.schema):
        first = User.objects.get(username="alpha-admin")
    assert gql(alpha.host, ACTIVE, {"id": str(first.pk), "a": False}, token=second_admin)["data"][
        "setStaffActive"]["errors"] == []


def test_staff_list_is_admin_only(gql, alpha, make_staff):
    assert gql(alpha.host, "{ staff { totalCount } }", token=make_staff(alpha, "finance"))["errors"][0][
        "extensions"]["code"] == "PERMISSION_DENIED"
    data = gql(alpha.host, "{ staff { totalCount items { username role } } }",
               token=gql.login(alpha.host, alpha.admin))["data"]["staff"]
    assert data["items"] == [{"username": "alpha-admin", "role": "TENANT_ADMIN"},
                             {"username": "finance-0", "role": "FINANCE"}]


CREATE_NAMED = """mutation($u: String!, $p: String!, $r: Role!, $d: String) {
  createStaff(username: $u, password: $p, role: $r, displayName: $d) { staff { id displayName } errors { code } }
}"""
UPDATE = """mutation($id: ID!, $d: String, $r: Role) {
  updateStaff(id: $id, displayName: $d, role: $r) { staff { displayName role } errors { field code } }
}"""


def test_display_name_is_set_on_create_and_update_and_shown_on_me_and_staff(gql, alpha):
    admin = gql.login(alpha.host, alpha.admin)
    created = gql(alpha.host, CREATE_NAMED, {"u": "wang", "p": PASSWORD, "r": "COLLECTOR", "d": "  王  会计 "},
                  token=admin)["data"]["createStaff"]
    assert created["errors"] == [] and created["staff"]["displayName"] == "王 会计"  # whitespace collapsed
    token = gql.login(alpha.host, "wang")
    assert gql(alpha.host, "{ me { username displayName } }", token=token)["data"]["me"] == {
        "username": "wang", "displayName": "王 会计"}

    updated = gql(alpha.host, UPDATE, {"id": created["staff"]["id"], "d": "王收费"}, token=admin)["data"]["updateStaff"]
    assert updated == {"staff": {"displayName": "王收费", "role": "COLLECTOR"}, "errors": []}
    # a display-name change alone leaves the member signed in
    assert gql(alpha.host, "{ me { displayName } }", token=token)["data"]["me"] == {"displayName": "王收费"}
    items = gql(alpha.host, "{ staff { items { username displayName } } }", token=admin)["data"]["staff"]["items"]
    assert {"username": "wang", "displayName": "王收费"} in items
    assert {"username": "alpha-admin", "displayName": ""} in items
    too_long = gql(alpha.host, UPDATE, {"id": created["staff"]["id"], "d": "x" * 151}, token=admin)
    assert too_long["data"]["updateStaff"]["errors"] == [{"field": "displayName", "code": "INVALID"}]
    with schema_context(alpha.schema):
        assert User.objects.get(username="wang").display_name == "王收费"
        assert AuditLog.objects.filter(action="staff.update").count() == 1


def test_role_changes_keep_an_admin_and_never_touch_ones_own_role(gql, alpha, make_staff):
    admin = gql.login(alpha.host, alpha.admin)
    with schema_context(alpha.schema):
        me = User.objects.get(username=alpha.admin)
    assert gql(alpha.host, UPDATE, {"id": str(me.pk), "r": "FINANCE"}, token=admin)["data"]["updateStaff"][
        "errors"] == [{"field": "role", "code": "INVALID"}]
    second = make_staff(alpha, "tenant_admin")
    # another admin may demote the first while a second admin remains; then the last one stays
    assert gql(alpha.host, UPDATE, {"id": str(me.pk), "r": "FINANCE"}, token=second)["data"]["updateStaff"] == {
        "staff": {"displayName": "", "role": "FINANCE"}, "errors": []}
    with schema_context(alpha.schema):
        last = User.objects.get(role="tenant_admin")
        User.objects.create_user(username="boss2", password=PASSWORD, role="tenant_admin", is_active=False)
    assert gql(alpha.host, UPDATE, {"id": str(last.pk), "r": "OPERATOR"}, token=second)["data"]["updateStaff"][
        "errors"] == [{"field": "role", "code": "INVALID"}]
