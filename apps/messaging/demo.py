"""Messaging's demo data for `make run` (wired into seed_demo). Idempotent: safe on every start.

What a new user of the demo finds: the message templates with their WeChat template ids (from the sandbox
WeChat's library for the demo mini-program), the knowledge base's default articles, a pinned heat-interruption
notice for one community and a notice to everybody, and the demo resident (`sandbox:demo-resident`, bound to
H10001) holding one-time grants for the payment receipt and the payment reminder — in our ledger and in the
sandbox WeChat alike — so paying a bill in the mini-program puts a receipt in /sandbox/messages/.

So that a payment-due campaign for the open season reaches more than one resident, twelve sandbox neighbours
(`sandbox:demo-neighbour-01` … `-12`) are each bound as owner to a house that still owes in the open season,
alternating between the two communities: 01–03 hold a one-time grant for the payment reminder (WeChat), 04–07
have bound their phone (the house owner's, through WeChat getPhoneNumber in the sandbox) and opted in to SMS,
08–12 are in-app only. With the sandbox SMS provider, the bill and reminder SMS templates are approved with
sandbox codes, so a campaign preview shows all three channels."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from tenants.directory import company_context, public_context
from tenants.models import HeatingCompany

from .models import Announcement, MessageKind, MessageTemplate, SubscriptionGrant

logger = logging.getLogger(__name__)

DEMO_RESIDENT = "demo-resident"  # the sandbox WeChat user of `wechatLogin(code: "sandbox:demo-resident")`
DEMO_HOUSE = "H10001"
NEIGHBOURS = tuple(f"demo-neighbour-{n:02d}" for n in range(1, 13))  # odd: 幸福里 (H1…), even: 阳光花园 (H2…)
WECHAT_NEIGHBOURS = NEIGHBOURS[:3]  # one-time grant for the payment reminder
SMS_NEIGHBOURS = NEIGHBOURS[3:7]  # verified phone + SMS opt-in; the rest: in-app only
# Sandbox SMS codes (the sandbox provider accepts any code): what staff would enter once the vendor approves.
DEMO_SMS_CODES = {MessageKind.BILL_PUBLISHED: "SMS_DEMO_0001", MessageKind.PAYMENT_DUE: "SMS_DEMO_0002"}
GRANTED_KINDS = (MessageKind.PAYMENT_RECEIPT, MessageKind.PAYMENT_DUE)
SANDBOX_APP = "apps.messaging.sandbox"


@dataclass
class SeedReport:
    templates_linked: int = 0
    kb_articles: int = 0
    announcements: int = 0
    grants: list[str] = field(default_factory=list)  # kinds that got a new one-time credit
    sms_opt_in: bool = False
    sms_templates: list[str] = field(default_factory=list)  # kinds whose SMS template the seed approved
    neighbours_bound: int = 0  # neighbours given their house
    neighbour_phones: int = 0
    neighbour_sms_opt_ins: int = 0
    neighbour_grants: int = 0  # neighbours given a payment-reminder credit

    def __bool__(self) -> bool:
        return bool(self.templates_linked or self.kb_articles or self.announcements or self.grants
                    or self.sms_opt_in or self.sms_templates or self.neighbours_bound or self.neighbour_phones
                    or self.neighbour_sms_opt_ins or self.neighbour_grants)


def messaging_demo_seed(*, tenant: HeatingCompany) -> SeedReport:
    """Seed the demo company's messaging (see the module docstring). Run after the ledger, staff and the other
    resident seeds; any schema (it switches to the company's)."""
    from apps.accounts.models import Role, User

    from .kb import kb_seed_defaults
    from .templates import ensure_default_templates

    report = SeedReport()
    account = getattr(tenant, "miniprogram", None)
    with company_context(tenant):
        ensure_default_templates()
        if account is not None:
            report.templates_linked = _link_wechat_templates(account.app_id, account.app_secret)
        report.sms_templates = _approve_sms_templates()
        report.kb_articles = kb_seed_defaults()
        admin = User.objects.filter(role=Role.TENANT_ADMIN, is_active=True).order_by("pk").first()
        if admin is not None:
            report.announcements = _announcements(admin)
        if account is not None:
            resident = _demo_resident(account.app_id)
            if resident is not None:
                report.grants = _grants(account.app_id, resident)
                report.sms_opt_in = _sms_opt_in(resident)
            _neighbours(tenant, account.app_id, report)
    return report


# --- WeChat template ids -------------------------------------------------------------------------------------------

def _link_wechat_templates(app_id: str, app_secret: str) -> int:
    """Fill the templates' WeChat ids as staff's 同步模板 does (sync_wechat_templates over HTTP), when one has
    none. The seed runs before the dev server is up, so when the sandbox cannot be reached yet the ids come from
    the sandbox WeChat's library for this AppID directly (the same ids its gettemplate answers), saved through
    the template service's checks. Returns how many templates got an id."""
    from .templates import sync_wechat_templates, update_message_template

    if not apps.is_installed(SANDBOX_APP):
        return 0  # a real mini-program: staff sync against WeChat themselves
    from .sandbox.services import sandbox_register_app, sandbox_template_ids

    with public_context():
        sandbox_register_app(app_id, app_secret or "sandbox-secret")
        library = sandbox_template_ids(app_id)
    unlinked = MessageTemplate.objects.filter(wechat_template_id="").exclude(wechat_title="")
    before = unlinked.count()
    if not before:
        return 0
    try:
        sync_wechat_templates(actor=None)
    except ValidationError as exc:
        logger.info("demo: WeChat template sync over HTTP not possible yet (%s); linking from the sandbox library",
                    "; ".join(exc.messages))
    except Exception:  # never stop `make run` here: the library gives the same ids
        logger.warning("demo: WeChat template sync failed; linking from the sandbox library", exc_info=True)
    for template in unlinked:  # what the sync left without an id (all of them when it could not run)
        template_id = library.get(template.wechat_title)
        if template_id:
            update_message_template(actor=None, kind=template.kind, values={"wechat_template_id": template_id})
    return before - unlinked.count()


# --- announcements -------------------------------------------------------------------------------------------------

INTERRUPTION_TITLE = "关于{community}换热站检修临时停暖的通知"
INTERRUPTION_BODY = (
    "<p>尊敬的住户：</p>"
    "<p>为保障本采暖季安全稳定供热，我公司定于<strong>{day} 9:00—15:00</strong>对{community}换热站进行检修，"
    "检修期间小区暂停供热，预计当日17:00前室温逐步恢复。</p>"
    "<p>请您提前做好保暖准备，检修期间关好门窗；家中有老人、婴幼儿或行动不便人员的住户如有困难，"
    "请拨打服务热线，我们将优先安排上门服务。</p>"
    "<p>如检修结束后室温仍未恢复，可在小程序“报修”中提交室温报告，我们将派人上门测温处理。</p>"
    "<p>给您带来的不便，敬请谅解。</p>"
)
SEASON_TITLE = "本采暖季缴费及电子发票办理须知"
SEASON_BODY = (
    "<p>尊敬的住户：</p>"
    "<p>本采暖季供热费账单已出，您可在小程序“账单”中查看明细，使用微信支付在线缴纳，也可到营业厅柜台缴纳"
    "（现金、刷卡或转账）。</p>"
    "<ul><li>缴费成功后，小程序会发送缴费成功通知，订单中可查看缴费记录；</li>"
    "<li>需要发票的住户，可在订单页申请电子发票，开具后可在小程序中查看下载；</li>"
    "<li>对账单面积、单价有疑问的，请查看“常见问题”，或携带房产证明到营业厅核实。</li></ul>"
    "<p>感谢您的理解与支持，祝您度过一个温暖的冬天。</p>"
)


def _announcements(admin) -> int:
    """A pinned heat-interruption notice to the demo house's community and a notice to everybody, published
    through the announcement services (once: matched by title)."""
    from apps.properties.models import House

    from .announcements import announcement_create, announcement_publish

    made = 0
    house = House.objects.select_related("community").filter(account_no=DEMO_HOUSE).first()
    if house is not None:
        community = house.community
        title = INTERRUPTION_TITLE.format(community=community.name)
        if not Announcement.objects.filter(title=title).exists():
            day = timezone.localdate() + dt.timedelta(days=2)
            draft = announcement_create(
                actor=admin, title=title, pinned=True, audience=Announcement.Audience.COMMUNITIES,
                community_ids=[community.pk],
                body=INTERRUPTION_BODY.format(day=f"{day.month}月{day.day}日", community=community.name))
            announcement_publish(announcement_id=draft.pk, actor=admin)
            made += 1
    if not Announcement.objects.filter(title=SEASON_TITLE).exists():
        draft = announcement_create(actor=admin, title=SEASON_TITLE, body=SEASON_BODY,
                                    audience=Announcement.Audience.ALL)
        announcement_publish(announcement_id=draft.pk, actor=admin)
        made += 1
    return made


# --- the demo resident -----------------------------------------------------------------------------------------------

def _demo_resident(app_id: str):
    """The sandbox WeChat user `demo-resident` of the demo mini-program, bound to H10001 (as the README's login
    and bindHouse would; the same rows temperature_demo_seed makes). None without the demo house."""
    from apps.properties.models import House, HouseBinding
    from apps.residents.models import Resident
    from apps.residents.providers.sandbox import sandbox_openid, sandbox_unionid

    house = House.objects.filter(account_no=DEMO_HOUSE).first()
    if house is None:
        return None
    resident, _created = Resident.objects.get_or_create(
        openid=sandbox_openid(app_id, DEMO_RESIDENT), defaults={"unionid": sandbox_unionid(DEMO_RESIDENT)})
    HouseBinding.objects.get_or_create(house=house, resident=resident, defaults={"role": HouseBinding.Role.OWNER})
    return resident


def _grants(app_id: str, resident, kinds=GRANTED_KINDS) -> list[str]:
    """One one-time credit for the templates of `kinds` (default: payment receipt and reminder), where the
    resident has none: the phone's answer in the sandbox WeChat (what wx.requestSubscribeMessage records there)
    and in our ledger (what recordSubscriptionResults records). A credit the resident still holds is left alone."""
    from .grants import record_subscription_results

    wanted = dict(MessageTemplate.objects.filter(kind__in=kinds, is_active=True)
                  .exclude(wechat_template_id="").values_list("wechat_template_id", "kind"))
    held = set(SubscriptionGrant.objects.filter(resident=resident, template_id__in=wanted, credits__gt=0,
                                                status=SubscriptionGrant.Status.ACTIVE)
               .values_list("template_id", flat=True))
    missing = [tid for tid in wanted if tid not in held]
    if not missing:
        return []
    if apps.is_installed(SANDBOX_APP):
        from .sandbox.models import SandboxWxSubscription
        from .sandbox.services import sandbox_subscribe

        with public_context():
            credited = set(SandboxWxSubscription.objects.filter(
                appid=app_id, openid=resident.openid, template_id__in=missing, status="accept", credits__gt=0)
                .values_list("template_id", flat=True))
            if set(missing) - credited:
                sandbox_subscribe(app_id, resident.openid, [tid for tid in missing if tid not in credited])
    record_subscription_results(resident=resident,
                                results=[{"template_id": tid, "result": "accept"} for tid in missing])
    return sorted(wanted[tid] for tid in missing)


def _sms_opt_in(resident) -> bool:
    """SMS notices for the demo resident when they have a phone (and have not chosen yet)."""
    from .models import SmsConsent

    if not resident.phone or SmsConsent.objects.filter(resident=resident).exists():
        return False
    from .settings_services import sms_opt_in_set

    sms_opt_in_set(resident=resident, opt_in=True)
    return True


# --- SMS templates ---------------------------------------------------------------------------------------------------

def _approve_sms_templates() -> list[str]:
    """With the sandbox SMS provider, approve the bill and reminder SMS templates with sandbox codes, through the
    template service's checks, where staff have not entered a code yet. Returns the kinds approved now."""
    from django.conf import settings

    from .templates import update_message_template

    if settings.SMS_PROVIDER != "sandbox":
        return []  # a real vendor: staff enter the codes it approved
    approved = []
    for kind, code in DEMO_SMS_CODES.items():
        template = MessageTemplate.objects.get(kind=kind)
        if template.sms_template_code or template.sms_approval == MessageTemplate.SmsApproval.APPROVED:
            continue  # staff's choice stands
        update_message_template(actor=None, kind=kind, values={
            "sms_template_code": code, "sms_approval": MessageTemplate.SmsApproval.APPROVED})
        approved.append(kind)
    return approved


# --- the neighbours --------------------------------------------------------------------------------------------------

def _owing_houses() -> list[list]:
    """Houses nobody has bound with a bill of the open season still owing (the campaigns' arrears test), one list
    per community (by id), in account-number order."""
    from apps.billing.models import Bill
    from apps.properties.models import House
    from apps.tariffs.models import Season

    owing = Bill.objects.filter(season__status=Season.Status.OPEN,
                                status__in=(Bill.Status.ISSUED, Bill.Status.PARTIALLY_PAID),
                                principal_fen__gt=models.F("paid_fen")).values("house_id")
    by_community: dict[int, list] = {}
    for house in House.objects.filter(pk__in=owing, bindings__isnull=True).order_by("account_no"):
        by_community.setdefault(house.community_id, []).append(house)
    return [by_community[cid] for cid in sorted(by_community)]


def _neighbours(tenant: HeatingCompany, app_id: str, report: SeedReport) -> None:
    """Create the neighbours (see the module docstring) as the mini-program would: a sandbox WeChat login's
    openid, bindHouse with the owner's name, getPhoneNumber in the sandbox, the SMS switch, the subscription
    answer. A neighbour already bound keeps their house; a phone, an SMS choice or a credit they hold is left
    alone, so a second run adds nothing."""
    from django.conf import settings

    from apps.properties.models import HouseBinding
    from apps.properties.services import house_bind
    from apps.residents.models import Resident
    from apps.residents.providers.sandbox import sandbox_openid, sandbox_unionid
    from apps.residents.services import resident_phone_bind_wechat

    from .models import SmsConsent
    from .settings_services import sms_opt_in_set

    openids = {name: sandbox_openid(app_id, name) for name in NEIGHBOURS}
    existing = {r.openid: r for r in Resident.objects.filter(openid__in=openids.values())}
    bound = set(HouseBinding.objects.filter(resident__in=existing.values()).values_list("resident_id", flat=True))
    pools = _owing_houses() if len(bound) < len(NEIGHBOURS) else []
    residents: dict[str, Resident] = {}
    for index, name in enumerate(NEIGHBOURS):
        resident = existing.get(openids[name])
        if resident is None or resident.pk not in bound:
            # alternate between the communities; when one has no owing house left, take the other's
            pool = (pools[index % len(pools)] if pools else None) or next((p for p in pools if p), None)
            if pool is None:  # nothing owes (no bills yet): no neighbour without a house
                if resident is not None:
                    residents[name] = resident
                continue
            if resident is None:
                resident = Resident.objects.create(openid=openids[name], unionid=sandbox_unionid(name))
            house = pool.pop(0)
            house_bind(resident=resident, account_no=house.account_no, owner_name=house.owner_name)
            report.neighbours_bound += 1
        residents[name] = resident
    phones_work = settings.WECHAT_LOGIN_PROVIDER == "sandbox"
    for name, resident in residents.items():
        if name in SMS_NEIGHBOURS:
            if not resident.phone and phones_work:
                binding = HouseBinding.objects.select_related("house").filter(resident=resident).first()
                if binding is not None and binding.house.owner_phone:
                    with company_context(tenant):  # the phone service reads the company's mini-program
                        resident = resident_phone_bind_wechat(
                            resident=resident, code=f"sandbox-phone:{binding.house.owner_phone}", ip="")
                    report.neighbour_phones += 1
            if resident.phone and not SmsConsent.objects.filter(resident=resident).exists():
                sms_opt_in_set(resident=resident, opt_in=True)
                report.neighbour_sms_opt_ins += 1
        elif name in WECHAT_NEIGHBOURS and _grants(app_id, resident, kinds=(MessageKind.PAYMENT_DUE,)):
            report.neighbour_grants += 1
