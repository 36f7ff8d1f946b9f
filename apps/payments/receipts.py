"""Printable receipt (收据) of a counter payment, as a PDF.

Every font is embedded, so the receipt prints the same on every viewer and
printer: Noto Sans SC (SIL OFL, apps/payments/fonts/, a GBK subset of the
regular weight and the Latin part of the bold one), registered with
reportlab's TTFont, which embeds only the glyphs the receipt uses. The
output is deterministic (`invariant`): the same order prints byte-identical
PDFs. The collector is named by their display name.

`receipt_data` gathers what the receipt says from the order (prefetch its
items' bills, houses and seasons: apps.payments.selectors_counter); `receipt_pdf`
lays it out on A5 landscape, a common size for pre-printed receipt books, and
continues on further pages when an order pays many bills."""

from __future__ import annotations

import functools
import io
import logging
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A5, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.tables import LongTable

from heat_platform.money import fen_to_chinese
from tenants.selectors import current_company

from .models import CounterMethod, PaymentOrder

logger = logging.getLogger(__name__)

FONTS = Path(__file__).resolve().parent / "fonts"
CJK = "NotoSansSC"
LATIN_BOLD = "NotoSansSC-Bold"  # the amount in figures (¥)


@functools.cache
def _fonts() -> TTFont:
    """Register the embedded fonts once per process (parsing the CJK font takes a few tenths of a second)."""
    cjk = TTFont(CJK, str(FONTS / "NotoSansSC-Regular.subset.ttf"))
    pdfmetrics.registerFont(cjk)
    pdfmetrics.registerFont(TTFont(LATIN_BOLD, str(FONTS / "NotoSansSC-Bold.latin.ttf")))
    return cjk

PAGE = landscape(A5)
MARGIN = 10 * mm


def yuan(fen: int) -> str:
    """123456 -> '1,234.56' (display only)."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"


@dataclass(frozen=True)
class ReceiptHouse:
    account_no: str
    owner_name: str
    address: str


@dataclass(frozen=True)
class ReceiptLine:
    account_no: str
    season: str
    principal_fen: int  # the part of the bill's principal this payment settles
    discount_fen: int
    late_fee_fen: int
    amount_fen: int
    still_owed_fen: int  # what the bill still owes after this payment (partial payments)


@dataclass(frozen=True)
class ReceiptData:
    company: str
    receipt_no: str
    out_trade_no: str
    paid_at: str
    collector: str
    method: str
    houses: tuple[ReceiptHouse, ...]
    lines: tuple[ReceiptLine, ...]
    total_fen: int
    refunded_fen: int


def _person(user) -> str:
    """The display name (王会计); else the name, surname first with no space (李丽), as Chinese
    names are written; the username only when neither is set."""
    return user.display_name or f"{user.last_name}{user.first_name}".strip() or user.username


def _missing_glyphs(data: ReceiptData, font: TTFont) -> set[str]:
    """Characters the embedded font cannot draw (outside GBK): printed as empty boxes."""
    text = "".join([data.company, data.collector, *(h.owner_name + h.address for h in data.houses),
                    *(line.season for line in data.lines)])
    return {c for c in text if not c.isspace() and ord(c) not in font.face.charToGlyph}


def receipt_data(order: PaymentOrder) -> ReceiptData:
    items = list(order.items.all())
    houses: dict[int, ReceiptHouse] = {}
    lines = []
    for item in items:
        bill = item.bill
        house = bill.house
        houses.setdefault(house.pk, ReceiptHouse(account_no=house.account_no, owner_name=house.owner_name,
                                                 address=house.address))
        owed_before = item.quoted_principal_fen - item.quoted_paid_fen + item.late_fee_fen - item.discount_fen
        lines.append(ReceiptLine(account_no=house.account_no, season=bill.season.name,
                                 principal_fen=item.outstanding_fen, discount_fen=item.discount_fen,
                                 late_fee_fen=item.late_fee_fen, amount_fen=item.amount_fen,
                                 still_owed_fen=max(0, owed_before - item.amount_fen)))
    collector = order.collector
    paid_at = timezone.localtime(order.paid_at or order.created_at)
    return ReceiptData(
        company=current_company().name,
        receipt_no=order.receipt_no,
        out_trade_no=order.out_trade_no,
        paid_at=paid_at.strftime("%Y-%m-%d %H:%M:%S"),
        collector=_person(collector) if collector else "",
        method=str(CounterMethod(order.counter_method).label) if order.counter_method else "",
        houses=tuple(houses.values()),
        lines=tuple(lines),
        total_fen=order.amount_fen,
        refunded_fen=order.refunded_fen,
    )


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=CJK, fontSize=9, leading=12, wordWrap="CJK")
    return {
        "base": base,
        "title": ParagraphStyle("title", parent=base, fontSize=16, leading=20, alignment=TA_CENTER),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=12, leading=16, alignment=TA_CENTER),
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=10, textColor=colors.grey),
    }


GRID = [("FONT", (0, 0), (-1, -1), CJK, 9), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5)]


def _story(data: ReceiptData) -> list:
    st = _styles()
    width = PAGE[0] - 2 * MARGIN
    story: list = [Paragraph(data.company, st["title"]), Paragraph(_("供热费收款收据"), st["subtitle"]),
                   Spacer(1, 2 * mm)]

    head = Table([[_("收据号：%(no)s") % {"no": data.receipt_no}, _("缴费时间：%(t)s") % {"t": data.paid_at}],
                  [_("收款方式：%(m)s") % {"m": data.method}, _("收费员：%(c)s") % {"c": data.collector}]],
                 colWidths=[width / 2] * 2)
    head.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), CJK, 9), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                              ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    story += [head, Spacer(1, 2 * mm)]

    houses = [[_("户号"), _("户主"), _("地址")]] + [
        [h.account_no, h.owner_name, Paragraph(h.address, st["base"])] for h in data.houses]
    houses_table = LongTable(houses, colWidths=[28 * mm, 28 * mm, width - 56 * mm], repeatRows=1)
    houses_table.setStyle(TableStyle([*GRID, ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee"))]))
    story += [houses_table, Spacer(1, 2 * mm)]

    rows = [[_("户号"), _("采暖季"), _("本金（元）"), _("优惠（元）"), _("违约金（元）"), _("实收（元）"), _("备注")]]
    for line in data.lines:
        note = _("部分缴费，尚欠本金 %(owed)s 元") % {"owed": yuan(line.still_owed_fen)} if line.still_owed_fen \
            else _("已缴清")
        rows.append([line.account_no, line.season, yuan(line.principal_fen),
                     yuan(-line.discount_fen) if line.discount_fen else "",
                     yuan(line.late_fee_fen) if line.late_fee_fen else "", yuan(line.amount_fen),
                     Paragraph(note, st["base"])])
    fixed = [24 * mm, 21 * mm, 22 * mm, 20 * mm, 23 * mm, 22 * mm]
    items_table = LongTable(rows, colWidths=[*fixed, width - sum(fixed)], repeatRows=1)
    items_table.setStyle(TableStyle([*GRID, ("ALIGN", (2, 1), (5, -1), "RIGHT"),
                                     ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee"))]))
    story += [items_table]

    totals = [[_("合计（大写）"), fen_to_chinese(data.total_fen), _("（小写）"), f"¥{yuan(data.total_fen)}"]]
    if data.refunded_fen:
        totals.append([_("已退款"), fen_to_chinese(data.refunded_fen), _("（小写）"), f"¥{yuan(data.refunded_fen)}"])
    totals_table = Table(totals, colWidths=[26 * mm, width - 26 * mm - 20 * mm - 34 * mm, 20 * mm, 34 * mm])
    totals_table.setStyle(TableStyle([*GRID, ("FONT", (3, 0), (3, -1), LATIN_BOLD, 10),
                                      ("FONT", (1, 0), (1, -1), CJK, 10), ("ALIGN", (3, 0), (3, -1), "RIGHT")]))

    stamp = Table([[_("收款单位（盖章）")], [""]], colWidths=[52 * mm], rowHeights=[6 * mm, 16 * mm])
    stamp.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), CJK, 9), ("BOX", (0, 0), (-1, -1), 0.8, colors.black),
                               ("ALIGN", (0, 0), (-1, -1), "CENTER")]))
    sign = Table([[_("收费员（签字）：%(c)s") % {"c": data.collector}, stamp]],
                 colWidths=[width - 52 * mm, 52 * mm])
    sign.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), CJK, 9), ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                              ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    story.append(KeepTogether([totals_table, Spacer(1, 3 * mm), sign, Spacer(1, 1.5 * mm),
                               Paragraph(_("订单号：%(no)s　本收据为缴纳供热费的凭证，请妥善保管。") % {
                                   "no": data.out_trade_no}, st["small"])]))
    return story


def _page_number(canvas, doc) -> None:
    canvas.saveState()
    canvas.setFont(CJK, 7.5)
    canvas.drawRightString(PAGE[0] - MARGIN, MARGIN / 2, _("第 %(page)s 页") % {"page": doc.page})
    canvas.restoreState()


def _continued(data: ReceiptData):
    """Later pages name the receipt they continue."""

    def draw(canvas, doc) -> None:
        _page_number(canvas, doc)
        canvas.saveState()
        canvas.setFont(CJK, 7.5)
        canvas.drawString(MARGIN, PAGE[1] - MARGIN / 2 - 3, _("%(company)s 收据号：%(no)s（续）") % {
            "company": data.company, "no": data.receipt_no})
        canvas.restoreState()

    return draw


def receipt_pdf(order: PaymentOrder) -> bytes:
    cjk = _fonts()
    data = receipt_data(order)
    missing = _missing_glyphs(data, cjk)
    if missing:
        logger.warning("receipt %s: %d character(s) outside the embedded font print as boxes",
                       order.out_trade_no, len(missing))
    buf = io.BytesIO()
    # initialFontName: no page ever names a font that is not embedded (reportlab's default is Helvetica).
    doc = SimpleDocTemplate(buf, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=MARGIN, invariant=1, title=_("收据 %(no)s") % {"no": data.receipt_no},
                            author=data.company, creator="HeatCloud", producer="HeatCloud", subject="",
                            initialFontName=CJK)
    doc.build(_story(data), onFirstPage=_page_number, onLaterPages=_continued(data))
    return buf.getvalue()
