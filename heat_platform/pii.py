"""Masking of personal data for people whose role may not see it in full."""

from __future__ import annotations


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
