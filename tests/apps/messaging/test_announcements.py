"""Announcements through the services, on a fixed clock: who they reach (everyone, chosen communities or
buildings, houses owing money now in an open season), their schedule (publish at, expire), read state per
resident and read counts, typed refusals that change nothing, and the audit rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from apps.audit.models import AuditLog
from apps.billing.models import Bill
from apps.messaging import announcements as svc
from apps.messaging import content_selectors as sel
from apps.messaging.models import Announcement, AnnouncementRead
from apps.properties.models import HouseBinding
from apps.tariffs.models import Season
from tests.factories.accounts import StaffFactory
from tests.factories.billing import bill_for
from tests.factories.properties import BuildingFactory, CommunityFactory, HouseFactory
from tests.factories.residents import ResidentFactory
from tests.factories.tariffs import SeasonFactory, TariffPlanFactory
from tests.queries import assert_same_queries_grown

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def tenant(alpha):
    with schema_context(alpha.schema):
        yield alpha


def _codes(exc: pytest.ExceptionInfo) -> dict[str, str]:
    return {field: errs[0].code for field, errs in exc.value.error_dict.items()}


def _resident_in(house):
    resident = ResidentFactory()
    HouseBinding.objects.create(house=house, resident=resident)
    return resident


def _published(*, actor=None, now=NOW, publish_at=None, **fields) -> Announcement:
    actor = actor or StaffFactory(role="tenant_admin")
    fields.setdefault("title", "停热通知")
    fields.setdefault("body", "<p>12 月 8 日检修</p>")
    draft = svc.announcement_create(actor=actor, now=now, **fields)
    return svc.announcement_publish(announcement_id=draft.pk, actor=actor, publish_at=publish_at, now=now)


def _visible(resident, now=NOW) -> list[int]:
    return [a.pk for a in sel.announcements_for_resident(resident, now=now)]


def test_only_residents_of_the_chosen_communities_or_buildings_see_it(tenant):
    north, south = CommunityFactory(name="北苑"), CommunityFactory(name="南苑")
    b1, b2 = BuildingFactory(community=north), BuildingFactory(community=north)
    in_b1 = _resident_in(HouseFactory(building=b1))
    in_b2 = _resident_in(HouseFactory(building=b2))
    in_south = _resident_in(HouseFactory(building=BuildingFactory(community=south)))
    unbound = ResidentFactory()
    everyone = _published(audience="all")
    to_north = _published(audience="communities", community_ids=[north.pk])
    to_b2 = _published(audience="buildings", building_ids=[str(b2.pk)])
    assert set(_visible(in_b1)) == {everyone.pk, to_north.pk}
    assert set(_visible(in_b2)) == {everyone.pk, to_north.pk, to_b2.pk}
    assert set(_visible(in_south)) == {everyone.pk}
    assert _visible(unbound) == []  # no house bound: nothing reaches them
    assert (everyone.target_count, to_north.target_count, to_b2.target_count) == (3, 2, 1)
    # A resident with houses in both communities counts once.
    HouseBinding.objects.create(house=HouseFactory(building=b1), resident=in_south)
    assert sel.target_count(to_north) == 3 and sel.target_count(everyone) == 3


def test_arrears_reach_houses_owing_now_in_an_open_season(tenant):
    season = SeasonFactory(name="2026-2027", status=Season.Status.OPEN)
    plan = TariffPlanFactory(season=season)
    old = SeasonFactory(name="2025-2026", heating_start=dt.date(2025, 11, 15), status=Season.Status.CLOSED)
    owing, paid, unbilled, old_debt = (HouseFactory() for _ in range(4))
    bill_for((season, plan), house=owing)
    Bill.objects.filter(pk=bill_for((season, plan), house=paid).pk).update(
        paid_fen=Bill.objects.get(house=paid).principal_fen, status=Bill.Status.PAID)
    bill_for((old, TariffPlanFactory(season=old)), house=old_debt)
    residents = {name: _resident_in(h) for name, h in
                 (("owing", owing), ("paid", paid), ("unbilled", unbilled), ("old_debt", old_debt))}
    reminder = _published(audience="arrears", title="缴费提醒")
    assert reminder.target_count == 1
    assert {n for n, r in residents.items() if reminder.pk in _visible(r)} == {"owing"}
    # Paying ends it: the audience is read when asked.
    Bill.objects.filter(house=owing).update(paid_fen=Bill.objects.get(house=owing).principal_fen,
                                            status=Bill.Status.PAID)
    assert _visible(residents["owing"]) == []


def test_schedule_publish_later_and_expiry(tenant):
    resident = _resident_in(HouseFactory())
    later = _published(publish_at=NOW + 2 * HOUR, expires_at=NOW + 5 * HOUR)
    assert later.status == "published" and later.publish_at == NOW + 2 * HOUR
    assert sel.announcement_state(later, now=NOW) == "scheduled"
    assert _visible(resident, NOW) == [] and _visible(resident, NOW + 2 * HOUR - dt.timedelta(seconds=1)) == []
    assert _visible(resident, NOW + 2 * HOUR) == [later.pk]
    assert sel.announcement_state(later, now=NOW + 3 * HOUR) == "published"
    assert _visible(resident, NOW + 5 * HOUR) == []  # expires_at itself is out
    assert sel.announcement_state(later, now=NOW + 5 * HOUR) == "expired"
    assert sel.announcement_for_resident(resident, later.pk, now=NOW + 6 * HOUR) is None
    # Publishing without a time: at once; a time a little in the past (a slow clock) counts as now.
    assert _published(now=NOW).publish_at == NOW
    assert _published(now=NOW, publish_at=NOW - dt.timedelta(minutes=2)).publish_at == NOW
    # A draft's planned time: used when ahead, and "now" once it has passed (the draft was published late).
    actor = StaffFactory(role="tenant_admin")
    planned = svc.announcement_create(actor=actor, title="t", body="b", publish_at=NOW + HOUR, now=NOW)
    assert svc.announcement_publish(announcement_id=planned.pk, actor=actor, now=NOW).publish_at == NOW + HOUR
    late = svc.announcement_create(actor=actor, title="t", body="b", publish_at=NOW + HOUR, now=NOW)
    assert svc.announcement_publish(announcement_id=late.pk, actor=actor, now=NOW + 2 * HOUR).publish_at == \
        NOW + 2 * HOUR


@pytest.mark.parametrize(("publish_at", "expires_at", "field"), [
    (NOW + 2 * HOUR, NOW + HOUR, "expires_at"),  # expires before it is published
    (NOW + HOUR, NOW + HOUR, "expires_at"),
    (None, NOW - HOUR, "expires_at"),  # already expired
    (NOW - HOUR, None, "publish_at"),  # in the past
])
def test_a_bad_schedule_is_refused_and_nothing_is_published(tenant, publish_at, expires_at, field):
    actor = StaffFactory(role="tenant_admin")
    if field == "expires_at":
        with pytest.raises(ValidationError) as exc:
            svc.announcement_create(actor=actor, title="t", body="b", publish_at=publish_at, expires_at=expires_at,
                                    now=NOW)
        assert _codes(exc) == {"expires_at": "INVALID_SCHEDULE"}
        assert not Announcement.objects.exists()
        return
    draft = svc.announcement_create(actor=actor, title="t", body="b", now=NOW)
    with pytest.raises(ValidationError) as exc:
        svc.announcement_publish(announcement_id=draft.pk, actor=actor, publish_at=publish_at, now=NOW)
    assert _codes(exc) == {"publish_at": "INVALID_SCHEDULE"}
    assert Announcement.objects.get(pk=draft.pk).status == "draft"


def test_bad_input_is_typed_field_by_field(tenant):
    actor = StaffFactory(role="tenant_admin")
    other = CommunityFactory()
    with pytest.raises(ValidationError) as exc:
        svc.announcement_create(actor=actor, title=" ", body="<script>alert(1)</script>", audience="communities",
                                community_ids=[other.pk, 999_999], now=NOW)
    assert _codes(exc) == {"title": "REQUIRED", "body": "REQUIRED", "community_ids": "INVALID_AUDIENCE"}
    for audience, kwargs, field in (("communities", {}, "community_ids"), ("buildings", {}, "building_ids"),
                                    ("buildings", {"building_ids": ["x"]}, "building_ids"),
                                    ("nobody", {}, "audience")):
        with pytest.raises(ValidationError) as exc:
            svc.announcement_create(actor=actor, title="t", body="b", audience=audience, now=NOW, **kwargs)
        assert _codes(exc) == {field: "INVALID_AUDIENCE"}, audience
    with pytest.raises(ValidationError) as exc:
        svc.announcement_create(actor=actor, title="标" * 61, body="b" * (svc.MAX_RAW_CHARS + 1), now=NOW)
    assert _codes(exc) == {"title": "TOO_LONG", "body": "TOO_LONG"}
    assert not Announcement.objects.exists() and not AuditLog.objects.filter(action__startswith="announ").exists()


def test_the_body_is_sanitized_and_summarized_on_save(tenant):
    draft = svc.announcement_create(
        actor=StaffFactory(role="tenant_admin"), title="  停热   通知 ", now=NOW,
        body='<p onclick="x()">因检修<script>alert(1)</script>停热。</p><img src="https://evil.example/a.png">')
    assert (draft.title, draft.body, draft.summary) == ("停热 通知", "<p>因检修停热。</p>", "因检修停热。")


def test_states_withdraw_delete_and_edit(tenant):
    actor = StaffFactory(role="tenant_admin")
    resident = _resident_in(HouseFactory())
    draft = svc.announcement_create(actor=actor, title="草稿", body="b", now=NOW)
    assert _visible(resident) == []  # a draft is never shown
    with pytest.raises(ValidationError) as exc:
        svc.announcement_withdraw(announcement_id=draft.pk, actor=actor)
    assert _codes(exc) == {"id": "NOT_ALLOWED_IN_STATE"}
    live = svc.announcement_publish(announcement_id=draft.pk, actor=actor, now=NOW)
    for refused in (lambda: svc.announcement_publish(announcement_id=live.pk, actor=actor, now=NOW),
                    lambda: svc.announcement_delete(announcement_id=live.pk, actor=actor)):
        with pytest.raises(ValidationError) as exc:
            refused()
        assert _codes(exc) == {"id": "NOT_ALLOWED_IN_STATE"}
    edited = svc.announcement_update(announcement_id=live.pk, actor=actor, title="已更正", body="b2", audience="all",
                                     pinned=True, publish_at=NOW + HOUR, now=NOW + dt.timedelta(minutes=10))
    assert (edited.title, edited.pinned, edited.publish_at) == ("已更正", True, NOW)  # seen already: date kept
    svc.announcement_withdraw(announcement_id=live.pk, actor=actor)
    assert _visible(resident) == []
    with pytest.raises(ValidationError) as exc:
        svc.announcement_update(announcement_id=live.pk, actor=actor, title="x", body="b", audience="all", now=NOW)
    assert _codes(exc) == {"id": "NOT_ALLOWED_IN_STATE"}
    other = svc.announcement_create(actor=actor, title="删", body="b", now=NOW)
    svc.announcement_delete(announcement_id=other.pk, actor=actor)
    assert not Announcement.objects.filter(pk=other.pk).exists()
    with pytest.raises(ValidationError) as exc:
        svc.announcement_delete(announcement_id=other.pk, actor=actor)
    assert _codes(exc) == {"id": "NOT_FOUND"}
    actions = list(AuditLog.objects.filter(action__startswith="announcement.").order_by("pk")
                   .values_list("action", "actor_id"))
    assert actions == [("announcement.create", actor.pk), ("announcement.publish", actor.pk),
                       ("announcement.update", actor.pk), ("announcement.withdraw", actor.pk),
                       ("announcement.create", actor.pk), ("announcement.delete", actor.pk)]


def test_pinned_first_then_newest_with_each_residents_read_state(tenant):
    house = HouseFactory()
    me, neighbour = _resident_in(house), _resident_in(house)
    first = _published(title="一", now=NOW)
    second = _published(title="二", now=NOW + HOUR)
    pinned = _published(title="置顶", now=NOW, pinned=True)
    assert _visible(me, NOW + 2 * HOUR) == [pinned.pk, second.pk, first.pk]
    svc.announcement_mark_read(resident=me, announcement_id=first.pk, now=NOW + 2 * HOUR)
    svc.announcement_mark_read(resident=me, announcement_id=first.pk, now=NOW + 2 * HOUR)  # again: no change
    reads = {a.pk: a.is_read for a in sel.announcements_for_resident(me, now=NOW + 2 * HOUR)}
    assert reads == {pinned.pk: False, second.pk: False, first.pk: True}
    assert not any(a.is_read for a in sel.announcements_for_resident(neighbour, now=NOW + 2 * HOUR))
    assert AnnouncementRead.objects.filter(announcement=first).count() == 1
    svc.announcement_mark_read(resident=neighbour, announcement_id=first.pk, now=NOW + 2 * HOUR)
    counts = {a.pk: a.read_count for a in sel.announcements_for_staff(now=NOW + 2 * HOUR)}
    assert counts == {pinned.pk: 0, second.pk: 0, first.pk: 2}


def test_marking_read_what_is_not_meant_for_me_is_not_found(tenant):
    mine, theirs = CommunityFactory(), CommunityFactory()
    me = _resident_in(HouseFactory(building=BuildingFactory(community=mine)))
    other = _published(audience="communities", community_ids=[theirs.pk])
    draft = svc.announcement_create(actor=StaffFactory(role="tenant_admin"), title="d", body="b", now=NOW)
    for pk in (other.pk, draft.pk, 999_999):
        with pytest.raises(ValidationError) as exc:
            svc.announcement_mark_read(resident=me, announcement_id=pk, now=NOW)
        assert _codes(exc) == {"id": "NOT_FOUND"}
    assert not AnnouncementRead.objects.exists()


def test_resident_and_staff_lists_cost_the_same_for_one_or_many(tenant):
    community = CommunityFactory()
    resident = _resident_in(HouseFactory(building=BuildingFactory(community=community)))
    _published(audience="communities", community_ids=[community.pk])

    def grow():
        for n in range(4):
            a = _published(title=f"n{n}", audience="all" if n % 2 else "communities", community_ids=[community.pk])
            svc.announcement_mark_read(resident=resident, announcement_id=a.pk, now=NOW)

    def lists():
        return (list(sel.announcements_for_resident(resident, now=NOW)),
                [(a.read_count, a.created_by.shown_name) for a in sel.announcements_for_staff(now=NOW)])

    one, many = assert_same_queries_grown(lists, grow)
    assert (len(one[0]), len(many[0]), len(many[1])) == (1, 5, 5)
