"""Statement runs and their differences for finance and admins."""

import graphene
from django.core.exceptions import ValidationError

from apps.accounts.permissions import RECONCILE
from apps.reconciliation import selectors
from tenants.selectors import current_company

from ..core.errors import bad_input
from ..core.ids import to_optional_pk, to_pk
from ..core.pagination import MAX_PAGE
from ..core.permissions import HasRole, PermissionsField
from ..core.scalars import Date
from ..payments.types import MerchantChannel
from .types import (
    ReconciliationMerchantAccount,
    StatementDifferenceKind,
    StatementDifferencePage,
    StatementDifferenceStatus,
    StatementKind,
    StatementRun,
    StatementRunPage,
    StatementRunStatus,
    offset_page,
    with_counts,
)

RECONCILERS = [HasRole(*RECONCILE)]


def _value(enum_value):
    return enum_value.value if enum_value is not None else None


class ReconciliationQueries(graphene.ObjectType):
    statement_runs = PermissionsField(
        StatementRunPage, required=True, permissions=RECONCILERS, date_from=Date(),
        date_to=Date(description="Inclusive; at most 366 days after dateFrom"), channel=MerchantChannel(),
        status=StatementRunStatus(), kind=StatementKind(), merchant_account_id=graphene.ID(),
        offset=graphene.Int(default_value=0), limit=graphene.Int(default_value=50),
        description=f"Statement runs by bill date, newest first, at most {MAX_PAGE} a page")
    statement_run = PermissionsField(StatementRun, permissions=RECONCILERS, id=graphene.ID(required=True),
                                     description="null when not found")
    statement_differences = PermissionsField(
        StatementDifferencePage, required=True, permissions=RECONCILERS, status=StatementDifferenceStatus(),
        kind=StatementDifferenceKind(), channel=MerchantChannel(), date_from=Date(),
        date_to=Date(description="Inclusive bill date; at most 366 days after dateFrom"),
        search=graphene.String(description="商户订单号 or 商户退款单号 (exact)"),
        offset=graphene.Int(default_value=0), limit=graphene.Int(default_value=50),
        description="Differences of every run (e.g. status: OPEN for what is left to resolve), newest bill date first")
    merchant_accounts_for_reconciliation = PermissionsField(
        graphene.List(graphene.NonNull(ReconciliationMerchantAccount), required=True), permissions=RECONCILERS,
        description="The company's merchant accounts (no credentials), active first")

    @staticmethod
    def resolve_statement_runs(root, info, date_from=None, date_to=None, channel=None, status=None, kind=None,
                               merchant_account_id=None, offset=0, limit=50):
        try:
            qs = selectors.run_list(date_from=date_from, date_to=date_to, channel=_value(channel),
                                    status=_value(status), kind=_value(kind),
                                    merchant_account_id=to_optional_pk(merchant_account_id))
        except ValidationError as exc:
            raise bad_input(exc) from exc
        result = offset_page(qs, offset, limit)
        return StatementRunPage(total_count=result["total_count"], items=with_counts(result["items"]))

    @staticmethod
    def resolve_statement_run(root, info, id):
        return selectors.access_run(run_id=to_pk(id))

    @staticmethod
    def resolve_statement_differences(root, info, status=None, kind=None, channel=None, date_from=None, date_to=None,
                                      search=None, offset=0, limit=50):
        try:
            qs = selectors.difference_list(status=_value(status), kind=_value(kind), channel=_value(channel),
                                           date_from=date_from, date_to=date_to, search=search)
        except ValidationError as exc:
            raise bad_input(exc) from exc
        return StatementDifferencePage(**offset_page(qs, offset, limit))

    @staticmethod
    def resolve_merchant_accounts_for_reconciliation(root, info):
        return selectors.reconciliation_merchant_accounts(company=current_company())
