"""Start or re-run a statement run, resolve a difference, close a run (finance and admins).
Each parses its input, calls one service and returns the object read back through the selectors."""

import graphene
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from apps.accounts.permissions import RECONCILE
from apps.reconciliation import selectors
from apps.reconciliation.errors import ReconciliationErrorCode
from apps.reconciliation.models import StatementRun as StatementRunModel
from apps.reconciliation.resolution import difference_resolve, run_close
from apps.reconciliation.services import run_request
from heat_platform.kernel.actors import client_ip
from heat_platform.kernel.errors import field_error

from ..core.ids import to_pk
from ..core.mutations import BaseMutation
from ..core.permissions import HasRole
from ..core.scalars import Date
from .types import (
    ReconciliationError,
    StatementDifference,
    StatementDifferenceResolution,
    StatementKind,
    StatementRun,
)

RECONCILERS = (HasRole(*RECONCILE),)


def _run(run_id: int):
    return selectors.access_run(run_id=run_id)


class StartStatementRun(BaseMutation):
    """Fetch, parse and match one bill of a merchant account for a day in the last 3 months (not today, not
    the future, not a closed day). The same bill again is the same run, fetched and matched again; the work
    runs in the background: poll statementRun until MATCHED or FAILED."""

    permissions = RECONCILERS
    run = graphene.Field(StatementRun)
    errors = graphene.List(graphene.NonNull(ReconciliationError), required=True)

    class Arguments:
        merchant_account_id = graphene.ID(required=True)
        bill_date = Date(required=True)
        kind = StatementKind(description="TRADE when absent")

    @classmethod
    def perform_mutation(cls, root, info, merchant_account_id, bill_date, kind=None):
        run = run_request(merchant_account_id=to_pk(merchant_account_id), bill_date=bill_date,
                          kind=kind.value if kind else StatementRunModel.Kind.TRADE, actor=info.context.actor.user,
                          ip=client_ip(info.context))
        return cls(run=_run(run.pk), errors=[])


class RerunStatementRun(BaseMutation):
    """Fetch, parse and match a run's bill again (a failed run, or after the ledger changed). Resolved
    differences are kept; open ones are found afresh. Not for a closed run or a closed day."""

    permissions = RECONCILERS
    run = graphene.Field(StatementRun)
    errors = graphene.List(graphene.NonNull(ReconciliationError), required=True)

    class Arguments:
        id = graphene.ID(required=True)

    @classmethod
    def perform_mutation(cls, root, info, id):
        existing = _run(to_pk(id))
        if existing is None:
            raise field_error("id", _("找不到该对账批次。"), ReconciliationErrorCode.NOT_FOUND)
        try:
            run = run_request(merchant_account_id=existing.merchant_account_id, bill_date=existing.bill_date,
                              kind=existing.kind, actor=info.context.actor.user, ip=client_ip(info.context))
        except ValidationError as exc:  # about the run's account or date: this mutation's input is its id
            raise ValidationError({"id": [e for errors in exc.error_dict.values() for e in errors]}
                                  if hasattr(exc, "error_dict") else {"id": exc.error_list}) from exc
        return cls(run=_run(run.pk), errors=[])


class ResolveStatementDifference(BaseMutation):
    """Resolve an OPEN difference of a MATCHED run with a resolution and a note (2–255 characters); audited."""

    permissions = RECONCILERS
    difference = graphene.Field(StatementDifference)
    errors = graphene.List(graphene.NonNull(ReconciliationError), required=True)

    class Arguments:
        id = graphene.ID(required=True)
        resolution = StatementDifferenceResolution(required=True)
        note = graphene.String(required=True)

    @classmethod
    def perform_mutation(cls, root, info, id, resolution, note):
        diff = difference_resolve(difference_id=to_pk(id), resolution=resolution.value, note=note,
                                  actor=info.context.actor.user, ip=client_ip(info.context))
        return cls(difference=selectors.access_difference(difference_id=diff.pk), errors=[])


class CloseStatementRun(BaseMutation):
    """MATCHED → CLOSED once no difference is OPEN (carried cross-day rows do not block); audited."""

    permissions = RECONCILERS
    run = graphene.Field(StatementRun)
    errors = graphene.List(graphene.NonNull(ReconciliationError), required=True)

    class Arguments:
        id = graphene.ID(required=True)

    @classmethod
    def perform_mutation(cls, root, info, id):
        run = run_close(run_id=to_pk(id), actor=info.context.actor.user, ip=client_ip(info.context))
        return cls(run=_run(run.pk), errors=[])


class ReconciliationMutations(graphene.ObjectType):
    start_statement_run = StartStatementRun.Field()
    rerun_statement_run = RerunStatementRun.Field()
    resolve_statement_difference = ResolveStatementDifference.Field()
    close_statement_run = CloseStatementRun.Field()
