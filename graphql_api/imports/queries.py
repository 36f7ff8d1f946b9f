import graphene

from apps.accounts.permissions import LEDGER_IMPORT
from apps.imports.selectors import import_job_get

from ..core.permissions import HasRole, PermissionsField
from .types import ImportJob


class ImportQueries(graphene.ObjectType):
    import_job = PermissionsField(ImportJob, permissions=[HasRole(*LEDGER_IMPORT)], id=graphene.ID(required=True),
                                  description="null when there is no such job in this company")

    @staticmethod
    def resolve_import_job(root, info, id):
        return import_job_get(job_id=id)  # a UUID, parsed by the selector

