import graphene

from apps.accounts.permissions import PII_FULL
from apps.properties.errors import PropertyErrorCode as _Code
from apps.properties.models import House, HouseBinding
from heat_platform.pii import mask_id_no, mask_name, mask_phone

from ..core.mutations import error_type
from ..core.scalars import Date, DateTime, Decimal

PropertyErrorCode = graphene.Enum.from_enum(_Code, name="PropertyErrorCode")
PropertyError = type("PropertyError", (error_type("_PropertyErrorBase", PropertyErrorCode),), {
    "retry_after": graphene.Int(description="TOO_MANY_ATTEMPTS: seconds until this client may try again"),
    "__module__": __name__,
})
HeatingStatus = graphene.Enum.from_enum(House.HeatingStatus, name="HeatingStatus")
HouseCategory = graphene.Enum.from_enum(House.Category, name="HouseCategory")
LowIncome = graphene.Enum.from_enum(House.LowIncome, name="LowIncome")
BindingRole = graphene.Enum.from_enum(HouseBinding.Role, name="BindingRole")


def _sees_pii(info) -> bool:
    return info.context.actor.role in PII_FULL


class Community(graphene.ObjectType):
    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    address = graphene.String(required=True)
    building_count = graphene.Int(required=True)
    house_count = graphene.Int(required=True)


class Building(graphene.ObjectType):
    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    community_id = graphene.ID(required=True)
    community_name = graphene.String(required=True)
    house_count = graphene.Int(required=True)

    @staticmethod
    def resolve_community_name(root, info):
        return root.community.name


class House(graphene.ObjectType):
    """A house as staff see it. Phone and ID numbers are masked unless the role may see them."""

    id = graphene.ID(required=True)
    account_no = graphene.String(required=True)
    address = graphene.String(required=True)
    community = graphene.String(required=True)
    building = graphene.String(required=True)
    unit = graphene.String()
    room = graphene.String(required=True)
    building_area = Decimal(required=True)
    usable_area = Decimal()
    category = graphene.Field(HouseCategory, required=True)
    low_income = graphene.Field(LowIncome, required=True)
    meter_no = graphene.String(required=True)
    heating_status = graphene.Field(HeatingStatus, required=True)
    owner_name = graphene.String(required=True)
    owner_phone = graphene.String(required=True, description="Masked (138****5678) unless the role may see it")
    owner_id_no = graphene.String(required=True, description="Masked unless the role may see it")

    @staticmethod
    def resolve_community(root, info):
        return root.community.name

    @staticmethod
    def resolve_building(root, info):
        return root.building.name

    @staticmethod
    def resolve_unit(root, info):
        return root.unit.name if root.unit_id else None

    @staticmethod
    def resolve_owner_phone(root, info):
        return root.owner_phone if _sees_pii(info) else mask_phone(root.owner_phone)

    @staticmethod
    def resolve_owner_id_no(root, info):
        return root.owner_id_no if _sees_pii(info) else mask_id_no(root.owner_id_no)


class HousePage(graphene.ObjectType):
    total_count = graphene.Int(required=True)
    items = graphene.List(graphene.NonNull(House), required=True)


class CommunityPage(graphene.ObjectType):
    total_count = graphene.Int(required=True)
    items = graphene.List(graphene.NonNull(Community), required=True)


class MyHouse(graphene.ObjectType):
    """A bound house as its resident sees it: no other person's full data."""

    id = graphene.ID(required=True)
    account_no = graphene.String(required=True)
    address = graphene.String(required=True)
    building_area = Decimal(required=True)
    usable_area = Decimal()
    heating_status = graphene.Field(HeatingStatus, required=True)
    owner_name = graphene.String(required=True, description="Masked: 张**")
    role = graphene.Field(BindingRole, required=True)

    @staticmethod
    def resolve_owner_name(root, info):
        return mask_name(root.owner_name)

    @staticmethod
    def resolve_role(root, info):
        return root.binding_role


class HouseBindingSettings(graphene.ObjectType):
    """Which proofs this company's residents may bind a house with."""

    phone_last4_allowed = graphene.Boolean(
        required=True, description="The last 4 digits of the owner's phone work as proof (off by default); "
                                   "the owner's name always does")

    @staticmethod
    def resolve_phone_last4_allowed(root, info):
        return root.allow_phone_last4


class HeatingStatusChange(graphene.ObjectType):
    """One 报停 / 停供 / 恢复供热 of a house: billing prorates and pauses late fees from these."""

    id = graphene.ID(required=True)
    from_status = graphene.Field(HeatingStatus, required=True)
    to_status = graphene.Field(HeatingStatus, required=True)
    reason = graphene.String(required=True)
    effective_date = Date(required=True)
    changed_by = graphene.String(required=True, description="Username of the staff member (or the import)")
    created_at = DateTime(required=True)


class HeatingStatusChangePage(graphene.ObjectType):
    total_count = graphene.Int(required=True)
    items = graphene.List(graphene.NonNull(HeatingStatusChange), required=True)


class HouseResident(graphene.ObjectType):
    """A resident bound to the house, as staff see them: never the full phone number."""

    resident_id = graphene.ID(required=True)
    display_name = graphene.String(required=True, description="WeChat nickname; empty when unknown")
    phone_masked = graphene.String(description="138****5678; null while no phone is bound")
    role = graphene.Field(BindingRole, required=True)
    bound_at = DateTime(required=True)

    @staticmethod
    def resolve_resident_id(root, info):
        return root.resident_id

    @staticmethod
    def resolve_display_name(root, info):
        return root.resident.display_name

    @staticmethod
    def resolve_phone_masked(root, info):
        return root.resident.phone_masked

    @staticmethod
    def resolve_bound_at(root, info):
        return root.created_at
