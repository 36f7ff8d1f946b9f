import graphene

from apps.accounts.permissions import TARIFF_MANAGE
from apps.tariffs.services import season_create, season_publish, season_set_status, tariff_plan_save
from heat_platform.kernel.actors import client_ip

from ..core.ids import to_pk
from ..core.mutations import BaseMutation
from ..core.permissions import HasRole
from ..core.scalars import Date
from .types import Season, SeasonStatus, TariffError, TariffPlan, TariffPlanInput


class CreateSeason(BaseMutation):
    permissions = (HasRole(*TARIFF_MANAGE),)

    class Arguments:
        name = graphene.String(required=True, description="e.g. 2026-2027")
        heating_start = Date(required=True)
        heating_end = Date(required=True)
        payment_due = Date(required=True)
        late_fee_start = Date(required=True)

    season = graphene.Field(Season)
    errors = graphene.List(graphene.NonNull(TariffError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, **data):
        return cls(season=season_create(actor=info.context.actor.user, **data), errors=[])


class PublishSeason(BaseMutation):
    """Publish a draft season (draft → open): from now on residents see its bills
    and may pay them. Until then its bills (e.g. a bill run being checked) are
    seen by staff only. Audited; cannot be undone."""

    permissions = (HasRole(*TARIFF_MANAGE),)

    class Arguments:
        id = graphene.ID(required=True)

    season = graphene.Field(Season)
    errors = graphene.List(graphene.NonNull(TariffError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, id):
        season = season_publish(season_id=to_pk(id), actor=info.context.actor.user, ip=client_ip(info.context))
        return cls(season=season, errors=[])


class SetSeasonStatus(BaseMutation):
    """draft → open → closed. Opening a draft season publishes it (as publishSeason)."""

    permissions = (HasRole(*TARIFF_MANAGE),)

    class Arguments:
        id = graphene.ID(required=True)
        status = SeasonStatus(required=True)

    season = graphene.Field(Season)
    errors = graphene.List(graphene.NonNull(TariffError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, id, status):
        season = season_set_status(season_id=to_pk(id), status=status.value, actor=info.context.actor.user,
                                   ip=client_ip(info.context))
        return cls(season=season, errors=[])


class SaveTariffPlan(BaseMutation):
    """Create (no id) or update a tariff plan. Issued bills keep their own snapshot."""

    permissions = (HasRole(*TARIFF_MANAGE),)

    class Arguments:
        season_id = graphene.ID(required=True)
        id = graphene.ID()
        input = TariffPlanInput(required=True)

    plan = graphene.Field(TariffPlan)
    errors = graphene.List(graphene.NonNull(TariffError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, season_id, input, id=None):
        # Only the settings the caller sent (an omitted one stays as it is); an explicit null clears one.
        values = {k: (v.value if hasattr(v, "value") else v) for k, v in input.items()}
        plan = tariff_plan_save(season_id=to_pk(season_id), plan_id=to_pk(id) if id is not None else None,
                                values=values, actor=info.context.actor.user)
        return cls(plan=plan, errors=[])


class TariffMutations(graphene.ObjectType):
    create_season = CreateSeason.Field()
    publish_season = PublishSeason.Field()
    set_season_status = SetSeasonStatus.Field()
    save_tariff_plan = SaveTariffPlan.Field()
