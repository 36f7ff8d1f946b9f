"""Layout files of a sandbox invoice: PDF, OFD and XML, each rendered on demand and deterministic (the same order
gives the same bytes).

- PDF: reportlab with the embedded Noto Sans SC of apps/payments/fonts (like the counter receipt), laid out like a
  数电票: title, number and date, buyer and seller blocks, lines, totals, 价税合计 in capitals and figures, remark,
  drawer. Simplified: no QR code, no bureau seal, no 监制 stamp.
- OFD (GB/T 33190): a minimal valid package, a zip with OFD.xml → Doc_0/Document.xml → one page
  (Doc_0/Pages/Page_0/Content.xml) of TextObjects drawing the same text, fonts named in Doc_0/PublicRes.xml.
  Simplified: fonts are referenced, not embedded; no signature (Signs), no invoice CustomTags, no glyph positions
  (DeltaX), so viewers place characters by their own font metrics.
- XML: the invoice's data in a structure named after the bureau's 数电票 XML (EInvoice / Header / EInvoiceData:
  SellerInformation, BuyerInformation, BasicInformation, IssuItemInformation). Simplified: no signature block.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A5, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from apps.payments.receipts import CJK, LATIN_BOLD, _fonts
from heat_platform.money import fen_to_chinese, fen_to_yuan_str

from .models import NuonuoOrder

CN_TZ = ZoneInfo("Asia/Shanghai")
PAGE = landscape(A5)
MARGIN = 8 * mm
ZIP_TIME = (2024, 1, 1, 0, 0, 0)  # fixed: the same invoice zips to the same bytes


@dataclass(frozen=True)
class Sheet:
    title: str
    number: str
    date: str
    seller: tuple[str, str]
    buyer: tuple[str, str]
    lines: list[list[str]]
    excl: str
    tax: str
    total_fen: int
    remark: str
    drawer: str


def sheet(order: NuonuoOrder) -> Sheet:
    o = order.order
    special = o.get("invoiceLine") == "bs"
    title = "电子发票（增值税专用发票）" if special else "电子发票（普通发票）"
    remark = o.get("remark", "")
    if order.invoice_type == "2":
        title = "电子发票（红字）" + title.removeprefix("电子发票")
        remark = f"被红冲蓝字数电票号码：{o.get('blueElecInvoiceNumber', '')}　红字确认单编号：{o.get('billNo', '')}"
    lines = []
    for d in o.get("invoiceDetail", []):
        rate = d.get("taxRate", "0")
        rate_text = "免税" if d.get("favouredPolicyFlag") == "03" else (
            "不征税" if d.get("favouredPolicyFlag") == "04" else f"{float(rate) * 100:g}%")
        lines.append([d.get("goodsName", ""), d.get("unit", ""), str(d.get("num", "")), str(d.get("price", "")),
                      d.get("taxExcludedAmount", ""), rate_text, d.get("tax", "")])
    date = order.invoice_time.astimezone(CN_TZ).strftime("%Y年%m月%d日") if order.invoice_time else ""
    return Sheet(
        title=title, number=order.invoice_number, date=date,
        seller=(order.app.seller_name or o.get("salerTaxNum", ""), o.get("salerTaxNum", "")),
        buyer=(o.get("buyerName", ""), o.get("buyerTaxNum", "")), lines=lines,
        excl=fen_to_yuan_str(order.excl_fen), tax=fen_to_yuan_str(order.tax_fen), total_fen=order.total_fen,
        remark=remark, drawer=o.get("clerk", ""),
    )


def total_text(total_fen: int) -> tuple[str, str]:
    """(capitals, figures); a red invoice's capitals say 负, as the bureau prints (负)."""
    capitals = fen_to_chinese(total_fen).replace("负", "（负数）")
    return capitals, f"¥{fen_to_yuan_str(total_fen)}"


def pdf(order: NuonuoOrder) -> bytes:
    _fonts()
    s = sheet(order)
    base = ParagraphStyle("base", fontName=CJK, fontSize=8, leading=10, wordWrap="CJK")
    title = ParagraphStyle("title", parent=base, fontSize=15, leading=19, alignment=TA_CENTER,
                           textColor=colors.HexColor("#8b1a1a"))
    width = PAGE[0] - 2 * MARGIN
    grid = [("FONT", (0, 0), (-1, -1), CJK, 8), ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#8b1a1a")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
    head = Table([[f"发票号码：{s.number}"], [f"开票日期：{s.date}"]], colWidths=[width])
    head.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), CJK, 8), ("ALIGN", (0, 0), (-1, -1), "RIGHT")]))
    parties = Table([
        ["购买方信息", f"名称：{s.buyer[0]}", "销售方信息", f"名称：{s.seller[0]}"],
        ["", f"统一社会信用代码/纳税人识别号：{s.buyer[1]}", "", f"统一社会信用代码/纳税人识别号：{s.seller[1]}"],
    ], colWidths=[14 * mm, width / 2 - 14 * mm, 14 * mm, width / 2 - 14 * mm])
    parties.setStyle(TableStyle([*grid, ("SPAN", (0, 0), (0, 1)), ("SPAN", (2, 0), (2, 1))]))
    rows = [["项目名称", "单位", "数量", "单价", "金额", "税率/征收率", "税额"], *s.lines,
            ["合计", "", "", "", f"¥{s.excl}", "", f"¥{s.tax}"]]
    fixed = [20 * mm, 20 * mm, 26 * mm, 26 * mm, 22 * mm, 24 * mm]
    items = Table([[Paragraph(escape(str(c)), base) if i == 0 else c for i, c in enumerate(r)] for r in rows],
                  colWidths=[width - sum(fixed), *fixed], repeatRows=1)
    items.setStyle(TableStyle([*grid, ("ALIGN", (2, 1), (-1, -1), "RIGHT")]))
    capitals, figures = total_text(s.total_fen)
    totals = Table([["价税合计（大写）", capitals, "（小写）", figures]],
                   colWidths=[30 * mm, width - 30 * mm - 18 * mm - 36 * mm, 18 * mm, 36 * mm])
    totals.setStyle(TableStyle([*grid, ("FONT", (3, 0), (3, 0), LATIN_BOLD, 9)]))
    remark = Table([["备注", Paragraph(escape(s.remark), base)]], colWidths=[14 * mm, width - 14 * mm])
    remark.setStyle(TableStyle(grid))
    story = [Paragraph(s.title, title), head, Spacer(1, 1 * mm), parties, items, totals, remark,
             Spacer(1, 2 * mm), Paragraph(f"开票人：{escape(s.drawer)}　（诺诺沙箱生成，非真实发票）", base)]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=MARGIN, invariant=1, title=f"数电票 {s.number}", author=s.seller[0],
                            creator="HeatCloud Nuonuo sandbox", producer="HeatCloud", subject=s.number,
                            initialFontName=CJK)
    doc.build(story)
    return buf.getvalue()


OFD_NS = "http://www.ofdspec.org/2016"


def _ofd_xml(body: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode()


def ofd(order: NuonuoOrder) -> bytes:
    s = sheet(order)
    capitals, figures = total_text(s.total_fen)
    texts = [s.title, f"发票号码：{s.number}", f"开票日期：{s.date}", f"购买方：{s.buyer[0]} {s.buyer[1]}",
             f"销售方：{s.seller[0]} {s.seller[1]}"]
    texts += ["　".join(str(c) for c in line) for line in s.lines]
    texts += [f"合计：金额 ¥{s.excl}　税额 ¥{s.tax}", f"价税合计（大写）{capitals}（小写）{figures}",
              f"备注：{s.remark}", f"开票人：{s.drawer}"]
    objects, next_id = [], 3
    for i, text in enumerate(texts):
        next_id += 1
        size = "5" if i == 0 else "3.2"
        objects.append(f'<ofd:TextObject ID="{next_id}" Boundary="10 {8 + i * 6} 190 6" Font="2" Size="{size}">'
                       f'<ofd:TextCode X="0" Y="4.5">{escape(text)}</ofd:TextCode></ofd:TextObject>')
    doc_id = order.serial_no
    created = order.invoice_time.astimezone(CN_TZ).strftime("%Y-%m-%d") if order.invoice_time else ""
    files = {
        "OFD.xml": _ofd_xml(
            f'<ofd:OFD xmlns:ofd="{OFD_NS}" Version="1.1" DocType="OFD"><ofd:DocBody><ofd:DocInfo>'
            f"<ofd:DocID>{escape(doc_id)}</ofd:DocID><ofd:Title>{escape(s.title)}</ofd:Title>"
            f"<ofd:Author>{escape(s.seller[0])}</ofd:Author><ofd:CreationDate>{created}</ofd:CreationDate>"
            f"<ofd:CustomDatas><ofd:CustomData Name=\"发票号码\">{escape(s.number)}</ofd:CustomData>"
            f"<ofd:CustomData Name=\"开票日期\">{escape(s.date)}</ofd:CustomData>"
            f"<ofd:CustomData Name=\"价税合计\">{fen_to_yuan_str(s.total_fen)}</ofd:CustomData></ofd:CustomDatas>"
            "</ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"),
        "Doc_0/Document.xml": _ofd_xml(
            f'<ofd:Document xmlns:ofd="{OFD_NS}"><ofd:CommonData><ofd:MaxUnitID>{next_id}</ofd:MaxUnitID>'
            "<ofd:PageArea><ofd:PhysicalBox>0 0 210 140</ofd:PhysicalBox></ofd:PageArea>"
            "<ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData>"
            '<ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>'),
        "Doc_0/PublicRes.xml": _ofd_xml(
            f'<ofd:Res xmlns:ofd="{OFD_NS}" BaseLoc="Res"><ofd:Fonts>'
            '<ofd:Font ID="2" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>'),
        "Doc_0/Pages/Page_0/Content.xml": _ofd_xml(
            f'<ofd:Page xmlns:ofd="{OFD_NS}"><ofd:Content><ofd:Layer ID="3">{"".join(objects)}'
            "</ofd:Layer></ofd:Content></ofd:Page>"),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            package.writestr(info, data)
    return buf.getvalue()


def xml(order: NuonuoOrder) -> bytes:
    s = sheet(order)
    o = order.order
    root = ET.Element("EInvoice")
    header = ET.SubElement(root, "Header")
    ET.SubElement(header, "EIid").text = s.number
    ET.SubElement(header, "EInvoiceTag").text = "SWEI" + ("3201" if o.get("invoiceLine") == "bs" else "3202")
    data = ET.SubElement(root, "EInvoiceData")
    seller = ET.SubElement(data, "SellerInformation")
    ET.SubElement(seller, "SellerIdNum").text = s.seller[1]
    ET.SubElement(seller, "SellerName").text = s.seller[0]
    buyer = ET.SubElement(data, "BuyerInformation")
    ET.SubElement(buyer, "BuyerIdNum").text = s.buyer[1]
    ET.SubElement(buyer, "BuyerName").text = s.buyer[0]
    basic = ET.SubElement(data, "BasicInformation")
    ET.SubElement(basic, "TotalAmWithoutTax").text = s.excl
    ET.SubElement(basic, "TotalTaxAm").text = s.tax
    ET.SubElement(basic, "TotalTax-includedAmount").text = fen_to_yuan_str(s.total_fen)
    ET.SubElement(basic, "TotalTax-includedAmountInChinese").text = total_text(s.total_fen)[0]
    ET.SubElement(basic, "Drawer").text = s.drawer
    ET.SubElement(basic, "RequestTime").text = (
        order.invoice_time.astimezone(CN_TZ).strftime("%Y-%m-%d %H:%M:%S") if order.invoice_time else "")
    if order.invoice_type == "2":
        ET.SubElement(basic, "BlueInvoiceNumber").text = o.get("blueElecInvoiceNumber", "")
        ET.SubElement(basic, "RedConfirmationNumber").text = o.get("billNo", "")
    items = ET.SubElement(data, "IssuItemInformation")
    for d in o.get("invoiceDetail", []):
        item = ET.SubElement(items, "Item")
        for tag, key in (("ItemName", "goodsName"), ("TaxClassificationCode", "goodsCode"),
                         ("MeaUnits", "unit"), ("Quantity", "num"), ("UnPrice", "price"), ("Amount",
                          "taxExcludedAmount"), ("TaxRate", "taxRate"), ("ComTaxAm", "tax"),
                         ("FavouredPolicyFlag", "favouredPolicyFlag")):
            ET.SubElement(item, tag).text = str(d.get(key, ""))
    ET.SubElement(data, "AdditionalInformation").text = s.remark
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


RENDERERS = {"pdf": (pdf, "application/pdf"), "ofd": (ofd, "application/ofd"), "xml": (xml, "application/xml")}
