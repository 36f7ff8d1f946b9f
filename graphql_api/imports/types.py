import graphene

from apps.imports.errors import ImportErrorCode as _Code
from apps.imports.models import ExportJob as _ExportJob
from apps.imports.models import FileKind as _FileKind
from apps.imports.models import ImportJob as _ImportJob

from ..core.mutations import error_type
from ..core.scalars import DateTime

ImportErrorCode = graphene.Enum.from_enum(_Code, name="ImportErrorCode")
ImportError_ = error_type("ImportError", ImportErrorCode)
ImportJobStatus = graphene.Enum.from_enum(_ImportJob.Status, name="ImportJobStatus",
                                          description="queued / running / succeeded / failed")
ImportFileKind = graphene.Enum.from_enum(_FileKind, name="ImportFileKind", description="xlsx / csv")
MAX_ERRORS_PAGE = 1000


class ImportRowError(graphene.ObjectType):
    """One problem in the file. `row` is the row number Excel shows (the header
    is row 1); null when the problem is the file as a whole."""

    row = graphene.Int()
    column = graphene.String(description="Column header (户号, 小区 …); null when not about one column")
    message = graphene.String(required=True)
    code = graphene.Field(ImportErrorCode, required=True)


class ImportJob(graphene.ObjectType):
    """An import (or dry run) of an uploaded house ledger. A job with any
    error writes nothing (status FAILED); a dry run that SUCCEEDED would import
    cleanly, and its counts say what it would create and update."""

    id = graphene.ID(required=True)
    status = graphene.Field(ImportJobStatus, required=True)
    dry_run = graphene.Boolean(required=True)
    create_missing = graphene.Boolean(required=True)
    file_name = graphene.String(required=True)
    file_kind = graphene.Field(ImportFileKind, required=True)
    total_rows = graphene.Int(required=True, description="Estimated while running, exact when finished")
    processed_rows = graphene.Int(required=True)
    created_count = graphene.Int(required=True, description="Houses created (a dry run: would be created)")
    updated_count = graphene.Int(required=True, description="Existing houses (by 户号) updated, or to be")
    new_communities = graphene.Int(required=True)
    new_buildings = graphene.Int(required=True)
    new_units = graphene.Int(required=True)
    error_count = graphene.Int(required=True, description="All errors; `errors` lists the first 1,000")
    errors = graphene.List(
        graphene.NonNull(ImportRowError), required=True,
        first=graphene.Int(default_value=100, description=f"At most {MAX_ERRORS_PAGE}"),
        offset=graphene.Int(default_value=0), description="Ordered by row, then column")
    requested_by = graphene.String(required=True)
    created_at = DateTime(required=True)
    started_at = DateTime()
    finished_at = DateTime()

    @staticmethod
    def resolve_create_missing(root, info):
        return root.create_missing

    @staticmethod
    def resolve_errors(root, info, first=100, offset=0):
        first = 100 if first is None else first  # an explicit null means "the default"
        first, offset = max(0, min(first, MAX_ERRORS_PAGE)), max(0, offset or 0)
        return [ImportRowError(**e) for e in root.errors[offset:offset + first]]


class ImportJobPage(graphene.ObjectType):
    total_count = graphene.Int(required=True)
    items = graphene.List(graphene.NonNull(ImportJob), required=True)


ExportKind = graphene.Enum.from_enum(_ExportJob.Kind, name="ExportKind", description="houses / bills / payments")
ExportJobStatus = graphene.Enum.from_enum(_ExportJob.Status, name="ExportJobStatus",
                                          description="queued / running / succeeded (download it) / failed / expired")


class ExportJob(graphene.ObjectType):
    """A large export written in the background. Poll it until SUCCEEDED, then GET
    `downloadUrl` with the Bearer token (only its requester may); the file is
    deleted at `expiresAt`."""

    id = graphene.ID(required=True)
    kind = graphene.Field(ExportKind, required=True)
    status = graphene.Field(ExportJobStatus, required=True)
    filters = graphene.JSONString(required=True, description="The list filter it was started with")
    masked = graphene.Boolean(required=True, description="Phone and ID numbers masked for the requester's role")
    total_rows = graphene.Int(required=True)
    processed_rows = graphene.Int(required=True)
    file_name = graphene.String(required=True)
    size = graphene.Int(required=True, description="Bytes, once finished")
    error = graphene.String(required=True)
    download_url = graphene.String(description="Set when SUCCEEDED: GET it with the Bearer token")
    created_at = DateTime(required=True)
    started_at = DateTime()
    finished_at = DateTime()
    expires_at = DateTime()

    @staticmethod
    def resolve_download_url(root, info):
        return f"/files/exports/{root.pk}/" if root.status == _ExportJob.Status.SUCCEEDED else None


class ExportJobPage(graphene.ObjectType):
    total_count = graphene.Int(required=True)
    items = graphene.List(graphene.NonNull(ExportJob), required=True)
