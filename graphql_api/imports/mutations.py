import graphene

from apps.accounts.permissions import BILL_VIEW, LEDGER_IMPORT, LEDGER_VIEW, PAYMENT_VIEW
from apps.imports.export_jobs import export_job_start
from apps.imports.models import ExportJob as _ExportJob
from apps.imports.services import import_job_start
from heat_platform.kernel.actors import client_ip

from ..billing.queries import BillFilter, bill_filter_args
from ..core.mutations import BaseMutation
from ..core.permissions import HasRole
from ..core.scalars import Date
from ..payments.types import CollectionChannel, OrderStatus
from ..properties.queries import HouseFilter, house_filter_args
from .types import ExportJob, ImportError_, ImportJob


class StartHouseImport(BaseMutation):
    """Import (or, with dryRun, preview) a house ledger uploaded through
    `POST /files/imports/`. Runs in the background: poll `importJob(id)`."""

    permissions = (HasRole(*LEDGER_IMPORT),)

    class Arguments:
        upload_id = graphene.ID(required=True, description="`uploadId` returned by POST /files/imports/")
        dry_run = graphene.Boolean(default_value=False, description="Validate and count only; write nothing")
        create_missing = graphene.Boolean(
            default_value=False, description="Create 小区/楼/单元 the ledger lacks (otherwise they are row errors)")

    job = graphene.Field(ImportJob)
    errors = graphene.List(graphene.NonNull(ImportError_), required=True)

    @classmethod
    def perform_mutation(cls, root, info, upload_id, dry_run=False, create_missing=False):
        job = import_job_start(upload_id=upload_id, dry_run=dry_run, create_missing=create_missing,
                               requested_by=info.context.actor.user)
        return cls(job=job, errors=[])



class _StartExport(BaseMutation):
    permissions = ()

    class Meta:
        abstract = True

    job = graphene.Field(ExportJob)
    errors = graphene.List(graphene.NonNull(ImportError_), required=True)

    @classmethod
    def start(cls, info, kind: str, filters: dict):
        job = export_job_start(kind=kind, filters=filters, actor=info.context.actor.user, ip=client_ip(info.context))
        return cls(job=job, errors=[])


class StartHouseExport(_StartExport):
    """Export the houses the ledger list shows with this filter to .xlsx in the
    background (the import's columns; phone and ID numbers masked unless my role
    sees them). Poll exportJob(id), then download it."""

    permissions = (HasRole(*LEDGER_VIEW),)

    class Arguments:
        filter = HouseFilter()

    @classmethod
    def perform_mutation(cls, root, info, filter=None):
        return cls.start(info, _ExportJob.Kind.HOUSES, house_filter_args(filter))


class StartBillExport(_StartExport):
    """Export the bills the bill list shows with this filter to .xlsx in the background."""

    permissions = (HasRole(*BILL_VIEW),)

    class Arguments:
        filter = BillFilter()

    @classmethod
    def perform_mutation(cls, root, info, filter=None):
        return cls.start(info, _ExportJob.Kind.BILLS, bill_filter_args(filter))


class PaymentExportFilter(graphene.InputObjectType):
    status = OrderStatus(description="PAID when absent")
    channel = CollectionChannel()
    date_from = Date(description="Paid on or after (Asia/Shanghai)")
    date_to = Date(description="Paid on or before (inclusive)")


class StartPaymentExport(_StartExport):
    """Export payments (by channel and payment day) to .xlsx in the background."""

    permissions = (HasRole(*PAYMENT_VIEW),)

    class Arguments:
        filter = PaymentExportFilter()

    @classmethod
    def perform_mutation(cls, root, info, filter=None):
        f = filter or {}
        filters = {"status": f["status"].value if f.get("status") else "paid",
                   "channel": f["channel"].value if f.get("channel") else None,
                   "date_from": f["date_from"].isoformat() if f.get("date_from") else None,
                   "date_to": f["date_to"].isoformat() if f.get("date_to") else None}
        return cls.start(info, _ExportJob.Kind.PAYMENTS, filters)


class ImportMutations(graphene.ObjectType):
    start_house_import = StartHouseImport.Field()
    start_house_export = StartHouseExport.Field()
    start_bill_export = StartBillExport.Field()
    start_payment_export = StartPaymentExport.Field()

