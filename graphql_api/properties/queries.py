import graphene
from django.core.exceptions import ValidationError

from apps.accounts.permissions import LEDGER_VIEW
from apps.properties.selectors import (
    binding_settings_get,
    building_list,
    community_list,
    house_get,
    house_list,
    house_residents,
    house_status_changes,
    resident_bindings,
)

from ..core.ids import to_optional_pk, to_pk
from ..core.pagination import page
from ..core.permissions import AllowAny, HasRole, IsResident, PermissionsField
from .types import (
    Building,
    CommunityPage,
    HeatingStatus,
    HeatingStatusChangePage,
    House,
    HouseBindingSettings,
    HouseCategory,
    HousePage,
    HouseResident,
    LowIncome,
    MyHouse,
)


class HouseFilter(graphene.InputObjectType):
    community_id = graphene.ID()
    building_id = graphene.ID()
    heating_status = HeatingStatus()
    category = HouseCategory()
    low_income = LowIncome()
    in_arrears = graphene.Boolean(description="Houses with a bill in arrears (false: without one)")
    search = graphene.String(description="户号 prefix, owner name, a full phone number, or address words "
                                         "(each in 小区+楼+单元+室)")


def house_filter_args(f) -> dict:
    """A HouseFilter as house_list's keyword arguments (also what a house export stores)."""
    f = f or {}
    return {"community_id": to_optional_pk(f.get("community_id")), "building_id": to_optional_pk(f.get("building_id")),
            "heating_status": f["heating_status"].value if f.get("heating_status") else None,
            "category": f["category"].value if f.get("category") else None,
            "low_income": f["low_income"].value if f.get("low_income") else None, "search": f.get("search"),
            "in_arrears": f.get("in_arrears")}


class LedgerQueries(graphene.ObjectType):
    communities = PermissionsField(CommunityPage, permissions=[HasRole(*LEDGER_VIEW)], required=True,
                                   search=graphene.String(), first=graphene.Int(default_value=50),
                                   offset=graphene.Int(default_value=0))
    buildings = PermissionsField(graphene.List(graphene.NonNull(Building), required=True),
                                 permissions=[HasRole(*LEDGER_VIEW)], community_id=graphene.ID(required=True))
    houses = PermissionsField(HousePage, permissions=[HasRole(*LEDGER_VIEW)], required=True,
                              filter=HouseFilter(), first=graphene.Int(default_value=50),
                              offset=graphene.Int(default_value=0))
    house = PermissionsField(House, permissions=[HasRole(*LEDGER_VIEW)], id=graphene.ID(required=True),
                             description="null when no such house")
    house_status_changes = PermissionsField(
        HeatingStatusChangePage, permissions=[HasRole(*LEDGER_VIEW)], required=True,
        house_id=graphene.ID(required=True), first=graphene.Int(default_value=50), offset=graphene.Int(default_value=0),
        description="A house's heating-status history (报停 / 停供 / 恢复, reason, who), newest first")
    house_residents = PermissionsField(
        graphene.List(graphene.NonNull(HouseResident), required=True), permissions=[HasRole(*LEDGER_VIEW)],
        house_id=graphene.ID(required=True), description="Residents bound to a house (phone masked)")
    my_houses = PermissionsField(graphene.List(graphene.NonNull(MyHouse), required=True),
                                 permissions=[IsResident], description="Houses bound to the signed-in resident")
    house_binding_settings = PermissionsField(
        HouseBindingSettings, permissions=[AllowAny], required=True,
        description="Which proofs bindHouse accepts here (the mini-program reads it to offer them)")

    @staticmethod
    def resolve_communities(root, info, search=None, first=50, offset=0):
        return CommunityPage(**page(community_list(search=search), first=first, offset=offset))

    @staticmethod
    def resolve_buildings(root, info, community_id):
        return list(building_list(community_id=to_optional_pk(community_id)))

    @staticmethod
    def resolve_houses(root, info, filter=None, first=50, offset=0):
        return HousePage(**page(house_list(**house_filter_args(filter)), first=first, offset=offset))

    @staticmethod
    def resolve_house(root, info, id):
        try:
            return house_get(house_id=to_pk(id))
        except ValidationError:
            return None

    @staticmethod
    def resolve_house_status_changes(root, info, house_id, first=50, offset=0):
        return HeatingStatusChangePage(**page(house_status_changes(house_id=to_pk(house_id)), first=first,
                                              offset=offset))

    @staticmethod
    def resolve_house_residents(root, info, house_id):
        return list(house_residents(house_id=to_pk(house_id)))

    @staticmethod
    def resolve_my_houses(root, info):
        houses = []
        for binding in resident_bindings(resident=info.context.actor.resident):
            house = binding.house
            house.binding_role = binding.role
            houses.append(house)
        return houses

    @staticmethod
    def resolve_house_binding_settings(root, info):
        return binding_settings_get()
