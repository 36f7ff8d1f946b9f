import graphene

from apps.accounts.permissions import ADMIN, HEATING_STATUS_CHANGE, LEDGER_EDIT
from apps.properties.services import (
    binding_settings_update,
    house_bind,
    house_change_heating_status,
    house_unbind,
    house_update,
)
from heat_platform.kernel.actors import client_ip

from ..core.ids import to_pk
from ..core.mutations import BaseMutation
from ..core.permissions import HasRole, IsResident
from ..core.scalars import Date, Decimal
from .types import (
    BindingRole,
    HeatingStatus,
    House,
    HouseBindingSettings,
    HouseCategory,
    LowIncome,
    MyHouse,
    PropertyError,
)


class HouseInput(graphene.InputObjectType):
    room = graphene.String()
    building_area = Decimal()
    usable_area = Decimal()
    category = HouseCategory()
    low_income = LowIncome()
    meter_no = graphene.String()
    owner_name = graphene.String()
    owner_phone = graphene.String()
    owner_id_no = graphene.String()


class UpdateHouse(BaseMutation):
    """Edit a house in the ledger (admin)."""

    permissions = (HasRole(*LEDGER_EDIT),)

    class Arguments:
        id = graphene.ID(required=True)
        input = HouseInput(required=True)

    house = graphene.Field(House)
    errors = graphene.List(graphene.NonNull(PropertyError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, id, input):
        changes = {k: (v.value if hasattr(v, "value") else v) for k, v in input.items()}
        house = house_update(house_id=to_pk(id), actor=info.context.actor.user, changes=changes,
                             ip=client_ip(info.context))
        return cls(house=house, errors=[])


class ChangeHeatingStatus(BaseMutation):
    """报停 / 停供 / 恢复供热, with a reason (audited)."""

    permissions = (HasRole(*HEATING_STATUS_CHANGE),)

    class Arguments:
        id = graphene.ID(required=True)
        status = HeatingStatus(required=True)
        reason = graphene.String(required=True)
        effective_date = Date()

    house = graphene.Field(House)
    errors = graphene.List(graphene.NonNull(PropertyError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, id, status, reason, effective_date=None):
        house = house_change_heating_status(house_id=to_pk(id), to_status=status.value, reason=reason,
                                            effective_date=effective_date, actor=info.context.actor.user,
                                            ip=client_ip(info.context))
        return cls(house=house, errors=[])


class BindHouse(BaseMutation):
    """A resident binds a house: 户号 plus the owner's name, or the last 4 digits of the owner's phone where
    the company allows it (houseBindingSettings). Failed attempts are limited per resident, per 户号 and per IP."""

    permissions = (IsResident,)

    class Arguments:
        account_no = graphene.String(required=True)
        owner_name = graphene.String()
        phone_last4 = graphene.String()
        role = BindingRole()

    house = graphene.Field(MyHouse)
    errors = graphene.List(graphene.NonNull(PropertyError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, account_no, owner_name="", phone_last4="", role=None):
        binding = house_bind(resident=info.context.actor.resident, account_no=account_no,
                             owner_name=owner_name or "", phone_last4=phone_last4 or "",
                             role=role.value if role else "owner", ip=client_ip(info.context))
        house = binding.house
        house.binding_role = binding.role
        return cls(house=house, errors=[])


class UnbindHouse(BaseMutation):
    permissions = (IsResident,)

    class Arguments:
        house_id = graphene.ID(required=True)

    ok = graphene.Boolean(required=True)
    errors = graphene.List(graphene.NonNull(PropertyError), required=True)

    @staticmethod
    def resolve_ok(root, info):
        return not root.errors  # BaseMutation answers a refusal with `errors` only: ok is false then, not null

    @classmethod
    def perform_mutation(cls, root, info, house_id):
        house_unbind(resident=info.context.actor.resident, house_id=to_pk(house_id),
                     ip=client_ip(info.context))
        return cls(ok=True, errors=[])


class UpdateHouseBindingSettings(BaseMutation):
    """Which proofs residents may bind a house with (admin, audited)."""

    permissions = (HasRole(*ADMIN),)

    class Arguments:
        phone_last4_allowed = graphene.Boolean(required=True)

    settings = graphene.Field(HouseBindingSettings)
    errors = graphene.List(graphene.NonNull(PropertyError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, phone_last4_allowed):
        row = binding_settings_update(actor=info.context.actor.user, allow_phone_last4=phone_last4_allowed,
                                      ip=client_ip(info.context))
        return cls(settings=row, errors=[])


class LedgerMutations(graphene.ObjectType):
    update_house = UpdateHouse.Field()
    change_heating_status = ChangeHeatingStatus.Field()
    bind_house = BindHouse.Field()
    unbind_house = UnbindHouse.Field()
    update_house_binding_settings = UpdateHouseBindingSettings.Field()
