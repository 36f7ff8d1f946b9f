"""A resident deletes their account (PIPL §47): their identity goes, their money stays.

Erased: openid (replaced by a random `erased:…` value, so the same WeChat user
signing in again gets a new, empty resident), unionid, Alipay user id, nickname,
phone and its blind index, their SMS-code rows, every house binding, the payer id
on their orders, and their name and identity details in the audit log.

Kept, as accounting law requires (会计档案管理办法: vouchers 30 years): the
resident row itself as the anonymous id (`resident#<id>`) that their payment
orders, items and refunds point to; bills and receipts belong to houses and were
never theirs to delete. Nothing can sign in as the erased row (inactive, no openid).
"""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record, audit_redact_resident
from apps.payments.selectors import resident_payment_in_flight
from apps.payments.services.orders import orders_forget_payer
from apps.properties.services import bindings_remove_for_resident

from .errors import ResidentErrorCode, resident_error
from .models import Resident, SmsCode

# What the resident types (or the app sends after its confirmation dialog) to delete the account.
DELETE_CONFIRMATION = "注销"


@transaction.atomic
def resident_erase(*, resident_id: int, actor, ip: str | None, reason: str = "") -> Resident:
    """Erase one resident's identity (see the module docstring). `actor` is the resident (their own
    request) or a company admin (a request made by phone or in person, with a reason)."""
    resident = Resident.objects.select_for_update().filter(pk=resident_id, erased_at__isnull=True).first()
    if resident is None:
        raise resident_error(_("找不到该住户。"), ResidentErrorCode.NOT_FOUND, field="id")
    if resident_payment_in_flight(resident_id=resident.pk):
        raise resident_error(_("有尚未完成的支付或退款，请待其完成（订单 30 分钟内失效）后再注销。"),
                             ResidentErrorCode.PAYMENT_PENDING)
    bindings = bindings_remove_for_resident(resident=resident)
    orders = orders_forget_payer(resident_id=resident.pk)
    SmsCode.objects.filter(resident=resident).delete()
    resident.openid = f"erased:{secrets.token_hex(16)}"
    resident.unionid = resident.alipay_user_id = resident.display_name = ""
    resident.phone = resident.phone_index = ""
    resident.is_active = False
    resident.last_login_at = None
    resident.erased_at = timezone.now()
    resident.save(update_fields=["openid", "unionid", "alipay_user_id", "display_name", "phone", "phone_index",
                                 "is_active", "last_login_at", "erased_at"])
    audit_redact_resident(resident_id=resident.pk)
    by_self = isinstance(actor, Resident)
    audit_record(actor=resident if by_self else actor, action="resident.erase", target=resident, ip=ip,
                 by="resident" if by_self else "operator", reason=reason.strip(), bindings_removed=bindings,
                 payer_ids_cleared=orders)
    return resident


def resident_delete_own(*, resident: Resident, confirmation: str, ip: str | None) -> Resident:
    """The signed-in resident deletes their own account; `confirmation` must be DELETE_CONFIRMATION."""
    if (confirmation or "").strip() != DELETE_CONFIRMATION:
        raise resident_error(_("请输入“%(word)s”以确认注销账号。") % {"word": DELETE_CONFIRMATION},
                             ResidentErrorCode.CONFIRMATION_REQUIRED, field="confirmation")
    return resident_erase(resident_id=resident.pk, actor=resident, ip=ip, reason="self")
