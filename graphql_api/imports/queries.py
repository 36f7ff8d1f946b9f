import graphene

from apps.accounts.permissions import ALL_STAFF, LEDGER_IMPORT
from apps.imports.selectors import access_export_job, export_job_list, import_job_get, import_job_list

from ..core.pagination import page
from ..core.permissions import HasRole, PermissionsField
from .types import ExportJob, ExportJobPage, ImportJob, ImportJobPage


class ImportQueries(graphene.ObjectType):
    import_job = PermissionsField(ImportJob, permissions=[HasRole(*LEDGER_IMPORT)], id=graphene.ID(required=True),
                                  description="null when there is no such job in this company")
    import_jobs = PermissionsField(ImportJobPage, permissions=[HasRole(*LEDGER_IMPORT)], required=True,
                                   active=graphene.Boolean(description="Only queued and running jobs (false: only "
                                                                       "finished ones)"),
                                   first=graphene.Int(default_value=20), offset=graphene.Int(default_value=0),
                                   description="Import jobs and dry runs, newest first")

    export_job = PermissionsField(ExportJob, permissions=[HasRole(*ALL_STAFF)], id=graphene.ID(required=True),
                                  description="One of my exports; null for anyone else's and unknown ids")
    export_jobs = PermissionsField(ExportJobPage, permissions=[HasRole(*ALL_STAFF)], required=True,
                                   active=graphene.Boolean(description="Only queued and running ones (false: only "
                                                                       "finished ones)"),
                                   first=graphene.Int(default_value=20), offset=graphene.Int(default_value=0),
                                   description="My exports, newest first")

    @staticmethod
    def resolve_export_job(root, info, id):
        return access_export_job(user=info.context.actor.user, job_id=id)

    @staticmethod
    def resolve_export_jobs(root, info, active=None, first=20, offset=0):
        return ExportJobPage(**page(export_job_list(user=info.context.actor.user, active=active), first=first,
                                    offset=offset, default=20))

    @staticmethod
    def resolve_import_jobs(root, info, active=None, first=20, offset=0):
        return ImportJobPage(**page(import_job_list(active=active), first=first, offset=offset, default=20))

    @staticmethod
    def resolve_import_job(root, info, id):
        return import_job_get(job_id=id)  # a UUID, parsed by the selector

