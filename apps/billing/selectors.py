from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext as _

from apps.tariffs.models import Season
from heat_platform.kernel.errors import field_error

from .errors import BillingErrorCode
from .models import Bill


def _with_details(qs: QuerySet[Bill]) -> QuerySet[Bill]:
    return qs.select_related("house__community", "house__building", "house__unit", "season").prefetch_related(
        "lines", "house__status_changes")


def _residents(resident) -> QuerySet[Bill]:
    """Every bill a resident may see or pay: of a house they have bound, in a
    published season (a draft season's bills are staff-only)."""
    return Bill.objects.filter(house__bindings__resident=resident, season__status__in=Season.PUBLISHED)


def resident_bills(*, resident, season_id: int | None = None) -> QuerySet[Bill]:
    """Bills of the houses this resident has bound, newest season first."""
    qs = _residents(resident).exclude(status=Bill.Status.CANCELLED)
    if season_id:
        qs = qs.filter(season_id=season_id)
    return _with_details(qs).order_by("-season__heating_start", "house__account_no")


def bill_for_resident(*, resident, bill_id: int) -> Bill | None:
    """Same answer (None) for a missing bill, someone else's and an unpublished one."""
    return _with_details(_residents(resident).filter(pk=bill_id)).first()


def resident_bill_ids(*, resident, bill_ids) -> set[int]:
    """Which of these bills the resident may pay (theirs, published)."""
    return set(_residents(resident).filter(pk__in=bill_ids).values_list("pk", flat=True))


def bill_for_staff(*, bill_id: int) -> Bill | None:
    return _with_details(Bill.objects.filter(pk=bill_id)).first()


def bill_list(*, season_id: int | None = None, community_id: int | None = None, building_id: int | None = None,
              status: str | None = None, in_arrears: bool | None = None, search: str | None = None) -> QuerySet[Bill]:
    qs = Bill.objects.all()
    if season_id:
        qs = qs.filter(season_id=season_id)
    if community_id:
        qs = qs.filter(house__community_id=community_id)
    if building_id:
        qs = qs.filter(house__building_id=building_id)
    if status:
        qs = qs.filter(status=status)
    if in_arrears is not None:
        arrears = Q(status__in=[Bill.Status.ISSUED, Bill.Status.PARTIALLY_PAID])
        qs = qs.filter(arrears) if in_arrears else qs.exclude(arrears)
    if search:
        term = search.strip()
        qs = qs.filter(Q(house__account_no__startswith=term) | Q(house__owner_name__contains=term))
    return _with_details(qs).order_by("house__account_no", "-season_id")


def bill_summary(*, season_id: int, community_id: int | None = None) -> dict:
    """收缴率: collected / billed over live bills (waived and cancelled excluded)."""
    qs = Bill.objects.filter(season_id=season_id).exclude(status__in=[Bill.Status.WAIVED, Bill.Status.CANCELLED])
    if community_id:
        qs = qs.filter(house__community_id=community_id)
    agg = qs.aggregate(billed=Sum("principal_fen"), collected=Sum("paid_fen"))
    billed, collected = agg["billed"] or 0, agg["collected"] or 0
    return {"bill_count": qs.count(), "paid_count": qs.filter(status=Bill.Status.PAID).count(),
            "billed_fen": billed, "collected_fen": collected, "outstanding_fen": max(0, billed - collected),
            "collection_rate": collection_rate(billed_fen=billed, collected_fen=collected)}


def collection_rate(*, billed_fen: int, collected_fen: int) -> Decimal:
    """收缴率 in percent, 2 decimals (half-up); 0.00 when nothing was billed."""
    if not billed_fen:
        return Decimal("0.00")
    return (Decimal(collected_fen) * 100 / Decimal(billed_fen)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def season_to_bill(*, season_id: int | str) -> Season:
    """The season a billing job (bill run, true-up, meter reading) works on, or the typed
    "not found" error every such job answers."""
    try:
        season = Season.objects.filter(pk=int(season_id)).first()
    except (TypeError, ValueError):
        season = None
    if season is None:
        raise field_error("seasonId", _("找不到该采暖季。"), BillingErrorCode.NOT_FOUND)
    return season
