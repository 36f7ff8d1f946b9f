"""The ticket API: a resident submits, follows (public timeline only), confirms, reopens and cancels tickets of
their own houses; staff list and work them — a technician sees and works only tickets assigned to them — with
phones masked for roles without PII_FULL; someone else's ticket and another company's answer "not found"; typed
payload errors change nothing; the lists cost the same queries for one ticket as for many; categories, the
technicians' load and the SLA dashboard. Which roles may call which root field: test_access_matrix.py."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.services import photos
from apps.services import tickets as svc
from apps.services.models import ServiceSettings, Ticket, TicketCategory
from tests.factories.residents import ResidentFactory, resident_token
from tests.factories.services import admin, bound_house, category, submit, technician, ticket_in, upload
from tests.queries import assert_same_queries_grown

pytestmark = pytest.mark.usefixtures("mp_media")
S = Ticket.Status

TICKET_FIELDS = """id no kind status statusText contactName contactPhone description reportedTemp
  category { id name respondHours resolveHours }
  house { id accountNo address }
  photos { id url width height }
  assignee { id name }
  submittedAt acceptedAt assignedAt onSiteAt resolvedAt closedAt respondDueAt resolveDueAt respondOverdue
  resolveOverdue escalated resolution rating ratingComment reopenCount filedByStaff
  timeline { action fromStatus toStatus actorKind actorName note public createdAt }
  residentActions staffActions
  inspections { id houseTemp technician { name } photos { url } }
  shortfall { id status days ticketNo }"""
# Every field of a page of 10 (a list page of the mini-program asks for far fewer fields).
MY_TICKETS = f"""query($s: TicketStatus) {{ myTickets(status: $s, limit: 10) {{ totalCount items {{ {TICKET_FIELDS} }}
  }} }}"""
MY_TICKET = f"query($id: ID!) {{ myTicket(id: $id) {{ {TICKET_FIELDS} }} }}"
TICKETS = f"""query($f: TicketFilter) {{ tickets(filter: $f, limit: 50) {{ totalCount items {{ {TICKET_FIELDS} }}
  }} }}"""
TICKET = f"query($id: ID!) {{ ticket(id: $id) {{ {TICKET_FIELDS} }} }}"
QUEUE = "query { myWorkQueue { totalCount items { id no status resolveDueAt } } }"
PAYLOAD = "ticket { id no status assignee { id name } timeline { action note public } } errors { field code message }"
SUBMIT = f"mutation($input: TicketInput!) {{ submitTicket(input: $input) {{ {PAYLOAD} }} }}"
CREATE = f"mutation($input: TicketInput!) {{ createTicket(input: $input) {{ {PAYLOAD} }} }}"
ACCEPT = f"mutation($id: ID!) {{ acceptTicket(id: $id) {{ {PAYLOAD} }} }}"
ASSIGN = f"mutation($id: ID!, $a: ID!) {{ assignTicket(id: $id, assigneeId: $a) {{ {PAYLOAD} }} }}"
START = f"mutation($id: ID!) {{ startTicket(id: $id) {{ {PAYLOAD} }} }}"
RESOLVE = f"mutation($id: ID!, $r: String!) {{ resolveTicket(id: $id, resolution: $r) {{ {PAYLOAD} }} }}"
REJECT = f"mutation($id: ID!, $r: String!) {{ rejectTicket(id: $id, reason: $r) {{ {PAYLOAD} }} }}"
NOTE = f"""mutation($id: ID!, $n: String!, $p: Boolean) {{ addTicketNote(id: $id, note: $n, public: $p) {{
  {PAYLOAD} }} }}"""
CONFIRM = f"""mutation($id: ID!, $r: Int!, $c: String) {{ confirmTicket(id: $id, rating: $r, comment: $c) {{
  {PAYLOAD} }} }}"""
REOPEN = f"mutation($id: ID!, $r: String!) {{ reopenTicket(id: $id, reason: $r) {{ {PAYLOAD} }} }}"
CANCEL = f"mutation($id: ID!, $r: String) {{ cancelTicket(id: $id, reason: $r) {{ {PAYLOAD} }} }}"
CATEGORIES = "query($k: TicketKind) { ticketCategories(kind: $k) { id kind name respondHours resolveHours active } }"
SAVE_CATEGORY = """mutation($id: ID, $input: TicketCategoryInput!) { saveTicketCategory(id: $id, input: $input) {
  category { id kind name respondHours resolveHours active position } errors { field code message } } }"""
TECHNICIANS = "query { technicians { id name role openCount } }"
DASHBOARD = """query($d: Int) { slaDashboard(days: $d) { days open respondOverdue resolveOverdue escalated
  byCategory { kind category { name } open overdue avgRespondHours avgResolveHours }
  byCommunity { communityId communityName open overdue } daily { date submitted resolved } } }"""


def _data(result: dict, name: str):
    assert "errors" not in result, result
    return result["data"][name]


def _ok(result: dict, name: str) -> dict:
    payload = _data(result, name)
    assert payload["errors"] == [], payload
    return payload["ticket"]


def _error(result: dict, name: str) -> dict:
    payload = _data(result, name)
    assert payload["ticket"] is None if "ticket" in payload else True
    [error] = payload["errors"]
    return error


@pytest.fixture
def w(alpha, make_staff):
    """alpha: a resident with a bound house, an admin, a technician (and their tokens), a repair category."""
    with schema_context(alpha.schema):
        house, resident = bound_house()
        boss, tech = admin(display_name="赵主任"), technician(display_name="张师傅")
        cat = category(respond_hours=2, resolve_hours=24)
        ServiceSettings.get()
    return SimpleNamespace(house=house, resident=resident, boss=boss, tech=tech, cat=cat,
                           token=resident_token(alpha, resident))


def _login(gql, alpha, user) -> str:
    return gql.login(alpha.host, user.username)


def test_a_resident_reports_with_photos_and_follows_the_public_timeline(gql, alpha, w):
    with schema_context(alpha.schema):
        picture = photos.photo_create(file=upload(), purpose="ticket", resident=w.resident)
    ticket = _ok(gql(alpha.host, SUBMIT, {"input": {
        "houseId": str(w.house.pk), "kind": "REPAIR", "categoryId": str(w.cat.pk), "description": "卫生间暖气漏水",
        "contactName": "王先生", "contactPhone": "13800138000", "photoIds": [str(picture.pk)]}}, token=w.token),
        "submitTicket")
    assert ticket["status"] == "SUBMITTED" and ticket["no"].startswith("T")
    boss = _login(gql, alpha, w.boss)
    _ok(gql(alpha.host, NOTE, {"id": ticket["id"], "n": "住户较急"}, token=boss), "addTicketNote")
    _ok(gql(alpha.host, ASSIGN, {"id": ticket["id"], "a": str(w.tech.pk)}, token=boss), "assignTicket")
    mine = _data(gql(alpha.host, MY_TICKET, {"id": ticket["id"]}, token=w.token), "myTicket")
    assert (mine["status"], mine["statusText"], mine["contactPhone"]) == ("ASSIGNED", "已派单", "13800138000")
    assert [e["action"] for e in mine["timeline"]] == ["submit", "assign"]  # the internal note is not shown
    assert mine["timeline"][1]["note"] == "已派给 张师傅" and mine["assignee"]["name"] == "张师傅"
    assert mine["residentActions"] == [] and mine["staffActions"] == []
    [shown] = mine["photos"]
    assert shown["id"] == str(picture.pk) and f"/files/services/photos/{picture.pk}?exp=" in shown["url"]
    assert (mine["category"]["name"], mine["house"]["accountNo"]) == ("漏水", w.house.account_no)
    page = _data(gql(alpha.host, MY_TICKETS, {"s": "ASSIGNED"}, token=w.token), "myTickets")
    assert page["totalCount"] == 1
    assert _data(gql(alpha.host, MY_TICKETS, {"s": "CLOSED"}, token=w.token), "myTickets")["totalCount"] == 0


def test_the_whole_path_through_the_api_and_a_technician_sees_only_his_own(gql, alpha, w):
    boss, tech = _login(gql, alpha, w.boss), _login(gql, alpha, w.tech)
    with schema_context(alpha.schema):
        other_tech = technician()
        ticket = submit(house=w.house, resident=w.resident, cat=w.cat)
        elsewhere = ticket_in(S.ASSIGNED, assignee=other_tech)
    tid = str(ticket.pk)
    assert _data(gql(alpha.host, TICKET, {"id": tid}, token=tech), "ticket") is None
    assert _error(gql(alpha.host, START, {"id": tid}, token=tech), "startTicket")["code"] == "NOT_FOUND"
    staff_view = _data(gql(alpha.host, TICKET, {"id": tid}, token=boss), "ticket")
    assert staff_view["staffActions"] == ["ACCEPT", "ASSIGN", "REJECT"]
    _ok(gql(alpha.host, ACCEPT, {"id": tid}, token=boss), "acceptTicket")
    assert _error(gql(alpha.host, ACCEPT, {"id": tid}, token=boss), "acceptTicket")["code"] == "NOT_ALLOWED_IN_STATE"
    error = _error(gql(alpha.host, ASSIGN, {"id": tid, "a": str(w.boss.pk + 10_000)}, token=boss), "assignTicket")
    assert (error["field"], error["code"]) == ("assigneeId", "INVALID_ASSIGNEE")
    _ok(gql(alpha.host, ASSIGN, {"id": tid, "a": str(w.tech.pk)}, token=boss), "assignTicket")
    listed = _data(gql(alpha.host, TICKETS, {}, token=tech), "tickets")
    assert [t["id"] for t in listed["items"]] == [tid]
    assert _data(gql(alpha.host, TICKET, {"id": str(elsewhere.pk)}, token=tech), "ticket") is None
    assert [t["id"] for t in _data(gql(alpha.host, QUEUE, token=tech), "myWorkQueue")["items"]] == [tid]
    assert _ok(gql(alpha.host, START, {"id": tid}, token=tech), "startTicket")["status"] == "ON_SITE"
    error = _error(gql(alpha.host, RESOLVE, {"id": tid, "r": "  "}, token=tech), "resolveTicket")
    assert (error["field"], error["code"]) == ("resolution", "REQUIRED")
    assert _ok(gql(alpha.host, RESOLVE, {"id": tid, "r": "更换阀门"}, token=tech), "resolveTicket")["status"] == \
        "RESOLVED"
    assert _data(gql(alpha.host, QUEUE, token=tech), "myWorkQueue")["totalCount"] == 0
    mine = _data(gql(alpha.host, MY_TICKET, {"id": tid}, token=w.token), "myTicket")
    assert mine["residentActions"] == ["CONFIRM", "REOPEN"] and mine["resolution"] == "更换阀门"
    error = _error(gql(alpha.host, CONFIRM, {"id": tid, "r": 9}, token=w.token), "confirmTicket")
    assert (error["field"], error["code"]) == ("rating", "INVALID")
    closed = _ok(gql(alpha.host, CONFIRM, {"id": tid, "r": 5, "c": "师傅很专业"}, token=w.token), "confirmTicket")
    assert closed["status"] == "CLOSED"
    reopened = _ok(gql(alpha.host, REOPEN, {"id": tid, "r": "又漏了"}, token=w.token), "reopenTicket")
    assert reopened["status"] == "ACCEPTED"
    assert _data(gql(alpha.host, MY_TICKET, {"id": tid}, token=w.token), "myTicket")["reopenCount"] == 1


def test_residents_cancel_and_staff_reject_and_file_for_callers(gql, alpha, w, make_staff):
    boss = _login(gql, alpha, w.boss)
    with schema_context(alpha.schema):
        first = submit(house=w.house, resident=w.resident, cat=w.cat)
        second = submit(house=w.house, resident=w.resident, cat=w.cat)
    assert _ok(gql(alpha.host, CANCEL, {"id": str(first.pk)}, token=w.token), "cancelTicket")["status"] == \
        "CANCELLED"
    rejected = _ok(gql(alpha.host, REJECT, {"id": str(second.pk), "r": "属物业管辖"}, token=boss), "rejectTicket")
    assert rejected["status"] == "REJECTED"
    mine = _data(gql(alpha.host, MY_TICKET, {"id": str(second.pk)}, token=w.token), "myTicket")
    assert mine["resolution"] == "属物业管辖" and mine["timeline"][-1]["note"] == "属物业管辖"
    collector = make_staff(alpha, "collector")
    filed = _ok(gql(alpha.host, CREATE, {"input": {"houseId": str(w.house.pk), "kind": "COMPLAINT",
                                                    "description": "收费员态度差", "contactName": "来电住户"}},
                    token=collector), "createTicket")
    assert filed["status"] == "SUBMITTED"
    mine = _data(gql(alpha.host, MY_TICKET, {"id": filed["id"]}, token=w.token), "myTicket")  # the house's ticket
    assert mine["filedByStaff"] is True


def test_phones_are_masked_for_roles_without_pii_full(gql, alpha, w, make_staff):
    with schema_context(alpha.schema):
        ticket = ticket_in(S.ASSIGNED, house=w.house, resident=w.resident, cat=w.cat, assignee=w.tech)
    tid = str(ticket.pk)
    phones = {role: _data(gql(alpha.host, TICKET, {"id": tid}, token=make_staff(alpha, role)), "ticket")[
        "contactPhone"] for role in ("tenant_admin", "collector", "finance")}
    phones["technician"] = _data(gql(alpha.host, TICKET, {"id": tid}, token=_login(gql, alpha, w.tech)),
                                 "ticket")["contactPhone"]
    # The assigned technician calls to arrange the visit: the full number while it is assigned / on site.
    assert phones == {"tenant_admin": "13800138000", "collector": "13800138000", "finance": "138****8000",
                      "technician": "13800138000"}
    tech_token = _login(gql, alpha, w.tech)
    other_tech = make_staff(alpha, "technician")
    assert _data(gql(alpha.host, TICKET, {"id": tid}, token=other_tech), "ticket") is None  # not theirs: unseen
    with schema_context(alpha.schema):
        type(ticket).objects.filter(pk=ticket.pk).update(status=S.RESOLVED)
    assert _data(gql(alpha.host, TICKET, {"id": tid}, token=tech_token), "ticket")["contactPhone"] == "138****8000"


def test_someone_elses_and_another_companys_tickets_are_not_found(gql, alpha, beta, w, make_staff, make_resident):
    with schema_context(alpha.schema):
        ticket = ticket_in(S.RESOLVED, house=w.house, resident=w.resident, cat=w.cat)
    tid = str(ticket.pk)
    _stranger, stranger = make_resident(alpha, "o-stranger")
    assert _data(gql(alpha.host, MY_TICKET, {"id": tid}, token=stranger), "myTicket") is None
    for query, name, extra in ((CONFIRM, "confirmTicket", {"r": 5}), (REOPEN, "reopenTicket", {"r": "x"}),
                               (CANCEL, "cancelTicket", {})):
        error = _error(gql(alpha.host, query, {"id": tid, **extra}, token=stranger), name)
        assert (error["field"], error["code"]) == ("id", "NOT_FOUND")
    beta_admin = make_staff(beta, "tenant_admin")
    _beta_resident, beta_token = make_resident(beta, "o-beta")
    assert _data(gql(beta.host, TICKET, {"id": tid}, token=beta_admin), "ticket") is None
    assert _error(gql(beta.host, ACCEPT, {"id": tid}, token=beta_admin), "acceptTicket")["code"] == "NOT_FOUND"
    assert _data(gql(beta.host, MY_TICKET, {"id": tid}, token=beta_token), "myTicket") is None
    # An alpha token on beta's domain is no one there.
    result = gql(beta.host, MY_TICKET, {"id": tid}, token=w.token)
    assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    with schema_context(alpha.schema):
        assert Ticket.objects.get(pk=ticket.pk).status == S.RESOLVED
    # A resident submits only for houses they have bound.
    with schema_context(alpha.schema):
        theirs, _owner = bound_house()
    error = _error(gql(alpha.host, SUBMIT, {"input": {"houseId": str(theirs.pk), "kind": "REPAIR",
                                                      "categoryId": str(w.cat.pk), "description": "x",
                                                      "contactName": "x"}}, token=stranger), "submitTicket")
    assert (error["field"], error["code"]) == ("houseId", "NOT_BOUND")


def test_the_daily_submission_limit_answers_with_a_retry_time(gql, alpha, w):
    with schema_context(alpha.schema):
        for _ in range(10):
            submit(house=w.house, resident=w.resident, cat=w.cat)
    query = SUBMIT.replace("errors { field code message }", "errors { field code message retryAfter }")
    result = gql(alpha.host, query, {"input": {"houseId": str(w.house.pk), "kind": "REPAIR",
                                               "categoryId": str(w.cat.pk), "description": "x",
                                               "contactName": "x"}}, token=w.token)
    error = _error(result, "submitTicket")
    assert error["code"] == "RATE_LIMITED" and error["retryAfter"] > 0 and error["field"] is None


def test_the_lists_cost_the_same_queries_for_one_ticket_as_for_many(gql, alpha, w, make_staff):
    boss_token = _login(gql, alpha, w.boss)
    tech_token = _login(gql, alpha, w.tech)
    with schema_context(alpha.schema):
        ticket_in(S.ASSIGNED, house=w.house, resident=w.resident, cat=w.cat, assignee=w.tech)

    def grow():
        with schema_context(alpha.schema):
            for state in (S.RESOLVED, S.CLOSED, S.ON_SITE):
                resident = w.resident
                picture = photos.photo_create(file=upload(), purpose="ticket", resident=resident)
                ticket = ticket_in(state, house=w.house, resident=resident, cat=category(name=f"类{state}"),
                                   assignee=technician() if state != S.ON_SITE else w.tech,
                                   photo_ids=[str(picture.pk)])
                svc.ticket_note(ticket_id=ticket.pk, note="内部", actor=w.boss)

    one, many = assert_same_queries_grown(lambda: _data(gql(alpha.host, MY_TICKETS, token=w.token), "myTickets"),
                                          grow)
    assert (one["totalCount"], many["totalCount"]) == (1, 4)
    first, _ = assert_same_queries_grown(lambda: _data(gql(alpha.host, TICKETS, token=boss_token), "tickets"), grow)
    assert first["totalCount"] == 4
    mine, _ = assert_same_queries_grown(lambda: _data(gql(alpha.host, TICKETS, token=tech_token), "tickets"), grow)
    assert mine["totalCount"] == 3  # his: the first, and one ON_SITE per grow so far


def test_staff_filters(gql, alpha, w):
    boss = _login(gql, alpha, w.boss)
    with schema_context(alpha.schema):
        a = ticket_in(S.ASSIGNED, house=w.house, resident=w.resident, cat=w.cat, assignee=w.tech)
        b = submit(house=w.house, resident=w.resident, cat=category(name="阀门故障"))
        Ticket.objects.filter(pk=b.pk).update(respond_overdue=True)
        other_house, other_resident = bound_house()
        c = ticket_in(S.CLOSED, house=other_house, resident=other_resident, cat=w.cat)

    def ids(f):
        return {int(t["id"]) for t in _data(gql(alpha.host, TICKETS, {"f": f}, token=boss), "tickets")["items"]}

    assert ids({}) == {a.pk, b.pk, c.pk}
    assert ids({"status": "ASSIGNED"}) == {a.pk}
    assert ids({"overdue": True}) == {b.pk} and ids({"overdue": False}) == {a.pk, c.pk}
    assert ids({"assigneeId": str(w.tech.pk)}) == {a.pk}
    assert ids({"categoryId": str(w.cat.pk)}) == {a.pk, c.pk}
    assert ids({"communityId": str(other_house.community_id)}) == {c.pk}
    assert ids({"search": c.no}) == {c.pk} and ids({"search": other_house.account_no}) == {c.pk}
    assert ids({"kind": "COMPLAINT"}) == set()
    today = timezone.localdate()
    assert ids({"dateFrom": str(today), "dateTo": str(today)}) == {a.pk, b.pk, c.pk}
    assert ids({"dateFrom": str(today + dt.timedelta(days=1))}) == set()
    result = gql(alpha.host, TICKETS, {"f": {"dateFrom": "2024-01-01", "dateTo": "2026-01-01"}}, token=boss)
    assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert ids({"assigneeId": "①"}) == set()


def test_categories_technicians_and_the_dashboard(gql, alpha, w, make_staff):
    boss = _login(gql, alpha, w.boss)
    saved = _data(gql(alpha.host, SAVE_CATEGORY, {"input": {"kind": "COMPLAINT", "name": "服务态度",
                                                            "respondHours": 4, "resolveHours": 72}}, token=boss),
                  "saveTicketCategory")
    assert saved["errors"] == [] and saved["category"]["active"] is True
    off = _data(gql(alpha.host, SAVE_CATEGORY, {"id": saved["category"]["id"], "input": {"active": False}},
                    token=boss), "saveTicketCategory")
    assert off["category"]["active"] is False
    bad = _data(gql(alpha.host, SAVE_CATEGORY, {"input": {"kind": "REPAIR", "name": "x", "respondHours": 9,
                                                          "resolveHours": 2}}, token=boss), "saveTicketCategory")
    assert bad["category"] is None and bad["errors"][0]["field"] == "resolveHours"
    resident_names = {c["name"] for c in _data(gql(alpha.host, CATEGORIES, token=w.token), "ticketCategories")}
    staff_names = {c["name"] for c in _data(gql(alpha.host, CATEGORIES, token=boss), "ticketCategories")}
    assert resident_names == {"漏水"} and staff_names == {"漏水", "服务态度"}
    assert {c["name"] for c in _data(gql(alpha.host, CATEGORIES, {"k": "COMPLAINT"}, token=boss),
                                     "ticketCategories")} == {"服务态度"}

    with schema_context(alpha.schema):
        ticket_in(S.ASSIGNED, house=w.house, resident=w.resident, cat=w.cat, assignee=w.tech)
        ticket_in(S.ON_SITE, house=w.house, resident=w.resident, cat=w.cat, assignee=w.tech)
        ticket_in(S.RESOLVED, house=w.house, resident=w.resident, cat=w.cat, assignee=w.tech)
        late = submit(house=w.house, resident=w.resident, cat=w.cat)
        Ticket.objects.filter(pk=late.pk).update(respond_overdue=True, escalated_at=timezone.now())
        User.objects.filter(pk=technician(display_name="离职").pk).update(is_active=False)
    load = _data(gql(alpha.host, TECHNICIANS, token=boss), "technicians")
    assert load[0] == {"id": str(w.tech.pk), "name": "张师傅", "role": "technician", "openCount": 2}
    assert "离职" not in {t["name"] for t in load} and {t["role"] for t in load} == {"technician", "tenant_admin"}

    board = _data(gql(alpha.host, DASHBOARD, {"d": 7}, token=boss), "slaDashboard")
    assert (board["days"], board["open"], board["respondOverdue"], board["resolveOverdue"], board["escalated"]) == \
        (7, 3, 1, 0, 1)
    [row] = board["byCategory"]
    assert (row["kind"], row["category"]["name"], row["open"], row["overdue"]) == ("REPAIR", "漏水", 3, 1)
    assert row["avgRespondHours"] == 0.0 and row["avgResolveHours"] == 0.0
    [community] = board["byCommunity"]
    assert (community["communityId"], community["open"], community["overdue"]) == (
        str(w.house.community_id), 3, 1)
    assert len(board["daily"]) == 7 and board["daily"][-1] == {"date": str(timezone.localdate()), "submitted": 4,
                                                              "resolved": 1}
    result = gql(alpha.host, DASHBOARD, {"d": 400}, token=boss)
    assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    refused = gql(alpha.host, DASHBOARD, token=_login(gql, alpha, w.tech))
    assert refused["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    with schema_context(alpha.schema):
        assert TicketCategory.objects.count() == 2


def test_a_technician_on_a_temperature_ticket_is_offered_the_inspection(gql, alpha, w):
    with schema_context(alpha.schema):
        ticket = ticket_in(S.ASSIGNED, kind="temperature", house=w.house, resident=w.resident, assignee=w.tech)
    seen = _data(gql(alpha.host, TICKET, {"id": str(ticket.pk)}, token=_login(gql, alpha, w.tech)), "ticket")
    assert seen["kind"] == "TEMPERATURE" and seen["reportedTemp"] == "15.0" and seen["category"] is None
    assert seen["staffActions"] == ["START", "RESOLVE", "INSPECT"]
    assert seen["inspections"] == [] and seen["shortfall"] is None


def test_a_resident_with_no_houses_sees_nothing(gql, alpha):
    with schema_context(alpha.schema):
        nobody = ResidentFactory()
    page = _data(gql(alpha.host, MY_TICKETS, token=resident_token(alpha, nobody)), "myTickets")
    assert page == {"totalCount": 0, "items": []}
