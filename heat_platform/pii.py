"""Masking of personal data for people whose role may not see it in full."""

from __future__ import annotations

import re


def mask_phone(phone: str) -> str:
    """13812345678 -> 138****5678; 010-12345678 -> 010-****5678."""
    if not phone:
        return ""
    if len(phone) <= 7:
        return "*" * len(phone)
    head = phone[:4] if "-" in phone[:5] else phone[:3]
    return f"{head}{'*' * (len(phone) - len(head) - 4)}{phone[-4:]}"


def mask_id_no(id_no: str) -> str:
    """110101199003071234 -> 110***********1234."""
    if not id_no:
        return ""
    if len(id_no) <= 7:
        return "*" * len(id_no)
    return f"{id_no[:3]}{'*' * (len(id_no) - 7)}{id_no[-4:]}"


def mask_name(name: str) -> str:
    """张三丰 -> 张**: what a resident sees of a co-resident or owner."""
    return name[:1] + "*" * (len(name) - 1) if name else ""


# Free text that may carry personal data or credentials (log messages, exception texts sent to Sentry):
# mainland mobile numbers and 18-character resident ID numbers standing alone (not inside a longer id such
# as a 28-digit transaction id or a letter-prefixed order number), and bearer tokens / JWTs.
_PHONE_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")
_ID_NO_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_BEARER_IN_TEXT = re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+")
_JWT_IN_TEXT = re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


def scrub_text(text: str) -> str:
    """Mask phone and ID numbers as staff without the right see them; drop tokens entirely."""
    text = _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group()), text)
    text = _ID_NO_IN_TEXT.sub(lambda m: mask_id_no(m.group()), text)
    text = _BEARER_IN_TEXT.sub(r"\1[Filtered]", text)
    return _JWT_IN_TEXT.sub("[Filtered]", text)
