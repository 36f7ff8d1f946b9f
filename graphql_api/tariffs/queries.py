import graphene

from apps.accounts.permissions import BILL_VIEW
from apps.tariffs.models import Season as SeasonModel
from apps.tariffs.models import TariffPlan as PlanModel

from ..core.ids import to_pk
from ..core.permissions import HasRole, PermissionsField
from .types import Season, TariffPlan


class TariffQueries(graphene.ObjectType):
    seasons = PermissionsField(graphene.List(graphene.NonNull(Season), required=True),
                               permissions=[HasRole(*BILL_VIEW)])
    tariff_plans = PermissionsField(graphene.List(graphene.NonNull(TariffPlan), required=True),
                                    permissions=[HasRole(*BILL_VIEW)], season_id=graphene.ID(required=True))

    @staticmethod
    def resolve_seasons(root, info):
        return list(SeasonModel.objects.order_by("-heating_start")[:100])

    @staticmethod
    def resolve_tariff_plans(root, info, season_id):
        return list(PlanModel.objects.filter(season_id=to_pk(season_id)).order_by("category", "pricing"))
