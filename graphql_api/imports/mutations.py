import graphene

from apps.accounts.permissions import LEDGER_IMPORT
from apps.imports.services import import_job_start

from ..core.mutations import BaseMutation
from ..core.permissions import HasRole
from .types import ImportError_, ImportJob


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



class ImportMutations(graphene.ObjectType):
    start_house_import = StartHouseImport.Field()

