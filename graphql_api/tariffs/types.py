import graphene

from apps.tariffs.errors import TariffErrorCode as _Code
from apps.tariffs.models import Season as _Season
from apps.tariffs.models import TariffPlan as _Plan

from ..core.mutations import error_type
from ..core.scalars import Date, DateTime, Decimal
from ..properties.types import HouseCategory

TariffErrorCode = graphene.Enum.from_enum(_Code, name="TariffErrorCode")
TariffError = error_type("TariffError", TariffErrorCode)
SeasonStatus = graphene.Enum.from_enum(_Season.Status, name="SeasonStatus")
Pricing = graphene.Enum.from_enum(_Plan.Pricing, name="Pricing")
AreaBasis = graphene.Enum.from_enum(_Plan.AreaBasis, name="AreaBasis")
MeteredUnit = graphene.Enum.from_enum(_Plan.MeteredUnit, name="MeteredUnit")
CapMode = graphene.Enum.from_enum(_Plan.CapMode, name="CapMode")
LowIncomeMode = graphene.Enum.from_enum(_Plan.LowIncomeMode, name="LowIncomeMode")
Proration = graphene.Enum.from_enum(_Plan.Proration, name="Proration")
TrueUpCredit = graphene.Enum.from_enum(_Plan.TrueUpCredit, name="TrueUpCredit")
Rounding = graphene.Enum("Rounding", [("HALF_UP", "half_up"), ("HALF_EVEN", "half_even"), ("DOWN", "down"),
                                      ("UP", "up")])


class Season(graphene.ObjectType):
    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    heating_start = Date(required=True)
    heating_end = Date(required=True)
    days = graphene.Int(required=True)
    payment_due = Date(required=True)
    late_fee_start = Date(required=True)
    status = graphene.Field(SeasonStatus, required=True)
    published = graphene.Boolean(required=True, description="Residents see and pay its bills (OPEN or CLOSED)")
    published_at = DateTime(description="null for a draft, and for seasons opened before this was recorded")
    published_by = graphene.String(description="Who published it (display name)")

    @staticmethod
    def resolve_published(root, info):
        return root.is_published

    @staticmethod
    def resolve_published_by(root, info):
        return root.published_by.shown_name if root.published_by is not None else None


class TariffPlanFields:
    name = graphene.String()
    category = HouseCategory()
    pricing = Pricing()
    area_basis = AreaBasis()
    area_unit_price = Decimal(description="元/㎡ per season")
    basic_unit_price = Decimal(description="two-part: 元/㎡")
    metered_unit_price = Decimal(description="two-part: 元 per GJ or kWh")
    metered_unit = MeteredUnit()
    cap_mode = CapMode()
    cap_pct = Decimal()
    floor_unit_price = Decimal()
    opted_out_basic_pct = Decimal(description="报停: % of the area bill still charged")
    low_income_mode = LowIncomeMode()
    low_income_pct = Decimal()
    low_income_unit_price = Decimal()
    early_discount_pct = Decimal()
    early_discount_from = Date()
    early_discount_until = Date()
    late_fee_daily_permille = Decimal(description="‰ per day")
    late_fee_cap_pct = Decimal(description="% of the outstanding principal")
    late_fee_pause_when_stopped = graphene.Boolean()
    proration = Proration()
    rounding = Rounding()
    true_up_credit = TrueUpCredit()


class TariffPlan(TariffPlanFields, graphene.ObjectType):
    id = graphene.ID(required=True)
    season_id = graphene.ID(required=True)


class TariffPlanInput(TariffPlanFields, graphene.InputObjectType):
    pass
