"""The messaging demo seed (apps/messaging/demo.py, run by seed_demo): templates linked to the sandbox WeChat's
library for the demo mini-program (over HTTP when the sandbox answers, from its library when the dev server is
not up yet), the knowledge base, a pinned community notice and a notice to everybody that the demo resident
sees, the demo resident's one-time grants in our ledger and in the sandbox WeChat, and twelve neighbours in
arrears (WeChat grant / phone + SMS opt-in / in-app only) so a payment-due campaign shows every channel — all
once, however often the seed runs."""

from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from apps.messaging.demo import (
    DEMO_RESIDENT,
    GRANTED_KINDS,
    NEIGHBOURS,
    SMS_NEIGHBOURS,
    WECHAT_NEIGHBOURS,
    messaging_demo_seed,
)
from apps.messaging.models import Announcement, KbArticle, MessageTemplate, SmsConsent, SubscriptionGrant
from apps.messaging.sandbox.models import SandboxWxSubscription
from apps.messaging.sandbox.services import sandbox_template_ids
from apps.properties.demo import demo_ledger_seed
from apps.properties.models import House, HouseBinding
from apps.residents.models import Resident
from apps.residents.providers.sandbox import sandbox_openid
from tenants.models import HeatingCompany, MiniProgramAccount
from tests.factories.accounts import staff
from tests.sandbox_http import sandbox_http

pytestmark = pytest.mark.django_db
APP_ID = "wxd3e0c0ffee00a001"


@pytest.fixture
def demo(alpha) -> HeatingCompany:
    connection.set_schema_to_public()
    company = HeatingCompany.objects.get(slug="alpha")
    MiniProgramAccount.objects.update_or_create(tenant=company,
                                                defaults={"app_id": APP_ID, "app_secret": "sandbox-secret"})
    with schema_context(alpha.schema):
        demo_ledger_seed()
        staff("boss", role="tenant_admin")
    return HeatingCompany.objects.get(pk=company.pk)


def _state(alpha):
    with schema_context(alpha.schema):
        resident = Resident.objects.get(openid=sandbox_openid(APP_ID, DEMO_RESIDENT))
        grants = {g.template_id: (g.kind, g.credits, g.status) for g in SubscriptionGrant.objects.filter(
            resident=resident)}
        return {
            "bound": list(HouseBinding.objects.filter(resident=resident).values_list("house__account_no", flat=True)),
            "ids": dict(MessageTemplate.objects.values_list("kind", "wechat_template_id")),
            "announcements": list(Announcement.objects.order_by("id").values_list(
                "title", "status", "pinned", "audience", "community_ids")),
            "articles": KbArticle.objects.filter(status="published").count(),
            "grants": grants,
            "resident": resident,
        }


def test_the_demo_seed_links_templates_over_http_and_runs_once(alpha, demo):
    with sandbox_http() as http:
        first = messaging_demo_seed(tenant=demo)
        urls = [c.request.url for c in http.calls]  # the mock forgets its calls when the block ends
    assert any("/sandbox/wxapi/wxaapi/newtmpl/gettemplate" in url for url in urls)
    assert first.templates_linked == 6 and first.announcements == 2 and first.kb_articles > 0
    assert sorted(first.grants) == sorted(GRANTED_KINDS)
    state = _state(alpha)
    library = sandbox_template_ids(APP_ID)
    with schema_context(alpha.schema):
        titles = dict(MessageTemplate.objects.values_list("kind", "wechat_title"))
    assert state["ids"] == {kind: library[titles[kind]] for kind in titles}
    assert state["bound"] == ["H10001"]
    [(notice, status, pinned, audience, communities), (season, status2, pinned2, audience2, _ids)] = \
        state["announcements"]
    assert "检修" in notice and "停暖" in notice and (status, pinned, audience) == ("published", True, "communities")
    with schema_context(alpha.schema):
        from apps.properties.models import House

        assert communities == [House.objects.get(account_no="H10001").community_id]
    assert (status2, pinned2, audience2) == ("published", False, "all")
    for text in (notice, season):
        assert not any(word in text for word in ("催缴", "催款", "催费", "追缴"))
    wanted = {state["ids"][kind] for kind in GRANTED_KINDS}
    assert state["grants"] == {tid: ("one_time", 1, "active") for tid in wanted}
    connection.set_schema_to_public()
    sandbox = {s.template_id: (s.status, s.credits) for s in SandboxWxSubscription.objects.filter(
        appid=APP_ID, openid=state["resident"].openid)}
    assert sandbox == {tid: ("accept", 1) for tid in wanted}

    with sandbox_http():
        again = messaging_demo_seed(tenant=demo)
    assert not again and (again.announcements, again.kb_articles, again.grants) == (0, 0, [])
    repeat = _state(alpha)
    assert {k: v for k, v in repeat.items() if k != "resident"} == {k: v for k, v in state.items() if k != "resident"}
    connection.set_schema_to_public()
    assert {s.template_id: s.credits for s in SandboxWxSubscription.objects.filter(
        appid=APP_ID, openid=state["resident"].openid)} == {tid: 1 for tid in wanted}


def test_the_demo_resident_sees_both_announcements_gets_a_spent_credit_back_and_sms_once_with_a_phone(alpha, demo):
    from apps.messaging.content_selectors import announcements_for_resident

    messaging_demo_seed(tenant=demo)  # no HTTP: linked from the sandbox library (the dev server is not up)
    state = _state(alpha)
    assert all(state["ids"].values())
    with schema_context(alpha.schema):
        seen = list(announcements_for_resident(state["resident"]).values_list("pinned", flat=True))
        assert seen == [True, False]  # the pinned community notice first
        receipt = state["ids"]["payment_receipt"]
    assert not state["resident"].phone and not messaging_demo_seed(tenant=demo).sms_opt_in  # no phone: no SMS
    with schema_context(alpha.schema):
        resident = state["resident"]
        resident.phone = "13800138000"  # bound a phone in the mini-program since
        resident.save(update_fields=["phone"])
        SubscriptionGrant.objects.filter(template_id=receipt).update(credits=0)  # and was sent a receipt
    connection.set_schema_to_public()
    SandboxWxSubscription.objects.filter(template_id=receipt).update(credits=0)
    report = messaging_demo_seed(tenant=demo)
    assert report.grants == ["payment_receipt"] and report.sms_opt_in
    assert _state(alpha)["grants"][receipt] == ("one_time", 1, "active")
    with schema_context(alpha.schema):
        assert SmsConsent.objects.get(resident=resident).opted_in
    connection.set_schema_to_public()
    assert SandboxWxSubscription.objects.get(template_id=receipt).credits == 1
    assert not messaging_demo_seed(tenant=demo)  # nothing more to do


def test_without_a_mini_program_only_content_is_seeded(alpha):
    with schema_context(alpha.schema):
        demo_ledger_seed()
        staff("boss", role="tenant_admin")
    connection.set_schema_to_public()
    report = messaging_demo_seed(tenant=HeatingCompany.objects.get(slug="alpha"))
    assert report.templates_linked == 0 and report.grants == [] and report.announcements == 2
    with schema_context(alpha.schema):
        assert MessageTemplate.objects.count() == 6
        assert not MessageTemplate.objects.exclude(wechat_template_id="").exists()
        assert not Resident.objects.exists()


# --- the neighbours: a campaign in the demo reaches residents on every channel ---------------------------------------

@pytest.fixture
def billed(alpha, demo) -> HeatingCompany:
    from apps.billing.demo import demo_billing_seed

    with schema_context(alpha.schema):
        demo_billing_seed()  # every house billed for the open season
    return demo


def _neighbourhood(alpha) -> dict:
    """name → ([(account_no, community, role)], phone, phone_index, sms opted in, our ledger's grants)."""
    with schema_context(alpha.schema):
        out = {}
        for name in NEIGHBOURS:
            resident = Resident.objects.filter(openid=sandbox_openid(APP_ID, name)).first()
            if resident is None:
                continue
            bindings = list(HouseBinding.objects.filter(resident=resident).select_related("house__community"))
            consent = SmsConsent.objects.filter(resident=resident).first()
            out[name] = (
                [(b.house.account_no, b.house.community.name, b.role) for b in bindings],
                resident.phone, resident.phone_index, consent.opted_in if consent else None,
                {g.template_id: (g.kind, g.credits, g.status)
                 for g in SubscriptionGrant.objects.filter(resident=resident)})
        return out


def _preview(alpha) -> dict:
    from apps.messaging.campaigns import campaign_preview
    from apps.tariffs.models import Season

    with schema_context(alpha.schema):
        season = Season.objects.get(status="open")
        return campaign_preview(kind="payment_due", season_id=season.pk)


def test_twelve_neighbours_in_arrears_give_a_payment_due_campaign_every_channel_once(alpha, billed):
    from apps.billing.models import Bill
    from apps.residents.phones import phone_index

    assert _preview(alpha)["total"] == 0  # nobody bound yet: the problem this seed solves
    report = messaging_demo_seed(tenant=billed)
    assert (report.neighbours_bound, report.neighbour_phones, report.neighbour_sms_opt_ins,
            report.neighbour_grants) == (12, 4, 4, 3)
    assert sorted(report.sms_templates) == ["bill_published", "payment_due"]
    hood = _neighbourhood(alpha)
    assert list(hood) == list(NEIGHBOURS)
    houses = [bindings[0][0] for bindings, *_rest in hood.values()]
    assert all(len(bindings) == 1 and bindings[0][2] == "owner" for bindings, *_rest in hood.values())
    assert len(set(houses)) == 12 and "H10001" not in houses
    # alternating: odd neighbours in 幸福里 (H1…), even in 阳光花园 (H2…)
    assert [h[:2] for h in houses] == ["H1", "H2"] * 6
    with schema_context(alpha.schema):
        owing = Bill.objects.filter(house__account_no__in=houses, season__status="open",
                                    status__in=("issued", "partially_paid"))
        assert owing.count() == 12
        owners = {h.account_no: h.owner_phone for h in House.objects.filter(account_no__in=houses)}
        templates = {t.kind: (t.sms_template_code, t.sms_approval) for t in MessageTemplate.objects.all()}
        due_tid = MessageTemplate.objects.get(kind="payment_due").wechat_template_id
    for name, (bindings, phone, index, opted_in, grants) in hood.items():
        if name in SMS_NEIGHBOURS:  # the house owner's phone, verified through getPhoneNumber, and SMS on
            assert (phone, index, opted_in) == (owners[bindings[0][0]], phone_index(phone), True)
        else:
            assert (phone, index, opted_in) == ("", "", None)
        assert grants == ({due_tid: ("one_time", 1, "active")} if name in WECHAT_NEIGHBOURS else {})
    assert templates["payment_due"] == ("SMS_DEMO_0002", "approved")
    assert templates["bill_published"] == ("SMS_DEMO_0001", "approved")
    assert templates["payment_receipt"][1] != "approved"  # only the two campaign kinds
    connection.set_schema_to_public()
    assert {s.openid: (s.template_id, s.status, s.credits) for s in SandboxWxSubscription.objects.filter(
        appid=APP_ID, openid__in=[sandbox_openid(APP_ID, n) for n in NEIGHBOURS])} == {
        sandbox_openid(APP_ID, n): (due_tid, "accept", 1) for n in WECHAT_NEIGHBOURS}
    # the demo resident (H10001, a reminder credit) + 3 WeChat + 4 SMS + 5 in-app
    assert _preview(alpha) == {"total": 13, "already_sent": 0, "by_channel": {"wechat": 4, "sms": 4, "in_app": 5}}

    again = messaging_demo_seed(tenant=billed)
    assert not again
    assert _neighbourhood(alpha) == hood
    assert _preview(alpha)["by_channel"] == {"wechat": 4, "sms": 4, "in_app": 5}
    connection.set_schema_to_public()
    assert SandboxWxSubscription.objects.filter(appid=APP_ID).count() == 2 + 3


def test_a_neighbour_logs_in_with_their_sandbox_code_and_staff_choices_stand(alpha, billed):
    from django_tenants.utils import tenant_context

    from apps.residents.services import resident_wechat_login

    messaging_demo_seed(tenant=billed)
    with tenant_context(billed):
        login = resident_wechat_login(code="sandbox:demo-neighbour-01", ip="127.0.0.1")
        assert not login.created and login.resident.bindings.count() == 1
        # a neighbour who switched SMS off and staff who put a template back to pending keep their choice
        sms_resident = Resident.objects.get(openid=sandbox_openid(APP_ID, SMS_NEIGHBOURS[0]))
        SmsConsent.objects.filter(resident=sms_resident).update(opted_in=False)
        MessageTemplate.objects.filter(kind="payment_due").update(sms_approval="pending")
    connection.set_schema_to_public()
    assert not messaging_demo_seed(tenant=billed)
    with schema_context(alpha.schema):
        assert not SmsConsent.objects.get(resident=sms_resident).opted_in
        assert MessageTemplate.objects.get(kind="payment_due").sms_approval == "pending"


def test_a_neighbour_whose_house_was_paid_keeps_it_and_no_neighbour_without_bills(alpha, demo):
    from apps.billing.demo import demo_billing_seed

    messaging_demo_seed(tenant=demo)  # the ledger has no bills: nothing owes, no neighbour made
    with schema_context(alpha.schema):
        assert not Resident.objects.filter(openid__in=[sandbox_openid(APP_ID, n) for n in NEIGHBOURS]).exists()
        demo_billing_seed()
    connection.set_schema_to_public()
    assert messaging_demo_seed(tenant=demo).neighbours_bound == 12
    hood = _neighbourhood(alpha)
    with schema_context(alpha.schema):
        from apps.billing.models import Bill

        Bill.objects.filter(house__account_no=hood[NEIGHBOURS[0]][0][0][0]).update(status="paid")
    connection.set_schema_to_public()
    assert not messaging_demo_seed(tenant=demo)  # paid since: still their house, no second one
    assert _neighbourhood(alpha) == hood
