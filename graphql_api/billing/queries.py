
import graphene

from apps.accounts.permissions import BILL_RUN, BILL_VIEW
from apps.billing.runs import bill_run_get
from apps.billing.selectors import (
    bill_for_resident,
    bill_for_staff,
    bill_list,
    bill_run_list,
    bill_summary,
    resident_bills,
)

from ..core.ids import to_optional_pk, to_pk
from ..core.pagination import page
from ..core.permissions import HasRole, IsResident, PermissionsField
from .types import Bill, BillPage, BillRun, BillRunPage, BillStatus, BillSummary


class BillFilter(graphene.InputObjectType):
    season_id = graphene.ID()
    community_id = graphene.ID()
    building_id = graphene.ID()
    house_id = graphene.ID(description="One house's bills (the counter desk, house detail)")
    status = BillStatus()
    in_arrears = graphene.Boolean()
    search = graphene.String(description="户号 prefix or owner name")


def bill_filter_args(f) -> dict:
    """A BillFilter as bill_list's keyword arguments (also what a bill export stores)."""
    f = f or {}
    return {"season_id": to_optional_pk(f.get("season_id")), "community_id": to_optional_pk(f.get("community_id")),
            "building_id": to_optional_pk(f.get("building_id")), "house_id": to_optional_pk(f.get("house_id")),
            "status": f["status"].value if f.get("status") else None, "in_arrears": f.get("in_arrears"),
            "search": f.get("search")}


class BillingQueries(graphene.ObjectType):
    my_bills = PermissionsField(graphene.List(graphene.NonNull(Bill), required=True), permissions=[IsResident],
                                season_id=graphene.ID(), description="Bills of the houses I have bound")
    bill = PermissionsField(Bill, permissions=[IsResident, HasRole(*BILL_VIEW)], id=graphene.ID(required=True),
                            description="null when not found (or not yours)")
    bills = PermissionsField(BillPage, permissions=[HasRole(*BILL_VIEW)], required=True, filter=BillFilter(),
                             first=graphene.Int(default_value=50), offset=graphene.Int(default_value=0))
    bill_summary = PermissionsField(BillSummary, permissions=[HasRole(*BILL_VIEW)], required=True,
                                    season_id=graphene.ID(required=True), community_id=graphene.ID())

    @staticmethod
    def resolve_my_bills(root, info, season_id=None):
        return list(resident_bills(resident=info.context.actor.resident, season_id=to_optional_pk(season_id)))

    @staticmethod
    def resolve_bill(root, info, id):
        bill_id, actor = to_optional_pk(id), info.context.actor
        if bill_id is None or bill_id < 0:
            return None
        if actor.kind == "resident":
            return bill_for_resident(resident=actor.resident, bill_id=bill_id)
        return bill_for_staff(bill_id=bill_id)

    @staticmethod
    def resolve_bills(root, info, filter=None, first=50, offset=0):
        return BillPage(**page(bill_list(**bill_filter_args(filter)), first=first, offset=offset))

    @staticmethod
    def resolve_bill_summary(root, info, season_id, community_id=None):
        return BillSummary(**bill_summary(season_id=to_optional_pk(season_id) or -1,
                                          community_id=to_optional_pk(community_id)))



class BillRunQueries(graphene.ObjectType):
    bill_run = PermissionsField(BillRun, permissions=[HasRole(*BILL_RUN)], id=graphene.ID(required=True),
                                description="null when no such run")
    bill_runs = PermissionsField(BillRunPage, permissions=[HasRole(*BILL_RUN)], required=True,
                                 season_id=graphene.ID(),
                                 active=graphene.Boolean(description="Only queued and running runs (false: only "
                                                                     "finished ones)"),
                                 first=graphene.Int(default_value=20), offset=graphene.Int(default_value=0),
                                 description="Bill runs, newest first")

    @staticmethod
    def resolve_bill_runs(root, info, season_id=None, active=None, first=20, offset=0):
        return BillRunPage(**page(bill_run_list(season_id=to_optional_pk(season_id), active=active), first=first,
                                  offset=offset, default=20))

    @staticmethod
    def resolve_bill_run(root, info, id):
        return bill_run_get(bill_run_id=to_pk(id))

