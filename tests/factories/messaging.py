"""Shared by the campaign tests (tests/apps/messaging, tests/graphql_api): a company with houses, bills and
residents chosen or not by a campaign (`campaign_world`), and the campaign GraphQL documents."""

from types import SimpleNamespace

from django.utils import timezone
from django_tenants.utils import schema_context

from apps.billing.models import Bill
from apps.messaging.models import MessageTemplate, SmsConsent
from apps.properties.models import HouseBinding
from apps.residents.models import Resident
from tests.factories.accounts import StaffFactory
from tests.factories.billing import bill_for
from tests.factories.properties import BuildingFactory, CommunityFactory, HouseFactory, UnitFactory
from tests.factories.residents import ResidentFactory
from tests.factories.tariffs import late_fee_season, plain_season

DUE = "payment_due"
PUBLISHED = "bill_published"


def _template(kind: str, *, wechat: str = "tpl-due", sms: bool = True) -> None:
    MessageTemplate.objects.update_or_create(kind=kind, defaults={
        "in_app_title": "缴费提醒", "in_app_body": "{house}本采暖季待缴{amount}元，截止{due_date}。",
        "wechat_template_id": wechat, "wechat_title": "缴费提醒",
        "wechat_fields": {"thing1": "house", "character_string2": "account_no", "amount3": "amount",
                          "date4": "due_date"},
        "sms_template_code": "SMS_1" if sms else "", "sms_text": "${house}采暖费待缴${amount}元",
        "sms_params": {"house": "house", "amount": "amount"},
        "sms_approval": MessageTemplate.SmsApproval.APPROVED if sms else MessageTemplate.SmsApproval.PENDING,
        "is_active": True})


def _resident(openid: str, *, phone: str = "", sms: bool = False, **kw) -> Resident:
    resident = ResidentFactory(openid=openid, **kw)
    if phone:
        Resident.objects.filter(pk=resident.pk).update(phone_index=f"idx-{openid}")
    if sms:
        SmsConsent.objects.create(resident=resident, opted_in=True, opted_in_at=timezone.now())
    return resident


def _pay(bill: Bill, fen: int | None = None) -> None:
    fen = bill.principal_fen if fen is None else fen
    status = Bill.Status.PAID if fen >= bill.principal_fen else Bill.Status.PARTIALLY_PAID
    Bill.objects.filter(pk=bill.pk).update(paid_fen=fen, status=status)


def campaign_world(alpha):
    """Season 2026-2027 (open, no discount or late fee yet). 幸福里 (c1): h1 issued, h2 paid, h4 partially paid;
    阳光城 (c2): h3 issued. r1 bound to h1, h2, h4; r2 to h1; r3 to h3; r4 to h4; erased and inactive residents
    bound to h1 / h4; a resident bound to nothing. Also a cancelled bill and another season's bill."""
    with schema_context(alpha.schema):
        season, plan = plain_season("2026-2027")
        c1, c2 = CommunityFactory(name="幸福里"), CommunityFactory(name="阳光城")
        b1 = BuildingFactory(community=c1, name="3号楼")
        u1 = UnitFactory(building=b1, name="2单元")
        b2 = BuildingFactory(community=c2, name="8号楼")
        h1 = HouseFactory(building=b1, unit=u1, room="501", account_no="A-1")
        h2 = HouseFactory(building=b1, unit=u1, room="502", account_no="A-2")
        h3 = HouseFactory(building=b2, room="101", account_no="B-1")
        h4 = HouseFactory(building=b1, unit=u1, room="601", account_no="A-4")
        h5 = HouseFactory(building=b2, room="102", account_no="B-2")
        bills = {name: bill_for((season, plan), house) for name, house in
                 (("h1", h1), ("h2", h2), ("h3", h3), ("h4", h4), ("h5", h5))}
        _pay(bills["h2"])
        _pay(bills["h4"], 100_000)
        Bill.objects.filter(pk=bills["h5"].pk).update(status=Bill.Status.CANCELLED)
        older, older_plan = late_fee_season("2025-2026")
        old_bill = bill_for((older, older_plan), h3)
        r1 = _resident("o-r1", phone="13800000001", sms=True)
        r2 = _resident("o-r2")
        r3 = _resident("o-r3", phone="13800000003", sms=True)
        r4 = _resident("o-r4", sms=True)  # opted in, but no phone
        erased = _resident("o-erased", erased_at=timezone.now())
        inactive = _resident("o-inactive", is_active=False)
        _resident("o-unbound")
        for resident, house in ((r1, h1), (r1, h2), (r1, h4), (r2, h1), (r3, h3), (r4, h4), (erased, h1),
                                (inactive, h4), (r3, h5)):
            HouseBinding.objects.create(resident=resident, house=house)
        _template(DUE)
        _template(PUBLISHED, wechat="tpl-pub")
        admin = StaffFactory(username="camp-admin", role="tenant_admin")
    return SimpleNamespace(season=season, plan=plan, c1=c1, c2=c2, bills=bills, old_bill=old_bill, r1=r1, r2=r2,
                           r3=r3, r4=r4, admin=admin, older=older)


INPUT = "kind: $kind, seasonId: $season, communityIds: $communities, arrearsOnly: $arrears, stage: $stage"
VARS = "$kind: CampaignKind!, $season: ID!, $communities: [ID!], $arrears: Boolean, $stage: String"
PREVIEW = f"""query({VARS}) {{ campaignPreview(input: {{{INPUT}}}) {{
  total alreadySent byChannel {{ wechat sms inApp }} }} }}"""
FIELDS = """id kind status statusText stage total processed enqueued error arrearsOnly communityIds createdBy
  startedAt finishedAt season { id name paymentDue } preview { total alreadySent byChannel { wechat sms inApp } }
  byChannel { wechat sms inApp pending failed cancelled }"""
START = f"""mutation({VARS}) {{ startCampaign(input: {{{INPUT}}}) {{
  campaign {{ {FIELDS} }} errors {{ field code message }} }} }}"""
ONE = f"query($id: ID!) {{ campaign(id: $id) {{ {FIELDS} }} }}"
LIST = "query($first: Int, $offset: Int) { campaigns(first: $first, offset: $offset) { total items { id stage " \
       "byChannel { inApp pending } } } }"


def _vars(world, **over):
    return {"kind": "PAYMENT_DUE", "season": str(world.season.pk), "communities": None, "arrears": False,
            "stage": "1", **over}
