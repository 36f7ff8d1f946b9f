from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Concat
from django.utils.translation import gettext as _

from heat_platform.crypto import blind_index
from heat_platform.kernel.errors import field_error

from .errors import PropertyErrorCode
from .models import BindingSettings, Building, Community, HeatingStatusChange, House, HouseBinding


def community_list(*, search: str | None = None) -> QuerySet[Community]:
    qs = Community.objects.annotate(house_count=Count("houses", distinct=True),
                                    building_count=Count("buildings", distinct=True))
    if search:
        qs = qs.filter(name__icontains=search)
    return qs.order_by("name")


def building_list(*, community_id: int | None = None) -> QuerySet[Building]:
    qs = Building.objects.select_related("community").annotate(house_count=Count("houses"))
    if community_id:
        qs = qs.filter(community_id=community_id)
    return qs.order_by("community__name", "name")


ADDRESS_SEARCH_WORDS = 5  # a typed address has at most 小区, 楼, 单元, 室 and a stray word


def house_list(
    *,
    community_id: int | None = None,
    building_id: int | None = None,
    heating_status: str | None = None,
    category: str | None = None,
    low_income: str | None = None,
    search: str | None = None,
    in_arrears: bool | None = None,
) -> QuerySet[House]:
    """Staff ledger list. `search` matches 户号 prefix, owner name, a full
    phone number through its blind index (phones are encrypted), or the
    address: every word of it appears in 小区+楼+单元+室 (幸福里 3号楼 301).
    `in_arrears`: houses with (or without) a bill in arrears, as billing counts it."""
    qs = House.objects.select_related("community", "building", "unit")
    if in_arrears is not None:
        from apps.billing.selectors import house_owes  # billing's rule; billing's models import ours

        qs = qs.filter(house_owes()) if in_arrears else qs.exclude(house_owes())
    if community_id:
        qs = qs.filter(community_id=community_id)
    if building_id:
        qs = qs.filter(building_id=building_id)
    if heating_status:
        qs = qs.filter(heating_status=heating_status)
    if category:
        qs = qs.filter(category=category)
    if low_income:
        qs = qs.filter(low_income=low_income)
    if search:
        term = search.strip()
        cond = Q(account_no__startswith=term) | Q(owner_name__contains=term)
        if term.isdigit() and len(term) >= 7:
            cond |= Q(owner_phone_index=blind_index(term, purpose="phone"))
        words = term.split()[:ADDRESS_SEARCH_WORDS]
        if words:
            qs = qs.annotate(search_address=Concat("community__name", "building__name",
                                                   Coalesce("unit__name", Value("")), "room"))
            cond |= Q(*[Q(search_address__icontains=w) for w in words])
        qs = qs.filter(cond)
    return qs.order_by("account_no")


def house_get(*, house_id: int | str) -> House:
    """Staff access to one house; unknown ids are NOT_FOUND."""
    try:
        return House.objects.select_related("community", "building", "unit").get(pk=int(house_id))
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise field_error("id", _("找不到该房屋。"), PropertyErrorCode.NOT_FOUND) from exc


def access_house_for_resident(*, resident, house_id: int | str) -> House:
    """A house the resident has bound; anything else (missing or someone
    else's) is the same NOT_FOUND, so ids reveal nothing."""
    try:
        return (House.objects.select_related("community", "building", "unit")
                .get(pk=int(house_id), bindings__resident=resident))
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise field_error("houseId", _("找不到该房屋。"), PropertyErrorCode.NOT_FOUND) from exc


def resident_bindings(*, resident) -> QuerySet[HouseBinding]:
    return (HouseBinding.objects.filter(resident=resident)
            .select_related("house__community", "house__building", "house__unit").order_by("created_at", "id"))



def binding_settings_get() -> BindingSettings:
    """This company's binding settings; the defaults (an unsaved row) until an admin changes them."""
    return BindingSettings.objects.filter(pk=1).first() or BindingSettings()


def house_status_changes(*, house_id: int) -> QuerySet[HeatingStatusChange]:
    """A house's 报停 / 停供 / 恢复 history with reason and who, newest first."""
    return HeatingStatusChange.objects.filter(house_id=house_id).order_by("-created_at", "-id")


def house_residents(*, house_id: int) -> QuerySet[HouseBinding]:
    """The residents bound to a house (with the resident, one query), earliest first."""
    return (HouseBinding.objects.filter(house_id=house_id, resident__is_active=True).select_related("resident")
            .order_by("created_at", "id"))
