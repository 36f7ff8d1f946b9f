"""Mainland mobile numbers: the only kind residents can bind (SMS codes go to them)."""

from __future__ import annotations

import re

from heat_platform.crypto import blind_index

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalize_mobile(value: str) -> str | None:
    """'+86 138-0013-8000' -> '13800138000'; None when it is not a mainland mobile.
    The normal form is what `phone_index` hashes, the same as the house ledger's."""
    digits = re.sub(r"[\s()\-]", "", value or "")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix):]
            break
    else:
        if len(digits) == 13 and digits.startswith("86"):
            digits = digits[2:]
    return digits if MOBILE_RE.match(digits) else None


def phone_index(phone: str) -> str:
    """Blind index of a normalized phone (equality search on the encrypted column)."""
    return blind_index(phone, purpose="phone")
