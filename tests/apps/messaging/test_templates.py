"""The template registry (apps/messaging/templates.py): shipped defaults in neutral wording whose variables and
WeChat mappings are valid, the wording check, edits checked as a whole (nothing saved on an error, an audit row on
a change), and linking WeChat template ids by title from the fake WeChat's list."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from apps.audit.models import AuditLog
from apps.messaging import outbox
from apps.messaging.models import MessageKind, MessageTemplate
from apps.messaging.sandbox.library import LIBRARY
from apps.messaging.templates import (
    DEFAULTS,
    FORBIDDEN_WORDS,
    check_wording,
    ensure_default_templates,
    sync_wechat_templates,
    update_message_template,
)
from tests.factories.accounts import staff
from tests.factories.messaging_wx import APP_ID, APP_SECRET, mini_program, template_id
from tests.sandbox_http import sandbox_http

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _alpha(alpha):
    with schema_context(alpha.schema):
        yield


def _code(exc) -> tuple[str, str]:
    field, errors = next(iter(exc.value.error_dict.items()))
    return field, errors[0].code


# --- shipped defaults ------------------------------------------------------------------------------------------

def test_no_shipped_default_contains_forbidden_wording():
    assert set(DEFAULTS) == set(MessageKind.values)
    for kind, values in DEFAULTS.items():
        for field in ("in_app_title", "in_app_body", "sms_text"):
            text = values[field]
            assert not any(word in text for word in FORBIDDEN_WORDS), (kind, field, text)
            check_wording(text)  # raises on any forbidden word


def test_shipped_defaults_use_only_their_kind_s_variables_and_map_the_sandbox_library():
    library = {t.title: {k for k, _label in t.keywords} for t in LIBRARY}
    for kind, values in DEFAULTS.items():
        allowed = set(outbox.allowed_variables(kind))
        placeholders = set(re.findall(r"\{(\w+)\}", values["in_app_title"] + values["in_app_body"]))
        assert placeholders <= allowed, kind
        assert set(values["wechat_fields"].values()) <= allowed, kind
        assert set(values["wechat_fields"]) == library[values["wechat_title"]], kind  # every keyword, no other
        assert set(re.findall(r"\$\{(\w+)\}", values["sms_text"])) == set(values["sms_params"]), kind
        assert set(values["sms_params"].values()) <= allowed, kind


def test_ensure_default_templates_is_idempotent_and_keeps_edits():
    first = ensure_default_templates()
    MessageTemplate.objects.filter(kind=MessageKind.PAYMENT_DUE).update(in_app_title="改过的标题")
    again = ensure_default_templates()
    assert MessageTemplate.objects.count() == 6 and set(first) == set(again)
    assert again[MessageKind.PAYMENT_DUE].in_app_title == "改过的标题"


@pytest.mark.parametrize("text", [
    "催缴通知", "本季催 款", "拒收请回复r", "追缴欠费", "欠费停暖提醒", "催费",
    # hidden by format characters (zero-width space / joiner, soft hyphen, BOM) or full-width forms
    "催\u200b缴通知", "催\u200d费", "追\u00ad缴", "欠费\ufeff停暖", "拒收请回复Ｒ",
    # traditional characters
    "催繳通知", "催費", "追繳欠費", "欠費停暖",
])
def test_check_wording_refuses(text):
    with pytest.raises(ValidationError) as exc:
        check_wording(text)
    assert _code(exc) == ("sms_text", "FORBIDDEN_WORDING")


# --- editing ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("values,field,code", [
    ({"sms_text": "您的房屋${house}催缴通知"}, "sms_text", "FORBIDDEN_WORDING"),
    ({"in_app_body": "请尽快缴费，否则欠费停暖"}, "in_app_body", "FORBIDDEN_WORDING"),
    ({"in_app_body": "您好{name}"}, "in_app_body", "INVALID_TEMPLATE"),
    ({"in_app_body": "您好{house.__class__}"}, "in_app_body", "INVALID_TEMPLATE"),
    ({"in_app_body": "您好{house"}, "in_app_body", "INVALID_TEMPLATE"),
    ({"in_app_title": ""}, "in_app_title", "REQUIRED"),
    ({"in_app_title": "长" * 61}, "in_app_title", "TOO_LONG"),
    ({"wechat_fields": {"thing1": "password"}}, "wechat_fields", "INVALID_TEMPLATE"),
    ({"wechat_fields": {"color1": "house"}}, "wechat_fields", "INVALID_TEMPLATE"),
    ({"sms_text": "房屋${room}待缴"}, "sms_text", "INVALID_TEMPLATE"),
    ({"sms_template_code": "SMS 1"}, "sms_template_code", "INVALID"),
    ({"sms_approval": "approved", "sms_template_code": ""}, "sms_template_code", "REQUIRED"),
    ({"sms_approval": "maybe"}, "sms_approval", "INVALID"),
    ({"wechat_page": "https://evil.example"}, "wechat_page", "INVALID"),
    ({"wechat_template_id": "abc", "wechat_fields": {}}, "wechat_fields", "REQUIRED"),
    ({"kind": "payment_due"}, "kind", "INVALID"),
])
def test_a_bad_edit_is_refused_and_nothing_changes(values, field, code):
    before = {t.kind: (t.in_app_title, t.in_app_body, t.sms_text, t.wechat_fields)
              for t in ensure_default_templates().values()}
    with pytest.raises(ValidationError) as exc:
        update_message_template(actor=staff("t-admin", "tenant_admin"), kind=MessageKind.PAYMENT_DUE,
                                values={"in_app_title": "新标题", **values})
    assert _code(exc) == (field, code)
    after = {t.kind: (t.in_app_title, t.in_app_body, t.sms_text, t.wechat_fields)
             for t in MessageTemplate.objects.all()}
    assert after == before
    assert not AuditLog.objects.filter(action="messaging.template_update").exists()


def test_an_edit_is_saved_and_audited_and_the_next_message_reads_it():
    admin = staff("t-admin", "tenant_admin")
    template = update_message_template(actor=admin, kind=MessageKind.PAYMENT_DUE, values={
        "in_app_title": "{season}采暖费待缴", "sms_template_code": "SMS_9", "sms_approval": "approved"}, ip="10.0.0.9")
    assert (template.in_app_title, template.sms_template_code, template.sms_approval) == (
        "{season}采暖费待缴", "SMS_9", "approved")
    log = AuditLog.objects.get(action="messaging.template_update")
    assert (log.actor_id, log.ip, log.detail["fields"]) == (admin.pk, "10.0.0.9",
                                                            ["in_app_title", "sms_approval", "sms_template_code"])
    # the same values again: nothing to save, no second row
    update_message_template(actor=admin, kind=MessageKind.PAYMENT_DUE, values={"sms_template_code": "SMS_9"})
    assert AuditLog.objects.filter(action="messaging.template_update").count() == 1
    from tests.factories.residents import ResidentFactory

    message = outbox.enqueue(resident_id=ResidentFactory().pk, kind=MessageKind.PAYMENT_DUE, key="x", variables={
        "house": "h", "account_no": "a", "season": "2026-2027", "amount": "1.00", "due_date": "2026-12-31"})
    assert message.title == "2026-2027采暖费待缴"


def test_an_unknown_kind_is_not_found():
    with pytest.raises(ValidationError) as exc:
        update_message_template(actor=None, kind="nope", values={})
    assert _code(exc) == ("kind", "NOT_FOUND")


# --- linking WeChat template ids -------------------------------------------------------------------------------

def test_sync_links_every_kind_by_title():
    mini_program("alpha", APP_ID, APP_SECRET)
    with sandbox_http():
        results = sync_wechat_templates(actor=staff("t-admin", "tenant_admin"))
    assert {r.kind: r.status for r in results} == {k: "linked" for k in MessageKind.values}
    templates = ensure_default_templates()
    for kind, values in DEFAULTS.items():
        assert templates[kind].wechat_template_id == template_id(values["wechat_title"])
    assert AuditLog.objects.filter(action="messaging.templates_sync").count() == 1


def test_sync_refuses_a_mapping_to_a_missing_keyword_and_clears_a_stale_id():
    mini_program("alpha", APP_ID, APP_SECRET)
    ensure_default_templates()
    MessageTemplate.objects.filter(kind=MessageKind.PAYMENT_DUE).update(
        wechat_fields={**DEFAULTS[MessageKind.PAYMENT_DUE]["wechat_fields"], "thing9": "season"},
        wechat_template_id=template_id("缴费提醒"))
    MessageTemplate.objects.filter(kind=MessageKind.TICKET_UPDATE).update(wechat_title="没有这个模板",
                                                                          wechat_template_id="gone-template")
    with sandbox_http():
        results = {r.kind: r for r in sync_wechat_templates(actor=None)}
    assert (results[MessageKind.PAYMENT_DUE].status, results[MessageKind.PAYMENT_DUE].missing) == (
        "mismatch", ("thing9",))
    assert results[MessageKind.TICKET_UPDATE].status == "not_found"
    templates = ensure_default_templates()
    assert templates[MessageKind.PAYMENT_DUE].wechat_template_id == ""
    assert templates[MessageKind.TICKET_UPDATE].wechat_template_id == ""
    assert templates[MessageKind.PAYMENT_RECEIPT].wechat_template_id == template_id()


def test_sync_without_a_mini_program_or_with_a_wechat_error():
    with pytest.raises(ValidationError) as exc:
        sync_wechat_templates(actor=None)
    assert _code(exc) == ("__all__", "INVALID")
    mini_program("alpha", APP_ID, "a-wrong-secret", register=False)
    with sandbox_http(), pytest.raises(ValidationError) as exc:
        sync_wechat_templates(actor=None)
    assert _code(exc) == ("__all__", "WECHAT_ERROR")
    assert not MessageTemplate.objects.exclude(wechat_template_id="").exists()
