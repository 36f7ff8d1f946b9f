"""The outbox's API (apps/messaging/outbox.py and friends).

Residents: their inbox (`myMessages`, `unreadMessageCount`, `markMessagesRead`), their SMS opt-in
(`messagingPreferences`, `setSmsOptIn`), and WeChat subscription grants (`subscriptionTemplates` for the
`wx.requestSubscribeMessage` call, `recordSubscriptionResults` with what it answered). A resident only ever reaches
their own messages: another resident's id is NOT_FOUND.
Staff: the template registry (MESSAGING_MANAGE), the company's messaging settings (MESSAGING_MANAGE) and the
outbox with its deliveries, targets masked (MESSAGE_VIEW; retrying a message: MESSAGING_MANAGE)."""

import graphene
from django.core.exceptions import ValidationError

from apps.accounts.permissions import MESSAGE_VIEW, MESSAGING_MANAGE
from apps.messaging import grants, outbox, selectors, settings_services
from apps.messaging import templates as tpl
from apps.messaging.channels import effective_sign_name
from apps.messaging.models import Delivery as _Delivery
from apps.messaging.models import Message as _Message
from apps.messaging.models import MessageTemplate as _Template
from apps.messaging.models import MessagingSettings as _Settings
from heat_platform.kernel.actors import client_ip

from ..core.errors import bad_input
from ..core.ids import to_optional_pk, to_pk
from ..core.mutations import BaseMutation
from ..core.pagination import MAX_PAGE, page
from ..core.permissions import HasRole, IsResident, PermissionsField
from ..core.scalars import DateTime
from .types import MessageChannel, MessageKind, MessagingError

MANAGERS = (HasRole(*MESSAGING_MANAGE),)
VIEWERS = (HasRole(*MESSAGE_VIEW),)
RESIDENTS = (IsResident,)

MessageStatus = graphene.Enum.from_enum(_Message.Status, name="MessageStatus")
DeliveryStatus = graphene.Enum.from_enum(_Delivery.Status, name="DeliveryStatus")
SmsApproval = graphene.Enum.from_enum(_Template.SmsApproval, name="SmsApproval")
MiniProgramState = graphene.Enum.from_enum(_Settings.MiniProgramState, name="MiniProgramState")


class SubscribeScene(graphene.Enum):
    """Where the mini-program asks for subscription grants."""

    PAYMENT = "PAYMENT"  # after paying: the receipt and due reminders
    TICKET = "TICKET"  # after filing a ticket: its progress
    BILL = "BILL"  # on a bill: bill-published and due reminders


def _value(enum_value):
    return getattr(enum_value, "value", enum_value)


def _resident(info):
    actor = info.context.actor
    return actor.resident if actor.kind == "resident" else None


def _staff(info):
    actor = info.context.actor
    return actor.user if actor.kind == "staff" else None


# --- resident types --------------------------------------------------------------------------------------------

class MyMessage(graphene.ObjectType):
    """A message in my inbox."""

    id = graphene.ID(required=True)
    kind = graphene.Field(MessageKind, required=True)
    title = graphene.String(required=True)
    body = graphene.String(required=True)
    page = graphene.String(description="Mini-program page it opens (with its query), null: none")
    read = graphene.Boolean(required=True)
    created_at = DateTime(required=True)

    @staticmethod
    def resolve_page(root, info):
        return root.page or None

    @staticmethod
    def resolve_read(root, info):
        return root.read_at is not None


class MyMessagePage(graphene.ObjectType):
    items = graphene.List(graphene.NonNull(MyMessage), required=True)
    total = graphene.Int(required=True)
    unread = graphene.Int(required=True)


class MessagingPreferences(graphene.ObjectType):
    sms_opt_in = graphene.Boolean(required=True, description="I agreed to receive SMS notices")
    phone_masked = graphene.String(description="138****5678; null while no phone is bound")
    has_phone = graphene.Boolean(required=True, description="A verified phone is bound (needed for SMS)")


def _preferences(resident) -> MessagingPreferences:
    return MessagingPreferences(sms_opt_in=selectors.sms_opted_in(resident=resident),
                                phone_masked=resident.phone_masked, has_phone=bool(resident.phone))


class SubscriptionResultInput(graphene.InputObjectType):
    template_id = graphene.String(required=True)
    result = graphene.String(required=True, description="What wx.requestSubscribeMessage answered: accept | reject "
                                                        "| ban | filter")


# --- staff types -----------------------------------------------------------------------------------------------

class FieldMapping(graphene.ObjectType):
    key = graphene.String(required=True, description="WeChat keyword (thing1, amount2 …) or SMS template parameter")
    variable = graphene.String(required=True, description="Our variable that fills it (house, amount …)")


class FieldMappingInput(graphene.InputObjectType):
    key = graphene.String(required=True)
    variable = graphene.String(required=True)


def _pairs(mapping) -> list[FieldMapping]:
    return [FieldMapping(key=k, variable=v) for k, v in (mapping or {}).items()]


class MessageTemplate(graphene.ObjectType):
    """How one kind of message reads in-app, on WeChat and by SMS."""

    kind = graphene.Field(MessageKind, required=True)
    is_active = graphene.Boolean(required=True, description="false: messages of this kind stay in-app only")
    variables = graphene.List(graphene.NonNull(graphene.String), required=True,
                              description="Variables the texts and mappings may use")
    in_app_title = graphene.String(required=True)
    in_app_body = graphene.String(required=True, description="{variable} placeholders")
    wechat_template_id = graphene.String(description="null: not linked (sync, or enter it)")
    wechat_title = graphene.String(required=True)
    wechat_page = graphene.String(required=True)
    wechat_fields = graphene.List(graphene.NonNull(FieldMapping), required=True)
    sms_template_code = graphene.String()
    sms_text = graphene.String(required=True, description="${param} placeholders, as approved by the vendor")
    sms_params = graphene.List(graphene.NonNull(FieldMapping), required=True)
    sms_approval = graphene.Field(SmsApproval, required=True)
    updated_at = DateTime(required=True)

    @staticmethod
    def resolve_variables(root, info):
        return list(outbox.allowed_variables(root.kind))

    @staticmethod
    def resolve_wechat_template_id(root, info):
        return root.wechat_template_id or None

    @staticmethod
    def resolve_sms_template_code(root, info):
        return root.sms_template_code or None

    @staticmethod
    def resolve_wechat_fields(root, info):
        return _pairs(root.wechat_fields)

    @staticmethod
    def resolve_sms_params(root, info):
        return _pairs(root.sms_params)


class MessageTemplateInput(graphene.InputObjectType):
    is_active = graphene.Boolean()
    in_app_title = graphene.String()
    in_app_body = graphene.String()
    wechat_template_id = graphene.String()
    wechat_title = graphene.String()
    wechat_page = graphene.String()
    wechat_fields = graphene.List(graphene.NonNull(FieldMappingInput))
    sms_template_code = graphene.String()
    sms_text = graphene.String()
    sms_params = graphene.List(graphene.NonNull(FieldMappingInput))
    sms_approval = SmsApproval()


class TemplateSyncResult(graphene.ObjectType):
    kind = graphene.Field(MessageKind, required=True)
    title = graphene.String(required=True)
    template_id = graphene.String()
    status = graphene.String(required=True, description="linked | not_found | mismatch (keywords missing)")
    missing = graphene.List(graphene.NonNull(graphene.String), required=True)


class MessagingSettings(graphene.ObjectType):
    quiet_start = graphene.String(required=True, description="HH:MM, local time")
    quiet_end = graphene.String(required=True, description="HH:MM; before quietStart: the window spans midnight; "
                                                           "equal: no quiet hours")
    sms_enabled = graphene.Boolean(required=True)
    sms_sign_name = graphene.String(description="null: the company's name is used")
    effective_sign_name = graphene.String(required=True, description="The sign SMS go out with")
    resident_daily_cap = graphene.Int(required=True)
    phone_daily_cap = graphene.Int(required=True)
    miniprogram_state = graphene.Field(MiniProgramState, required=True)

    @staticmethod
    def resolve_quiet_start(root, info):
        return root.quiet_start.strftime("%H:%M")

    @staticmethod
    def resolve_quiet_end(root, info):
        return root.quiet_end.strftime("%H:%M")

    @staticmethod
    def resolve_sms_sign_name(root, info):
        return root.sms_sign_name or None

    @staticmethod
    def resolve_effective_sign_name(root, info):
        return effective_sign_name(root)


class MessagingSettingsInput(graphene.InputObjectType):
    quiet_start = graphene.String(description="HH:MM")
    quiet_end = graphene.String(description="HH:MM")
    sms_enabled = graphene.Boolean()
    sms_sign_name = graphene.String(description="2–12 characters; empty: the company's name")
    resident_daily_cap = graphene.Int(description=f"1–{settings_services.MAX_RESIDENT_CAP}")
    phone_daily_cap = graphene.Int(description=f"1–{settings_services.MAX_PHONE_CAP}")
    miniprogram_state = MiniProgramState()


class MessageDelivery(graphene.ObjectType):
    """One push attempt; the target is masked (138****5678, oAbc****wxyz)."""

    id = graphene.ID(required=True)
    channel = graphene.Field(MessageChannel, required=True)
    target = graphene.String(required=True)
    template = graphene.String()
    content = graphene.String()
    status = graphene.Field(DeliveryStatus, required=True)
    error_code = graphene.String()
    provider_message_id = graphene.String()
    created_at = DateTime(required=True)

    @staticmethod
    def resolve_template(root, info):
        return root.template or None

    @staticmethod
    def resolve_error_code(root, info):
        return root.error_code or None

    @staticmethod
    def resolve_provider_message_id(root, info):
        return root.provider_message_id or None


class OutboxMessage(graphene.ObjectType):
    id = graphene.ID(required=True)
    kind = graphene.Field(MessageKind, required=True)
    status = graphene.Field(MessageStatus, required=True)
    channel = graphene.Field(MessageChannel, description="The push channel used; null while not pushed")
    resident_id = graphene.ID(required=True)
    resident_name = graphene.String(required=True, description="The resident's nickname")
    title = graphene.String(required=True)
    body = graphene.String(required=True)
    page = graphene.String()
    campaign_id = graphene.ID()
    attempts = graphene.Int(required=True)
    note = graphene.String(description="Why it went in-app only or is held: no_grant, no_sms_consent, capped, "
                                        "quiet_hours, wechat_retry …")
    last_error = graphene.String(description="e.g. wechat:43101, sms:isv.BUSINESS_LIMIT_CONTROL")
    not_before = DateTime(required=True, description="PENDING: when it is due")
    created_at = DateTime(required=True)
    sent_at = DateTime()
    read = graphene.Boolean(required=True)
    deliveries = graphene.List(graphene.NonNull(MessageDelivery), required=True, description="Oldest first")

    @staticmethod
    def resolve_channel(root, info):
        return root.channel or None

    @staticmethod
    def resolve_resident_name(root, info):
        return root.resident.display_name or f"住户#{root.resident_id}"

    @staticmethod
    def resolve_page(root, info):
        return root.page or None

    @staticmethod
    def resolve_note(root, info):
        return root.note or None

    @staticmethod
    def resolve_last_error(root, info):
        return root.last_error or None

    @staticmethod
    def resolve_read(root, info):
        return root.read_at is not None

    @staticmethod
    def resolve_deliveries(root, info):
        return root.deliveries.all()


class OutboxMessagePage(graphene.ObjectType):
    items = graphene.List(graphene.NonNull(OutboxMessage), required=True)
    total = graphene.Int(required=True)


# --- queries ---------------------------------------------------------------------------------------------------

class OutboxQueries(graphene.ObjectType):
    my_messages = PermissionsField(
        MyMessagePage, required=True, permissions=RESIDENTS, first=graphene.Int(default_value=20),
        offset=graphene.Int(default_value=0), description=f"My inbox, newest first, at most {MAX_PAGE} a page")
    unread_message_count = PermissionsField(graphene.Int, required=True, permissions=RESIDENTS)
    messaging_preferences = PermissionsField(MessagingPreferences, required=True, permissions=RESIDENTS)
    subscription_templates = PermissionsField(
        graphene.List(graphene.NonNull(graphene.String)), required=True, permissions=RESIDENTS,
        scene=SubscribeScene(required=True),
        description="Template ids to pass to wx.requestSubscribeMessage at this moment (at most 3; empty: none "
                    "configured)")
    message_templates = PermissionsField(graphene.List(graphene.NonNull(MessageTemplate)), required=True,
                                         permissions=MANAGERS, description="One per message kind")
    messaging_settings = PermissionsField(MessagingSettings, required=True, permissions=MANAGERS)
    outbox_messages = PermissionsField(
        OutboxMessagePage, required=True, permissions=VIEWERS, status=MessageStatus(), channel=MessageChannel(),
        kind=MessageKind(), campaign_id=graphene.ID(), first=graphene.Int(default_value=50),
        offset=graphene.Int(default_value=0),
        description=f"Messages with their deliveries, newest first, at most {MAX_PAGE} a page")

    @staticmethod
    def resolve_my_messages(root, info, first=20, offset=0):
        resident = _resident(info)
        result = page(selectors.inbox(resident=resident), first=first, offset=offset, default=20)
        return MyMessagePage(items=result["items"], total=result["total_count"],
                             unread=selectors.unread_count(resident=resident))

    @staticmethod
    def resolve_unread_message_count(root, info):
        return selectors.unread_count(resident=_resident(info))

    @staticmethod
    def resolve_messaging_preferences(root, info):
        return _preferences(_resident(info))

    @staticmethod
    def resolve_subscription_templates(root, info, scene):
        try:
            return grants.subscription_templates(_value(scene))
        except ValidationError as exc:
            raise bad_input(exc) from exc

    @staticmethod
    def resolve_message_templates(root, info):
        return selectors.message_templates()

    @staticmethod
    def resolve_messaging_settings(root, info):
        return _settings()

    @staticmethod
    def resolve_outbox_messages(root, info, status=None, channel=None, kind=None, campaign_id=None, first=50,
                                offset=0):
        qs = selectors.outbox_messages(status=_value(status), channel=_value(channel), kind=_value(kind),
                                       campaign_id=to_optional_pk(campaign_id))
        result = page(qs, first=first, offset=offset)
        return OutboxMessagePage(items=result["items"], total=result["total_count"])


def _settings() -> _Settings:
    _Settings.get()
    return _Settings.objects.get(pk=1)  # re-read: a fresh row holds its defaults as strings until then


# --- mutations -------------------------------------------------------------------------------------------------

class MarkMessagesRead(BaseMutation):
    """Mark my messages read: the given ids (at most 100), or all of them."""

    permissions = RESIDENTS
    count = graphene.Int(description="Messages that changed from unread to read; null on an error")
    errors = graphene.List(graphene.NonNull(MessagingError), required=True)

    class Arguments:
        ids = graphene.List(graphene.NonNull(graphene.ID))
        all = graphene.Boolean(default_value=False)

    @classmethod
    def perform_mutation(cls, root, info, ids=None, all=False):
        outbox.check_mark_count(ids)  # before converting: a huge list is refused without walking it
        count = outbox.messages_mark_read(resident=_resident(info), ids=[to_pk(i) for i in ids or ()],
                                          every=bool(all))
        return cls(count=count, errors=[])


class SetSmsOptIn(BaseMutation):
    """Agree to (or stop) SMS notices; agreeing needs a bound phone (NO_PHONE). When and from where is kept."""

    permissions = RESIDENTS
    preferences = graphene.Field(MessagingPreferences)
    errors = graphene.List(graphene.NonNull(MessagingError), required=True)

    class Arguments:
        opt_in = graphene.Boolean(required=True)

    @classmethod
    def perform_mutation(cls, root, info, opt_in):
        resident = _resident(info)
        settings_services.sms_opt_in_set(resident=resident, opt_in=opt_in, ip=client_ip(info.context))
        return cls(preferences=_preferences(resident), errors=[])


class RecordSubscriptionResults(BaseMutation):
    """What wx.requestSubscribeMessage answered (at most 3 templates): accepted templates of this company add a
    grant (one message each); reject / ban revoke it; filter and unknown templates are ignored."""

    permissions = RESIDENTS
    granted = graphene.Int(description="Grants added; null on an error")
    errors = graphene.List(graphene.NonNull(MessagingError), required=True)

    class Arguments:
        results = graphene.List(graphene.NonNull(SubscriptionResultInput), required=True)

    @classmethod
    def perform_mutation(cls, root, info, results):
        granted = grants.record_subscription_results(
            resident=_resident(info), results=[{"template_id": r.template_id, "result": r.result} for r in results],
            ip=client_ip(info.context))
        return cls(granted=granted, errors=[])


def _mapping(items) -> dict | None:
    if items is None:
        return None
    return {item.key: item.variable for item in items}


class UpdateMessageTemplate(BaseMutation):
    """Change how a kind of message reads (only the fields given). Variables are checked, and dunning or marketing
    wording (催缴, 催款, 催费, 追缴, 欠费停暖, 拒收请回复R) is refused (FORBIDDEN_WORDING)."""

    permissions = MANAGERS
    template = graphene.Field(MessageTemplate)
    errors = graphene.List(graphene.NonNull(MessagingError), required=True)

    class Arguments:
        kind = MessageKind(required=True)
        input = MessageTemplateInput(required=True)

    @classmethod
    def perform_mutation(cls, root, info, kind, input):
        values = {}
        for name, value in dict(input).items():
            if name in ("wechat_fields", "sms_params"):
                value = _mapping(value)
                if value is None:
                    continue
            elif value is None:
                continue
            values[name] = _value(value)
        template = tpl.update_message_template(actor=_staff(info), kind=_value(kind), values=values,
                                               ip=client_ip(info.context))
        return cls(template=template, errors=[])


class SyncWechatTemplates(BaseMutation):
    """Link each kind to the mini-program's subscription template of the same title (WeChat's template list)."""

    permissions = MANAGERS
    results = graphene.List(graphene.NonNull(TemplateSyncResult))
    templates = graphene.List(graphene.NonNull(MessageTemplate))
    errors = graphene.List(graphene.NonNull(MessagingError), required=True)

    @classmethod
    def perform_mutation(cls, root, info):
        results = tpl.sync_wechat_templates(actor=_staff(info), ip=client_ip(info.context))
        return cls(results=[TemplateSyncResult(kind=r.kind, title=r.title, template_id=r.template_id or None,
                                               status=r.status, missing=list(r.missing)) for r in results],
                   templates=selectors.message_templates(), errors=[])


class UpdateMessagingSettings(BaseMutation):
    """Quiet hours, daily caps, the SMS sign and switch, the mini-program version messages open."""

    permissions = MANAGERS
    settings = graphene.Field(MessagingSettings)
    errors = graphene.List(graphene.NonNull(MessagingError), required=True)

    class Arguments:
        input = MessagingSettingsInput(required=True)

    @classmethod
    def perform_mutation(cls, root, info, input):
        values = {name: _value(value) for name, value in dict(input).items() if value is not None}
        settings_services.messaging_settings_update(actor=_staff(info), values=values, ip=client_ip(info.context))
        return cls(settings=_settings(), errors=[])


class RetryMessage(BaseMutation):
    """Push a message again: a FAILED one, or one that went in-app only. Never a pushed or UNCERTAIN one."""

    permissions = MANAGERS
    message = graphene.Field(OutboxMessage)
    errors = graphene.List(graphene.NonNull(MessagingError), required=True)

    class Arguments:
        id = graphene.ID(required=True)

    @classmethod
    def perform_mutation(cls, root, info, id):
        message = outbox.retry_message(actor=_staff(info), message_id=to_pk(id), ip=client_ip(info.context))
        return cls(message=selectors.outbox_messages().get(pk=message.pk), errors=[])


class OutboxMutations(graphene.ObjectType):
    mark_messages_read = MarkMessagesRead.Field()
    set_sms_opt_in = SetSmsOptIn.Field()
    record_subscription_results = RecordSubscriptionResults.Field()
    update_message_template = UpdateMessageTemplate.Field()
    sync_wechat_templates = SyncWechatTemplates.Field()
    update_messaging_settings = UpdateMessagingSettings.Field()
    retry_message = RetryMessage.Field()
