"""The outbox's GraphQL API (graphql_api/messaging/outbox.py): a resident's inbox, read marking, SMS opt-in and
subscription grants (their own only: another resident's or another company's messages are NOT_FOUND / invisible),
and staff's templates, settings, outbox listing (targets masked, deliveries loaded with the page) and retry, with
the roles each field allows and typed errors that change nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from apps.messaging import outbox
from apps.messaging.models import (
    Delivery,
    Message,
    MessageKind,
    MessageTemplate,
    MessagingSettings,
    SmsConsent,
    SubscriptionGrant,
)
from apps.messaging.templates import ensure_default_templates
from apps.residents.phones import phone_index
from tests.queries import assert_same_queries

pytestmark = pytest.mark.django_db
TICKET_VARS = {"ticket_no": "T20261207-000001", "ticket_title": "暖气片漏水", "status": "已派单",
               "updated_at": "2026-12-07 10:00", "note": ""}

MY = "query($first:Int,$offset:Int){myMessages(first:$first,offset:$offset){total unread items{id kind title body " \
     "page read createdAt}} unreadMessageCount}"
MARK = "mutation($ids:[ID!],$all:Boolean){markMessagesRead(ids:$ids,all:$all){count errors{field code}}}"
PREFS = "{messagingPreferences{smsOptIn phoneMasked hasPhone}}"
OPT = "mutation($v:Boolean!){setSmsOptIn(optIn:$v){preferences{smsOptIn phoneMasked hasPhone} errors{field code}}}"
OUTBOX = "query($status:MessageStatus,$first:Int){outboxMessages(status:$status,first:$first){total items{id kind " \
         "status channel residentId note lastError deliveries{channel target status errorCode content}}}}"
RETRY = "mutation($id:ID!){retryMessage(id:$id){message{id status} errors{field code}}}"
TEMPLATE = "mutation($kind:MessageKind!,$input:MessageTemplateInput!){updateMessageTemplate(kind:$kind,input:$input)" \
           "{template{kind smsText inAppBody wechatFields{key variable} smsApproval} errors{field code}}}"
SETTINGS = "mutation($input:MessagingSettingsInput!){updateMessagingSettings(input:$input){settings{quietStart " \
           "quietEnd residentDailyCap phoneDailyCap smsSignName effectiveSignName miniprogramState} " \
           "errors{field code}}}"


def _message(tenant, resident, key="t1", kind=MessageKind.TICKET_UPDATE):
    with schema_context(tenant.schema):
        return outbox.enqueue(resident_id=resident.pk, kind=kind, key=key, variables=TICKET_VARS,
                              page="pages/ticket-detail/ticket-detail?id=1")


# --- the resident's inbox --------------------------------------------------------------------------------------

def test_my_messages_are_mine_only_and_newest_first(gql, alpha, beta, make_resident):
    me, token = make_resident(alpha, "o-me")
    other, _ = make_resident(alpha, "o-other")
    first, second = _message(alpha, me, "a"), _message(alpha, me, "b")
    _message(alpha, other, "c")
    beta_resident, beta_token = make_resident(beta, "o-me")  # same openid, another company
    theirs = _message(beta, beta_resident, "d")
    data = gql(alpha.host, MY, {"first": 10}, token=token)["data"]
    page = data["myMessages"]
    assert (page["total"], page["unread"], data["unreadMessageCount"]) == (2, 2, 2)
    assert [i["id"] for i in page["items"]] == [str(second.pk), str(first.pk)]
    item = page["items"][0]
    assert (item["kind"], item["title"], item["page"], item["read"]) == (
        "TICKET_UPDATE", "工单进度更新", "pages/ticket-detail/ticket-detail?id=1", False)
    assert "T20261207-000001" in item["body"]
    beta_page = gql(beta.host, MY, {}, token=beta_token)["data"]["myMessages"]
    assert beta_page["total"] == 1 and [i["id"] for i in beta_page["items"]] == [str(theirs.pk)]
    # an alpha token is no use on beta
    assert gql(beta.host, MY, {}, token=token)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_mark_read_own_messages_and_refuse_someone_elses(gql, alpha, make_resident):
    me, token = make_resident(alpha, "o-me")
    other, _ = make_resident(alpha, "o-other")
    mine, theirs = _message(alpha, me, "a"), _message(alpha, other, "b")
    _message(alpha, me, "c")
    out = gql(alpha.host, MARK, {"ids": [str(mine.pk), str(theirs.pk)]}, token=token)["data"]["markMessagesRead"]
    assert out == {"count": None, "errors": [{"field": "ids", "code": "NOT_FOUND"}]}
    with schema_context(alpha.schema):
        assert not Message.objects.filter(read_at__isnull=False).exists()
    out = gql(alpha.host, MARK, {"ids": [str(mine.pk)]}, token=token)["data"]["markMessagesRead"]
    assert out == {"count": 1, "errors": []}
    assert gql(alpha.host, MY, {}, token=token)["data"]["unreadMessageCount"] == 1
    assert gql(alpha.host, MARK, {"all": True}, token=token)["data"]["markMessagesRead"]["count"] == 1
    with schema_context(alpha.schema):
        assert Message.objects.get(pk=theirs.pk).read_at is None
    assert gql(alpha.host, MARK, {"ids": ["abc"]}, token=token)["data"]["markMessagesRead"]["errors"][0]["code"] == \
        "NOT_FOUND"
    assert gql(alpha.host, MARK, {}, token=token)["data"]["markMessagesRead"]["errors"][0]["code"] == "REQUIRED"
    # the length is checked before any id is converted: a long list of junk is TOO_LONG, not walked
    for ids in (["abc"] * 5000, [str(mine.pk)] * 101):
        out = gql(alpha.host, MARK, {"ids": ids}, token=token)["data"]["markMessagesRead"]
        assert out == {"count": None, "errors": [{"field": "ids", "code": "TOO_LONG"}]}


def test_sms_opt_in_needs_a_phone_and_keeps_its_proof(gql, alpha, make_resident):
    me, token = make_resident(alpha, "o-me")
    out = gql(alpha.host, OPT, {"v": True}, token=token)["data"]["setSmsOptIn"]
    assert out["errors"] == [{"field": "optIn", "code": "NO_PHONE"}]
    with schema_context(alpha.schema):
        assert not SmsConsent.objects.exists()
        me.phone, me.phone_index = "13800138000", phone_index("13800138000")
        me.save(update_fields=["phone", "phone_index"])
    out = gql(alpha.host, OPT, {"v": True}, token=token, ip="10.1.2.3")["data"]["setSmsOptIn"]
    assert out == {"preferences": {"smsOptIn": True, "phoneMasked": "138****8000", "hasPhone": True}, "errors": []}
    with schema_context(alpha.schema):
        consent = SmsConsent.objects.get(resident=me)
        assert (consent.opted_in, consent.ip, consent.source) == (True, "10.1.2.3", "miniprogram")
        assert consent.opted_in_at is not None and consent.opted_out_at is None
    out = gql(alpha.host, OPT, {"v": False}, token=token)["data"]["setSmsOptIn"]
    assert out["preferences"]["smsOptIn"] is False
    with schema_context(alpha.schema):
        consent = SmsConsent.objects.get(resident=me)
        assert consent.opted_in is False and consent.opted_out_at is not None and consent.opted_in_at is not None
    assert gql(alpha.host, PREFS, token=token)["data"]["messagingPreferences"]["smsOptIn"] is False


def test_subscription_templates_and_results(gql, alpha, make_resident):
    me, token = make_resident(alpha, "o-me")
    with schema_context(alpha.schema):
        ensure_default_templates()
        MessageTemplate.objects.filter(kind=MessageKind.PAYMENT_RECEIPT).update(wechat_template_id="tpl-receipt")
    ids = gql(alpha.host, "{subscriptionTemplates(scene:PAYMENT)}", token=token)["data"]["subscriptionTemplates"]
    assert ids == ["tpl-receipt"]
    assert gql(alpha.host, "{subscriptionTemplates(scene:TICKET)}", token=token)["data"]["subscriptionTemplates"] == []
    mutation = "mutation($r:[SubscriptionResultInput!]!){recordSubscriptionResults(results:$r){granted " \
               "errors{field code}}}"
    out = gql(alpha.host, mutation, {"r": [{"templateId": "tpl-receipt", "result": "accept"},
                                           {"templateId": "someone-elses", "result": "accept"}]}, token=token)
    assert out["data"]["recordSubscriptionResults"] == {"granted": 1, "errors": []}
    out = gql(alpha.host, mutation, {"r": [{"templateId": "tpl-receipt", "result": "perhaps"}]}, token=token)
    assert out["data"]["recordSubscriptionResults"] == {"granted": None,
                                                        "errors": [{"field": "results", "code": "INVALID"}]}
    with schema_context(alpha.schema):
        assert list(SubscriptionGrant.objects.values_list("resident_id", "template_id", "credits")) == [
            (me.pk, "tpl-receipt", 1)]


def test_resident_preference_writes_are_throttled_per_resident(gql, alpha, make_resident, monkeypatch):
    """Each call leaves an audit row: a script must not flood it. Over the limit: RATE_LIMITED with retryAfter,
    nothing changed; another resident is not affected."""
    from apps.audit.models import AuditLog
    from apps.messaging import settings_services
    from heat_platform.kernel import throttle

    monkeypatch.setattr(settings_services, "OPT_IN_LIMIT", throttle.Limit("messaging.sms_opt_in", 2, 3600))
    monkeypatch.setattr(settings_services, "SUBSCRIBE_LIMIT",
                        throttle.Limit("messaging.subscription_results", 2, 3600))
    me, token = make_resident(alpha, "o-me")
    other, other_token = make_resident(alpha, "o-other")
    with schema_context(alpha.schema):
        for r in (me, other):
            r.phone, r.phone_index = "13800138000", phone_index("13800138000")
            r.save(update_fields=["phone", "phone_index"])
        ensure_default_templates()
        MessageTemplate.objects.filter(kind=MessageKind.PAYMENT_RECEIPT).update(wechat_template_id="tpl-receipt")
    opt = "mutation($v:Boolean!){setSmsOptIn(optIn:$v){preferences{smsOptIn} errors{field code retryAfter}}}"
    for value in (True, False):
        assert gql(alpha.host, opt, {"v": value}, token=token)["data"]["setSmsOptIn"]["errors"] == []
    out = gql(alpha.host, opt, {"v": True}, token=token)["data"]["setSmsOptIn"]
    assert out["preferences"] is None and [e["code"] for e in out["errors"]] == ["RATE_LIMITED"]
    assert 0 < out["errors"][0]["retryAfter"] <= 3600
    with schema_context(alpha.schema):
        assert SmsConsent.objects.get(resident=me).opted_in is False
        audited = AuditLog.objects.count()
    assert gql(alpha.host, opt, {"v": True}, token=other_token)["data"]["setSmsOptIn"]["errors"] == []

    record = "mutation($r:[SubscriptionResultInput!]!){recordSubscriptionResults(results:$r){granted " \
             "errors{field code retryAfter}}}"
    accept = {"r": [{"templateId": "tpl-receipt", "result": "accept"}]}
    for _ in range(2):
        assert gql(alpha.host, record, accept, token=token)["data"]["recordSubscriptionResults"]["granted"] == 1
    out = gql(alpha.host, record, accept, token=token)["data"]["recordSubscriptionResults"]
    assert out["granted"] is None and [e["code"] for e in out["errors"]] == ["RATE_LIMITED"]
    with schema_context(alpha.schema):
        assert SubscriptionGrant.objects.get(resident=me).credits == 2
        assert AuditLog.objects.count() == audited + 1 + 2  # the other's opt-in and the two granted calls


# --- staff -----------------------------------------------------------------------------------------------------

def _sent_by_sms(tenant, resident, key):
    """A message pushed by SMS with its delivery (as the dispatcher leaves it)."""
    with schema_context(tenant.schema):
        message = _message(tenant, resident, key)
        Message.objects.filter(pk=message.pk).update(status=Message.Status.SENT, channel="sms")
        Delivery.objects.create(message=message, channel="sms", target="138****8000", template="SMS_1",
                                content="【暖云】…", status=Delivery.Status.SENT)
        return message


def test_outbox_lists_messages_with_masked_deliveries_in_a_fixed_number_of_queries(gql, alpha, make_staff,
                                                                                   make_resident):
    token = make_staff(alpha, "finance")
    resident, _ = make_resident(alpha, "o-me")
    _sent_by_sms(alpha, resident, "a")
    one = gql(alpha.host, OUTBOX, {}, token=token)
    [item] = one["data"]["outboxMessages"]["items"]
    assert item["deliveries"] == [{"channel": "SMS", "target": "138****8000", "status": "SENT", "errorCode": None,
                                   "content": "【暖云】…"}]
    for i in range(4):
        _sent_by_sms(alpha, resident, f"m{i}")
    assert_same_queries(lambda: gql(alpha.host, OUTBOX, {"first": 1}, token=token),
                        lambda: gql(alpha.host, OUTBOX, {"first": 5}, token=token))
    pending = gql(alpha.host, OUTBOX, {"status": "PENDING"}, token=token)["data"]["outboxMessages"]
    assert pending["total"] == 0


def test_outbox_of_another_company_is_not_listed(gql, alpha, beta, make_staff, make_resident):
    resident, _ = make_resident(beta, "o-beta")
    _sent_by_sms(beta, resident, "b")
    token = make_staff(alpha, "tenant_admin")
    assert gql(alpha.host, OUTBOX, {}, token=token)["data"]["outboxMessages"]["total"] == 0


def test_retry_a_failed_message_but_never_a_pushed_one(gql, alpha, beta, make_staff, make_resident):
    admin = make_staff(alpha, "tenant_admin")
    resident, _ = make_resident(alpha, "o-me")
    pushed = _sent_by_sms(alpha, resident, "a")
    failed = _message(alpha, resident, "b")
    with schema_context(alpha.schema):
        Message.objects.filter(pk=failed.pk).update(status=Message.Status.FAILED, last_error="sms:x")
    out = gql(alpha.host, RETRY, {"id": str(pushed.pk)}, token=admin)["data"]["retryMessage"]
    assert out == {"message": None, "errors": [{"field": "id", "code": "NOT_ALLOWED_IN_STATE"}]}
    out = gql(alpha.host, RETRY, {"id": str(failed.pk)}, token=admin)["data"]["retryMessage"]
    assert out == {"message": {"id": str(failed.pk), "status": "PENDING"}, "errors": []}
    beta_resident, _ = make_resident(beta, "o-beta")
    foreign = _message(beta, beta_resident, "c0")
    while foreign.pk <= max(pushed.pk, failed.pk):  # an id alpha has no row of (sequences are per schema)
        foreign = _message(beta, beta_resident, f"c{foreign.pk}")
    with schema_context(beta.schema):
        Message.objects.filter(pk=foreign.pk).update(status=Message.Status.FAILED)
    out = gql(alpha.host, RETRY, {"id": str(foreign.pk)}, token=admin)["data"]["retryMessage"]
    assert out["errors"] == [{"field": "id", "code": "NOT_FOUND"}]
    with schema_context(beta.schema):
        assert Message.objects.get(pk=foreign.pk).status == Message.Status.FAILED


def test_update_template_refuses_dunning_wording_and_unknown_variables(gql, alpha, make_staff):
    token = make_staff(alpha, "tenant_admin")
    with schema_context(alpha.schema):
        ensure_default_templates()
    bad = gql(alpha.host, TEMPLATE, {"kind": "PAYMENT_DUE", "input": {"smsText": "房屋${house}欠费，催缴通知"}},
              token=token)["data"]["updateMessageTemplate"]
    assert bad["errors"] == [{"field": "smsText", "code": "FORBIDDEN_WORDING"}]
    bad = gql(alpha.host, TEMPLATE, {"kind": "PAYMENT_DUE", "input": {"inAppBody": "您好{name}"}},
              token=token)["data"]["updateMessageTemplate"]
    assert bad["errors"] == [{"field": "inAppBody", "code": "INVALID_TEMPLATE"}]
    bad = gql(alpha.host, TEMPLATE, {"kind": "PAYMENT_DUE", "input": {
        "wechatFields": [{"key": "thing1", "variable": "password"}]}}, token=token)["data"]["updateMessageTemplate"]
    assert bad["errors"] == [{"field": "wechatFields", "code": "INVALID_TEMPLATE"}]
    with schema_context(alpha.schema):
        assert "催缴" not in MessageTemplate.objects.get(kind="payment_due").sms_text
    ok = gql(alpha.host, TEMPLATE, {"kind": "PAYMENT_DUE", "input": {
        "smsText": "房屋${house}待缴${amount}元。", "smsParams": [{"key": "house", "variable": "house"},
                                                            {"key": "amount", "variable": "amount"}],
        "smsTemplateCode": "SMS_123", "smsApproval": "APPROVED"}}, token=token)["data"]["updateMessageTemplate"]
    assert ok["errors"] == [] and ok["template"]["smsApproval"] == "APPROVED"
    assert ok["template"]["smsText"] == "房屋${house}待缴${amount}元。"


def test_messaging_settings(gql, alpha, make_staff):
    token = make_staff(alpha, "tenant_admin")
    data = gql(alpha.host, "{messagingSettings{quietStart quietEnd residentDailyCap effectiveSignName}}",
               token=token)["data"]["messagingSettings"]
    assert (data["quietStart"], data["quietEnd"], data["residentDailyCap"]) == ("21:00", "08:00", 5)
    assert data["effectiveSignName"]  # the company's name
    bad = gql(alpha.host, SETTINGS, {"input": {"phoneDailyCap": 60, "quietStart": "22:00"}},
              token=token)["data"]["updateMessagingSettings"]
    assert bad == {"settings": None, "errors": [{"field": "phoneDailyCap", "code": "INVALID"}]}
    bad = gql(alpha.host, SETTINGS, {"input": {"quietStart": "25:00"}}, token=token)["data"]["updateMessagingSettings"]
    assert bad["errors"] == [{"field": "quietStart", "code": "INVALID"}]
    with schema_context(alpha.schema):
        assert MessagingSettings.get().quiet_start == dt.time(21)
    ok = gql(alpha.host, SETTINGS, {"input": {"quietStart": "22:30", "quietEnd": "07:00", "residentDailyCap": 3,
                                              "smsSignName": "暖云供热", "miniprogramState": "TRIAL"}},
             token=token)["data"]["updateMessagingSettings"]
    assert ok["errors"] == []
    assert ok["settings"] == {"quietStart": "22:30", "quietEnd": "07:00", "residentDailyCap": 3, "phoneDailyCap": 10,
                              "smsSignName": "暖云供热", "effectiveSignName": "暖云供热", "miniprogramState": "TRIAL"}


@pytest.mark.parametrize("role,allowed", [("tenant_admin", True), ("finance", False), ("collector", False),
                                          ("technician", False)])
def test_templates_and_settings_are_for_messaging_managers(gql, alpha, make_staff, role, allowed):
    token = make_staff(alpha, role)
    for query in ("{messageTemplates{kind}}", "{messagingSettings{quietStart}}"):
        result = gql(alpha.host, query, token=token)
        assert ("errors" not in result) == allowed, (query, result)


def test_shipped_templates_read_as_defaults(gql, alpha, make_staff):
    token = make_staff(alpha, "tenant_admin")
    templates = gql(alpha.host, "{messageTemplates{kind wechatTitle variables wechatFields{key variable}}}",
                    token=token)["data"]["messageTemplates"]
    assert [t["kind"] for t in templates] == sorted(t["kind"] for t in templates) and len(templates) == 6
    due = next(t for t in templates if t["kind"] == "PAYMENT_DUE")
    assert due["wechatTitle"] == "缴费提醒" and "tip" in due["variables"]
    assert {"key": "thing5", "variable": "tip"} in due["wechatFields"]


def test_my_messages_cost_the_same_queries_for_one_or_many(gql, alpha, make_resident):
    me, token = make_resident(alpha, "o-me")
    _message(alpha, me, "first")
    one = lambda: gql(alpha.host, MY, {"first": 1}, token=token)  # noqa: E731
    many = lambda: gql(alpha.host, MY, {"first": 6}, token=token)  # noqa: E731
    for i in range(5):
        _message(alpha, me, f"more{i}")
    first, second = assert_same_queries(one, many)
    assert len(first["data"]["myMessages"]["items"]) == 1 and len(second["data"]["myMessages"]["items"]) == 6
