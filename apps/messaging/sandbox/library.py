"""The fake WeChat's subscription-message template library and its rules for a message's fields and page.

Every AppID has the same six templates (the ones our defaults map, issue 17's contract); their ids are derived
from the AppID, so one company's template id is unknown (40037) to another, as on WeChat. Keyword rules follow
WeChat's documentation of subscribeMessage.send (类目模板消息参数值内容限制)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

_ID_KEY = b"heatcloud-sandbox-wx-template"  # fixed: ids are the same in dev, tests and every seed


@dataclass(frozen=True)
class LibraryTemplate:
    title: str
    keywords: tuple[tuple[str, str], ...]  # (keyword, label) in order, e.g. ("thing1", "缴费房屋")
    type: int = 2  # WeChat's `type`: 2 one-time, 3 long-term

    def content(self) -> str:
        return "\n".join(f"{label}:{{{{{key}.DATA}}}}" for key, label in self.keywords) + "\n"

    def example(self) -> str:
        return "\n".join(f"{label}:{EXAMPLES[keyword_type(key)]}" for key, label in self.keywords) + "\n"


LIBRARY: tuple[LibraryTemplate, ...] = (
    LibraryTemplate("账单出账提醒", (("thing1", "缴费房屋"), ("character_string2", "户号"), ("thing3", "采暖季"),
                                    ("amount4", "应缴金额"), ("date5", "缴费截止日期"))),
    LibraryTemplate("缴费提醒", (("thing1", "缴费房屋"), ("character_string2", "户号"), ("amount3", "待缴金额"),
                                ("date4", "缴费截止日期"), ("thing5", "温馨提示"))),
    LibraryTemplate("缴费成功通知", (("thing1", "缴费房屋"), ("amount2", "缴费金额"), ("time3", "缴费时间"),
                                    ("character_string4", "订单号"))),
    LibraryTemplate("退款成功通知", (("thing1", "退款房屋"), ("amount2", "退款金额"), ("time3", "退款时间"),
                                    ("character_string4", "订单号"))),
    LibraryTemplate("发票开具成功通知", (("thing1", "开票房屋"), ("amount2", "开票金额"),
                                        ("character_string3", "发票号码"), ("time4", "开票时间"))),
    LibraryTemplate("工单进度通知", (("character_string1", "工单编号"), ("thing2", "工单内容"), ("phrase3", "工单状态"),
                                    ("time4", "更新时间"), ("thing5", "备注"))),
)

EXAMPLES = {"thing": "幸福里3-2-501", "character_string": "A0001", "amount": "¥2688.00", "date": "2026-12-31",
            "time": "2026-12-07 14:03", "phrase": "已解决", "number": "1", "letter": "A", "name": "张三",
            "phone_number": "400-000-0000"}


def template_id(appid: str, title: str) -> str:
    """"sbx" + 40 URL-safe characters, like WeChat's 43-character priTmplId."""
    digest = hmac.new(_ID_KEY, f"{appid}|{title}".encode(), hashlib.sha256).digest()
    return "sbx" + base64.urlsafe_b64encode(digest).decode()[:40]


def templates_of(appid: str) -> dict[str, LibraryTemplate]:
    """template id → template, for one AppID."""
    return {template_id(appid, t.title): t for t in LIBRARY}


def keyword_type(keyword: str) -> str:
    return keyword.rstrip("0123456789")


# --- field values (each rule: WeChat's limit for the keyword type)

_CHINESE = re.compile(r"^[\u4e00-\u9fff]+$")
_ASCII_PRINTABLE = re.compile(r"^[\x21-\x7e]+$")
_TIME = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{2}(:\d{2})?|\d{4}年\d{1,2}月\d{1,2}日 ?\d{1,2}:\d{2}"
                   r"|\d{1,2}:\d{2}(:\d{2})?)$")
_DATE = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2}|\d{4}年\d{1,2}月\d{1,2}日)( \d{1,2}:\d{2}(:\d{2})?)?$")
_AMOUNT = re.compile(r"^[¥￥$]?(\d+)(\.\d{1,2})?元?$")
_NUMBER = re.compile(r"^\d+(\.\d+)?$")
_PHONE = re.compile(r"^[\d+\-() ]{1,17}$")


def value_problem(keyword: str, value: object) -> str | None:
    """Why WeChat would refuse `value` for `keyword` (None: fine)."""
    if not isinstance(value, str) or not value.strip():
        return "is empty"
    kind = keyword_type(keyword)
    if kind == "thing":
        return "exceeds 20 characters" if len(value) > 20 else None
    if kind == "character_string":
        if len(value) > 32:
            return "exceeds 32 characters"
        return None if _ASCII_PRINTABLE.match(value) else "must be letters, digits or symbols"
    if kind == "amount":
        match = _AMOUNT.match(value)
        if not match:
            return "must be an amount like ¥12.30"
        digits = len(match.group(1)) + len((match.group(2) or ".")[1:])
        return "exceeds 10 digits" if digits > 10 else None
    if kind == "time":
        return None if _TIME.match(value) else "must be a time like 2026-12-07 14:03"
    if kind == "date":
        return None if _DATE.match(value) else "must be a date like 2026-12-07"
    if kind == "phrase":
        return None if len(value) <= 5 and _CHINESE.match(value) else "must be at most 5 Chinese characters"
    if kind == "number":
        return None if len(value) <= 32 and _NUMBER.match(value) else "must be a number of at most 32 digits"
    if kind == "letter":
        return None if len(value) <= 32 and value.isascii() and value.isalpha() else "must be at most 32 letters"
    if kind == "name":
        limit = 10 if _CHINESE.match(value) else 20
        return "exceeds the name limit" if len(value) > limit else None
    if kind == "phone_number":
        return None if _PHONE.match(value) else "must be a phone number"
    return None


def data_problem(template: LibraryTemplate, data: object) -> str | None:
    """WeChat's 47003 text for a send's `data` ({keyword: {"value": …}}), naming the field; None: fine."""
    if not isinstance(data, dict):
        return "argument invalid! data is not an object"
    expected = [key for key, _label in template.keywords]
    for key in data:
        if key not in expected:
            return f"argument invalid! data.{key} is not a keyword of the template"
    for key in expected:
        item = data.get(key)
        value = item.get("value") if isinstance(item, dict) else None
        if value is None:
            return f"argument invalid! data.{key}.value is empty"
        if problem := value_problem(key, value):
            return f"argument invalid! data.{key}.value {problem}"
    return None


# --- the mini-program's pages (what a message may open)

_pages_cache: dict[str, tuple[float, frozenset[str]]] = {}


def release_pages() -> frozenset[str]:
    """The pages of the mini-program template (app.json `pages` and subpackages), re-read when the file changes."""
    path = Path(settings.MINIPROGRAM_TEMPLATE_DIR) / "app.json"
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return frozenset()
    cached = _pages_cache.get(str(path))
    if cached and cached[0] == mtime:
        return cached[1]
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return frozenset()
    pages = set(config.get("pages") or [])
    for package in (config.get("subPackages") or config.get("subpackages") or []):
        root = str(package.get("root") or "").strip("/")
        pages.update(f"{root}/{page}" for page in package.get("pages") or [])
    result = frozenset(pages)
    _pages_cache[str(path)] = (mtime, result)
    return result


def page_ok(page: str) -> bool:
    """An empty page opens nothing (allowed); else its path (before `?`) must be a page of the release."""
    if not page:
        return True
    return page.split("?", 1)[0].lstrip("/") in release_pages()
