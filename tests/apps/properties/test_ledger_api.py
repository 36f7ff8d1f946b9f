from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.audit.models import AuditLog
from apps.properties.models import HeatingStatusChange, House
from tests.factories.properties import HouseFactory

HOUSES = """query($filter: HouseFilter, $first: Int, $offset: Int) {
  houses(filter: $filter, first: $first, offset: $offset) {
    totalCount items { id accountNo address community building heatingStatus ownerName ownerPhone ownerIdNo }
  }
}"""


def _houses(gql, alpha, token, **variables):
    data = gql(alpha.host, HOUSES, variables, token=token)
    assert "errors" not in data, data
    return data["data"]["houses"]


def test_house_list_filters_and_pagination(gql, alpha, ledger, make_staff):
    token = make_staff(alpha, "tenant_admin")
    assert _houses(gql, alpha, token)["totalCount"] == 6
    page = _houses(gql, alpha, token, first=4, offset=4)
    assert [h["accountNo"] for h in page["items"]] == ["B1", "B2"]
    community_id = str(ledger[3].community_id)
    assert _houses(gql, alpha, token, filter={"communityId": community_id})["totalCount"] == 3
    assert _houses(gql, alpha, token, filter={"heatingStatus": "OPTED_OUT"})["items"][0]["accountNo"] == "A1"
    assert _houses(gql, alpha, token, filter={"search": "李四"})["totalCount"] == 3
    assert _houses(gql, alpha, token, filter={"search": "A"})["totalCount"] == 3
    assert _houses(gql, alpha, token, filter={"communityId": "junk"})["totalCount"] == 0
    assert len(_houses(gql, alpha, token, first=1000)["items"]) == 6  # capped at 100, not an error


def test_search_by_full_phone_uses_the_blind_index(gql, alpha, ledger, make_staff):
    token = make_staff(alpha, "collector")
    phone = ledger[4].owner_phone
    result = _houses(gql, alpha, token, filter={"search": phone})
    assert [h["accountNo"] for h in result["items"]] == ["B1"]
    with connection.cursor() as cur:  # and the phone is not stored in clear
        cur.execute(f'SELECT owner_phone, owner_phone_index FROM "{alpha.schema}".properties_house WHERE id = %s',
                    [ledger[4].pk])
        stored, index = cur.fetchone()
    assert phone not in stored and phone not in index


def test_search_by_address_words(gql, alpha, ledger, make_staff):
    token = make_staff(alpha, "collector")
    b1 = ledger[4]  # 阳光花园, its own building, room from the factory
    building, room = b1.building.name, b1.room
    found = lambda term: [h["accountNo"] for h in _houses(gql, alpha, token, filter={"search": term})["items"]]  # noqa: E731
    assert found(f"阳光花园{building}{room}") == ["B1"]  # the address as printed
    assert found(f"阳光花园 {room}") == ["B1"]  # words in any spacing, each must appear
    assert found(f"{room} 阳光") == ["B1"]
    assert found("阳光花园") == ["B0", "B1", "B2"]
    assert found(f"幸福里 {room}") == []  # B1's room is not in 幸福里
    assert found("幸福里 阳光花园") == []


def test_phone_and_id_are_masked_for_roles_without_pii(gql, alpha, ledger, make_staff):
    full = {h["accountNo"]: h for h in _houses(gql, alpha, make_staff(alpha, "tenant_admin"))["items"]}
    masked = {h["accountNo"]: h for h in _houses(gql, alpha, make_staff(alpha, "finance"))["items"]}
    phone = ledger[0].owner_phone
    assert full["A0"]["ownerPhone"] == phone
    assert masked["A0"]["ownerPhone"] == f"{phone[:3]}****{phone[-4:]}"
    assert full["A0"]["ownerIdNo"] == "110101199003071234"
    assert masked["A0"]["ownerIdNo"] == "110***********1234"
    technician = {h["accountNo"]: h for h in _houses(gql, alpha, make_staff(alpha, "technician"))["items"]}
    assert "*" in technician["A0"]["ownerPhone"]


def _count_queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_house_list_query_count_does_not_grow(gql, alpha, ledger, make_staff):
    token = make_staff(alpha, "tenant_admin")
    before = _count_queries(lambda: _houses(gql, alpha, token))
    with schema_context(alpha.schema):
        for i in range(5):
            HouseFactory(account_no=f"C{i}")  # new communities and buildings too
    assert _count_queries(lambda: _houses(gql, alpha, token)) == before


def test_communities_and_buildings_query_counts(gql, alpha, ledger, make_staff):
    token = make_staff(alpha, "technician")
    q = "{ communities { totalCount items { id name houseCount buildingCount } } }"
    data = gql(alpha.host, q, token=token)["data"]["communities"]
    assert {c["name"]: (c["houseCount"], c["buildingCount"]) for c in data["items"]} == {
        "幸福里": (3, 1), "阳光花园": (3, 1)}
    before = _count_queries(lambda: gql(alpha.host, q, token=token))
    with schema_context(alpha.schema):
        HouseFactory()
    assert _count_queries(lambda: gql(alpha.host, q, token=token)) == before
    community_id = str(ledger[0].community_id)
    bq = "query($c: ID!) { buildings(communityId: $c) { name communityName houseCount } }"
    assert gql(alpha.host, bq, {"c": community_id}, token=token)["data"]["buildings"][0]["houseCount"] == 3


def test_house_detail_and_unknown_id(gql, alpha, ledger, make_staff):
    token = make_staff(alpha, "collector")
    q = "query($id: ID!) { house(id: $id) { accountNo address } }"
    assert gql(alpha.host, q, {"id": str(ledger[0].pk)}, token=token)["data"]["house"]["accountNo"] == "A0"
    for bad in ("999999", "abc"):
        assert gql(alpha.host, q, {"id": bad}, token=token)["data"]["house"] is None


UPDATE = """mutation($id: ID!, $input: HouseInput!) {
  updateHouse(id: $id, input: $input) { house { accountNo ownerName ownerPhone } errors { field code } }
}"""


def test_admin_edits_a_house_with_audit(gql, alpha, ledger, make_staff):
    token = make_staff(alpha, "tenant_admin")
    result = gql(alpha.host, UPDATE, {"id": str(ledger[0].pk), "input": {
        "ownerName": "王小明", "ownerPhone": "13711112222", "buildingArea": "90.25"}}, token=token)
    assert result["data"]["updateHouse"] == {
        "house": {"accountNo": "A0", "ownerName": "王小明", "ownerPhone": "13711112222"}, "errors": []}
    with schema_context(alpha.schema):
        house = House.objects.get(pk=ledger[0].pk)
        assert str(house.building_area) == "90.25"
        from heat_platform.crypto import blind_index

        assert house.owner_phone_index == blind_index("13711112222", purpose="phone")
        log = AuditLog.objects.get(action="house.update")
        assert log.detail == {"fields": ["building_area", "owner_name", "owner_phone"]}
        assert "13711112222" not in str(log.detail)


def test_bad_edits_are_typed_errors_and_change_nothing(gql, alpha, ledger, make_staff):
    token = make_staff(alpha, "tenant_admin")
    cases = [
        ({"buildingArea": "-3"}, "buildingArea", "INVALID_AREA"),
        ({"buildingArea": "12.345"}, "buildingArea", "INVALID_AREA"),
        ({"ownerPhone": "12345"}, "ownerPhone", "INVALID_PHONE"),
        ({"ownerName": "  "}, "ownerName", "REQUIRED"),
        # A masked number would overwrite the real one; a usable area above the floor area (89.50) is a typo.
        ({"ownerIdNo": "1101**********1234"}, "ownerIdNo", "INVALID"),
        ({"ownerIdNo": "1101＊＊＊＊＊＊＊＊＊＊1234"}, "ownerIdNo", "INVALID"),
        ({"usableArea": "90.00"}, "usableArea", "INVALID_AREA"),
        ({"buildingArea": "60.00"}, "buildingArea", "INVALID_AREA"),
        ({"buildingArea": "80.00", "usableArea": "85.00"}, "usableArea", "INVALID_AREA"),
    ]
    for change, field, code in cases:
        result = gql(alpha.host, UPDATE, {"id": str(ledger[0].pk), "input": {"ownerName": "新名字", **change}},
                     token=token)["data"]["updateHouse"]
        assert result["house"] is None
        assert {"field": field, "code": code} in result["errors"]
    missing = gql(alpha.host, UPDATE, {"id": "999999", "input": {"room": "1"}}, token=token)["data"]["updateHouse"]
    assert missing["errors"] == [{"field": "id", "code": "NOT_FOUND"}]
    with schema_context(alpha.schema):
        house = House.objects.get(pk=ledger[0].pk)
        assert (house.owner_name, house.owner_id_no) == ("王建国", "110101199003071234")
        assert (str(house.building_area), str(house.usable_area)) == ("89.50", "70.10")
        assert not AuditLog.objects.exists()
    # Both areas changed together and consistent: saved.
    ok = gql(alpha.host, UPDATE, {"id": str(ledger[0].pk), "input": {"buildingArea": "60.00", "usableArea": "50.00"}},
             token=token)["data"]["updateHouse"]
    assert ok["errors"] == []


STATUS = """mutation($id: ID!, $status: HeatingStatus!, $reason: String!) {
  changeHeatingStatus(id: $id, status: $status, reason: $reason) { house { heatingStatus } errors { field code } }
}"""


def test_heating_status_change_is_recorded_and_audited(gql, alpha, ledger, make_staff):
    token = make_staff(alpha, "collector")
    result = gql(alpha.host, STATUS, {"id": str(ledger[0].pk), "status": "OPTED_OUT", "reason": "房屋空置"},
                 token=token)["data"]["changeHeatingStatus"]
    assert result == {"house": {"heatingStatus": "OPTED_OUT"}, "errors": []}
    again = gql(alpha.host, STATUS, {"id": str(ledger[0].pk), "status": "OPTED_OUT", "reason": "x"},
                token=token)["data"]["changeHeatingStatus"]
    assert again["errors"] == [{"field": "status", "code": "INVALID_STATUS"}]
    no_reason = gql(alpha.host, STATUS, {"id": str(ledger[0].pk), "status": "NORMAL", "reason": " "},
                    token=token)["data"]["changeHeatingStatus"]
    assert no_reason["errors"] == [{"field": "reason", "code": "REQUIRED"}]
    with schema_context(alpha.schema):
        change = HeatingStatusChange.objects.get()
        assert (change.from_status, change.to_status, change.reason) == ("normal", "opted_out", "房屋空置")
        log = AuditLog.objects.get(action="house.heating_status")
        assert (log.actor_kind, log.detail["from"], log.detail["to"]) == ("staff", "normal", "opted_out")
