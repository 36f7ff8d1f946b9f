import graphene

from apps.accounts.permissions import BILL_VIEW
from apps.tariffs.selectors import season_list, tariff_plan_list

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
        return season_list()

    @staticmethod
    def resolve_tariff_plans(root, info, season_id):
        return tariff_plan_list(season_id=to_pk(season_id))
