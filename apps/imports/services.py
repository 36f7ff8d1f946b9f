"""Bulk import of the house ledger: uploads, import jobs and the import itself.

`house_import` is the one implementation behind the Celery job and the
`import_houses` command. The whole import is one transaction:

1. the file is streamed (readers.py) and validated row by row (validation.py);
2. batch by batch, valid rows get their phone and ID numbers encrypted and
   their 小区/楼/单元 resolved to ids (missing ones created first with
   create_missing) and are COPYed into a temporary table; a helper thread then
   writes the batch into the ledger (INSERT the new 户号, UPDATE the existing
   ones) while the next batch is read: PostgreSQL's work overlaps Python's
   (staging.py);
3. at the end, the checks that need the whole file run in SQL (a 户号 repeated,
   unknown 小区/楼/单元, a kept 套内面积 larger than the new 建筑面积); any
   error, in any row, rolls everything back, and so does a dry run, after
   counting what it would have done (only when the file has no error: a file
   with errors would do nothing, and says so with zero counts).

Nothing is lost by re-importing a file: an empty optional cell leaves an
existing house's value unchanged (CLEAR_MARKER clears it), and masked phone
and ID numbers (an export for a role that may not see them) are row errors.

Memory does not grow with the file: one batch of rows is held at a time,
errors wait in a temporary table until the first MAX_STORED_ERRORS are read,
and the 小区/楼/单元 names held (Structures) grow with the ledger's structure,
not its houses.
"""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import BinaryIO

import psycopg
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name

from apps.accounts.models import User
from apps.audit.services import audit_record
from heat_platform.crypto import blind_index_many, encrypt_many
from heat_platform.kernel.errors import field_error
from heat_platform.kernel.jobs import job_lease
from heat_platform.kernel.locks import xact_lock
from heat_platform.kernel.tasks import enqueue_on_commit
from tenants.directory import current_cluster

from .columns import COLUMNS, INDEX
from .errors import ImportErrorCode, ImportFileError
from .models import FileKind, ImportJob, ImportUpload
from .readers import check_signature, ledger_rows
from .selectors import upload_get
from .staging import NO_COLUMN, BatchWriter, Counts, LedgerStaging, StagedError, Structures
from .validation import CLEAR_MARKER, DEFAULTS, RowChecker

logger = logging.getLogger(__name__)

# Upload size limit (would be a setting, e.g. LEDGER_IMPORT_MAX_BYTES). 50 MB holds
# several hundred thousand houses in either format.
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_STORED_ERRORS = 1000  # errors kept on the job / printed; error_count has them all
BATCH_ROWS = 2500  # rows per COPY and per progress update
STALE_UPLOAD_AGE = timedelta(days=7)  # uploads never imported are deleted after this

_ACCOUNT, _PHONE, _ID_NO, _USABLE_AREA = (INDEX[f] for f in ("account_no", "owner_phone", "owner_id_no",
                                                               "usable_area"))
_COMMUNITY, _BUILDING, _UNIT = INDEX["community"], INDEX["building"], INDEX["unit"]
_NOTHING_RESOLVED = (None,) * 7  # community_id … unit_id and the four secrets: a row not to be written
# How the option that creates missing 小区/楼/单元 is named where the import was started.
CREATE_MISSING_API = "createMissing"  # GraphQL (startHouseImport) and the jobs it queues

ProgressCallback = Callable[[int, int | None], None]  # (rows done, estimated total)


@dataclass(frozen=True)
class ImportOutcome:
    dry_run: bool
    total_rows: int  # non-blank data rows read
    counts: Counts  # written, or (dry run of a valid file) what would be written; zero when there are errors
    error_count: int
    errors: list[dict] = field(default_factory=list)  # {row, column, code, message}, first MAX_STORED_ERRORS

    @property
    def ok(self) -> bool:
        return self.error_count == 0


def file_error_report(exc: ImportFileError) -> dict:
    return {"row": exc.row, "column": exc.column, "code": exc.code, "message": exc.messages[0]}


def house_import(*, source: BinaryIO, file_kind: str, dry_run: bool = False, create_missing: bool = False,
                 actor: User | None = None, on_progress: ProgressCallback | None = None,
                 create_missing_option: str = CREATE_MISSING_API) -> ImportOutcome:
    """Import (or with dry_run, preview) a house ledger into the current company.

    All or nothing: the whole import is one transaction, and any row error
    rolls it back. Houses are upserted by 户号. Unknown 小区/楼/单元 are row
    errors unless `create_missing`; their messages name the option as
    `create_missing_option` (the command line passes "--create-missing").
    Raises ImportFileError when the file itself cannot be read (nothing
    written). `on_progress` runs inside the transaction: to publish progress
    it needs its own connection.
    """
    if connection.schema_name == get_public_schema_name():
        raise ImproperlyConfigured("house_import runs in a company's schema")
    try:
        with _gc_paused(), ledger_rows(source, file_kind) as ledger, LedgerStaging() as staging:
            return _import(ledger, staging, dry_run=dry_run, create_missing=create_missing, actor=actor,
                           on_progress=on_progress, create_missing_option=create_missing_option)
    except (IntegrityError, psycopg.errors.IntegrityError) as exc:
        # A 户号, 小区 or 楼 written (or one deleted) by someone else meanwhile.
        raise ImportFileError(_("导入期间台账被其他操作修改，未写入任何数据，请重试。"),
                              code=ImportErrorCode.CONCURRENT_CHANGE) from exc


@contextmanager
def _gc_paused() -> Iterator[None]:
    """The import allocates millions of short-lived containers (rows, cells,
    tuples) and no cycles: the cyclic garbage collector would walk every live
    object of the process some 500 times per 100,000 rows for nothing (about
    1 s). It is paused for the import (process-wide, as the collector is)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@transaction.atomic
def _import(ledger, staging: LedgerStaging, *, dry_run: bool, create_missing: bool, actor: User | None,
            on_progress: ProgressCallback | None, create_missing_option: str) -> ImportOutcome:
    if not dry_run:
        xact_lock("properties.ledger_write")  # one ledger import per company at a time
        with connection.cursor() as cur:
            # Check foreign keys as each batch is written (on the writer's thread,
            # overlapping Python's work) instead of all at once at commit.
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
    now = timezone.now()
    writer = BatchWriter(writing=not dry_run, now=now, reason=_("台账导入"), effective_date=timezone.localdate(now),
                         changed_by=actor.get_username() if actor else "system", defaults=DEFAULTS)
    structures = Structures() if not dry_run else None
    try:
        total = _stage(ledger, staging, writer, structures, create_missing=create_missing, on_progress=on_progress)
    finally:
        writer.close()
    if total == 0:
        raise ImportFileError(_("文件只有表头，没有房屋数据。"), code=ImportErrorCode.NO_ROWS)
    staging.analyze()
    staging.check_duplicates()
    if not create_missing:
        staging.check_structures()
    if dry_run or not writer.writing or writer.counts.updated:
        staging.check_kept_areas()  # (not needed when every row was written and all were new houses)
    error_count = staging.error_count()
    if error_count or dry_run:
        errors = ([_report(e, create_missing_option) for e in staging.first_errors(MAX_STORED_ERRORS)]
                  if error_count else [])
        # A file with errors does nothing: no counts that read as if it would succeed.
        counts = staging.preview() if dry_run and not error_count else Counts()
        transaction.set_rollback(True)  # whatever was written
        return ImportOutcome(dry_run=dry_run, total_rows=total, error_count=error_count, errors=errors,
                             counts=counts)
    counts = writer.counts
    if counts.created + counts.updated != total:  # no errors: every row valid, every 户号 once
        # A 小区/楼/单元 was deleted while the file was read.
        raise ImportFileError(_("导入期间台账被其他操作修改，未写入任何数据，请重试。"),
                              code=ImportErrorCode.CONCURRENT_CHANGE)
    audit_record(actor=actor, action="houses.import", rows=total, created=counts.created, updated=counts.updated,
                 new_communities=counts.new_communities, new_buildings=counts.new_buildings,
                 new_units=counts.new_units)
    return ImportOutcome(dry_run=False, total_rows=total, error_count=0, counts=counts)


def _stage(ledger, staging: LedgerStaging, writer: BatchWriter, structures: Structures | None, *,
           create_missing: bool, on_progress: ProgressCallback | None) -> int:
    """Validate every row and hand the rows over batch by batch; returns the
    number of non-blank rows. Per batch: validate all rows, then encrypt and
    resolve 小区/楼/单元 to ids (only while the batch can still be written: not
    in a dry run, not after the first error; with create_missing, adding
    those the ledger lacks), then COPY and let the writer's thread run the SQL
    while this thread goes on with the next batch. One kind of work at a time
    is markedly faster than interleaving them row by row."""
    checker = RowChecker(ledger.positions, text_only=ledger.text_only)
    batch: list[tuple] = []  # (row_no, values, usable_area cleared) of valid rows
    rows: list[tuple] = []  # staged rows that have errors
    errors: list[StagedError] = []
    processed = 0
    for row_no, cells in ledger.rows:
        result = checker.check(row_no, cells)
        if result is None:
            continue
        processed += 1
        clear_area = _USABLE_AREA in result.cleared
        if result.errors:
            writer.writing = False
            errors.extend(StagedError(row_no, e.column, e.code, e.message, None) for e in result.errors)
            rows.append((row_no, False, *result.values[:12], clear_area, *_NOTHING_RESOLVED))
        else:
            batch.append((row_no, result.values, clear_area))
        if processed % BATCH_ROWS == 0:
            _flush(staging, writer, structures, batch, rows, errors, create_missing=create_missing)
            if on_progress:
                on_progress(processed, ledger.estimated_rows)
    _flush(staging, writer, structures, batch, rows, errors, create_missing=create_missing)
    writer.wait()
    if on_progress:
        on_progress(processed, processed)
    return processed


def _flush(staging: LedgerStaging, writer: BatchWriter, structures: Structures | None, batch: list[tuple],
           rows: list[tuple], errors: list[StagedError], *, create_missing: bool) -> None:
    accounts = len({values[_ACCOUNT] for _, values, _c in batch})
    if accounts < len(batch):  # a 户号 twice in the batch: an error (check_duplicates), nothing more to write
        writer.writing = False
    if writer.writing:
        phones, phone_indexes = _secrets([values[_PHONE] for _, values, _c in batch], "phone")
        id_nos, id_no_indexes = _secrets([values[_ID_NO] for _, values, _c in batch], "id_no")
        # (小区, 楼, 单元) of each row; a cleared 单元 ('') is no 单元
        places = [(values[_COMMUNITY], values[_BUILDING], values[_UNIT] or None) for _, values, _c in batch]
        distinct = set(places)
        if create_missing and structures.missing(distinct):
            writer.wait()  # the connection is needed to add them
            writer.add(structures.create(distinct))
        ids = {place: structures.ids(*place) for place in distinct}
        rows.extend((row_no, True, *values[:12], clear_area, *ids[place], phone, phone_index, id_no, id_no_index)
                    for (row_no, values, clear_area), place, phone, phone_index, id_no, id_no_index
                    in zip(batch, places, phones, phone_indexes, id_nos, id_no_indexes, strict=True))
    else:
        rows.extend((row_no, True, *values[:12], clear_area, *_NOTHING_RESOLVED)
                    for row_no, values, clear_area in batch)
    batch.clear()
    writer.wait()  # the previous batch's SQL is done: the connection is ours
    if errors:
        staging.copy_errors(errors)
        errors.clear()
    if rows:
        writer.submit(rows[:], accounts=accounts)  # a copy: the writer's thread reads it meanwhile
        rows.clear()


def _secrets(values: list[str | None], purpose: str) -> tuple[list[str | None], list[str | None]]:
    """Ciphertexts and blind indexes of a batch's phone or ID numbers: None
    (empty cell: unchanged) and '' (cleared) pass through as they are."""
    plain = [v or None for v in values]
    if not any(plain):
        return values, values
    ciphertexts, indexes = encrypt_many(plain), blind_index_many(plain, purpose=purpose)
    if "" in values:
        ciphertexts = ["" if v == "" else c for v, c in zip(values, ciphertexts, strict=True)]
        indexes = ["" if v == "" else i for v, i in zip(values, indexes, strict=True)]
    return ciphertexts, indexes


def _report(e: StagedError, create_missing_option: str) -> dict:
    return {"row": e.row, "column": COLUMNS[e.column].header if e.column != NO_COLUMN else None,
            "code": e.code, "message": e.message or _sql_error_message(e.code, e.param, create_missing_option)}


def _sql_error_message(code: str, param: str | None, create_missing_option: str) -> str:
    if code == ImportErrorCode.DUPLICATE_ACCOUNT_NO:
        return _("户号与第 %(row)s 行重复。") % {"row": param}
    if code == ImportErrorCode.UNKNOWN_COMMUNITY:
        return _("小区“%(name)s”不存在。如需自动创建缺失的小区、楼和单元，请使用 %(option)s 选项。") % {
            "name": param, "option": create_missing_option}
    if code == ImportErrorCode.UNKNOWN_BUILDING:
        return _("该小区没有楼号“%(name)s”。如需自动创建，请使用 %(option)s 选项。") % {
            "name": param, "option": create_missing_option}
    if code == ImportErrorCode.UNKNOWN_UNIT:
        return _("该楼没有单元“%(name)s”。如需自动创建，请使用 %(option)s 选项。") % {
            "name": param, "option": create_missing_option}
    if code == ImportErrorCode.INVALID_AREA:  # check_kept_areas
        return _("套内面积留空表示不修改，但原套内面积 %(area)s 大于新的建筑面积；"
                 "请填写套内面积，或填写“%(clear)s”。") % {"area": param, "clear": CLEAR_MARKER}
    return code


# --- uploads and jobs ---------------------------------------------------------

@transaction.atomic
def upload_create(*, file: UploadedFile, uploaded_by: User) -> ImportUpload:
    """Keep an uploaded ledger file (company's own media folder) for import jobs."""
    name = os.path.basename(file.name or "")
    kind = os.path.splitext(name)[1].lower().lstrip(".")
    if kind not in FileKind.values:
        raise ValidationError(_("只支持 .xlsx 和 .csv 文件。"), code=ImportErrorCode.UNSUPPORTED_FILE_TYPE)
    if file.size > MAX_UPLOAD_BYTES:
        raise ValidationError(_("文件不能超过 %(mb)s MB。") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
                              code=ImportErrorCode.FILE_TOO_LARGE)
    file.seek(0)
    check_signature(file.read(8), kind)
    file.seek(0)
    upload = ImportUpload(file_kind=kind, original_name=name[-255:], size=file.size,
                          uploaded_by=uploaded_by.get_username())
    upload.file.save(name, file, save=False)
    try:
        upload.save(force_insert=True)
    except Exception:
        upload.file.delete(save=False)
        raise
    return upload


@transaction.atomic
def import_job_start(*, upload_id: str, dry_run: bool, create_missing: bool, requested_by: User) -> ImportJob:
    """Queue an import (or dry run) of an uploaded file; a Celery task runs it
    in this company's schema once the job row is committed."""
    upload = upload_get(upload_id=upload_id)
    if upload is None:
        raise field_error("upload_id", _("找不到该上传文件，请重新上传。"), ImportErrorCode.NOT_FOUND)
    job = ImportJob.objects.create(
        upload=upload, dry_run=dry_run, options={"create_missing": create_missing}, file_path=upload.file.name,
        file_kind=upload.file_kind, file_name=upload.original_name, requested_by=requested_by.get_username())
    from .tasks import run_house_import

    enqueue_on_commit(run_house_import, str(job.pk))
    return job


def import_job_run(*, job_id: str) -> ImportJob | None:
    """Run a queued job (the Celery task); None when there is nothing to run
    (no such job, or finished). A run whose worker died (running, and its
    lock free or its heartbeat stale) starts again: its transaction was
    rolled back whole. Raises kernel.jobs.JobBusyError while a live worker runs
    it: the task retries later. Progress and the heartbeat are saved every
    batch (outside the write transaction, so pollers see them)."""
    with job_lease(ImportJob, job_id, scope="imports.job", claimable=[ImportJob.Status.QUEUED],
                   running=ImportJob.Status.RUNNING, started_at=timezone.now()) as worker:
        if worker is None:
            return None
        return _import_job_execute(job_id=job_id, worker=worker)


def _import_job_execute(*, job_id: str, worker: str) -> ImportJob | None:
    job = ImportJob.objects.get(pk=job_id)
    actor = User.objects.filter(username=job.requested_by).first()
    progress = JobProgress(job_id=job.pk, worker=worker)
    try:
        with default_storage.open(job.file_path, "rb") as fh:
            outcome = house_import(source=fh, file_kind=job.file_kind, dry_run=job.dry_run,
                                   create_missing=job.create_missing, actor=actor, on_progress=progress)
    except FileNotFoundError:
        return _finish_failed(job, worker, {"row": None, "column": None, "code": ImportErrorCode.NOT_FOUND,
                                            "message": _("上传的文件已不存在，请重新上传。")})
    except ImportFileError as exc:
        return _finish_failed(job, worker, file_error_report(exc))
    except Exception:
        logger.exception("house import job %s failed", job.pk)
        _finish_failed(job, worker, {"row": None, "column": None, "code": ImportErrorCode.INTERNAL_ERROR,
                                     "message": _("导入时发生内部错误，未写入任何数据，请稍后重试。")})
        raise
    finally:
        progress.close()
    c = outcome.counts
    status = ImportJob.Status.SUCCEEDED if outcome.ok else ImportJob.Status.FAILED
    ImportJob.objects.filter(pk=job.pk, worker=worker).update(
        status=status, total_rows=outcome.total_rows, processed_rows=outcome.total_rows, created_count=c.created,
        updated_count=c.updated, new_communities=c.new_communities, new_buildings=c.new_buildings,
        new_units=c.new_units, errors=outcome.errors, error_count=outcome.error_count, finished_at=timezone.now())
    if outcome.ok and not job.dry_run and job.upload_id:
        # The file holds phone and ID numbers in clear; the ledger now has them encrypted.
        upload_delete(upload_id=str(job.upload_id))
    job.refresh_from_db()
    return job


class JobProgress:
    """Saves a running job's progress and heartbeat (every batch) through a
    connection of its own: the import is one transaction, which pollers and
    redelivered tasks cannot see into until it ends."""

    def __init__(self, *, job_id, worker: str):
        self._job_id = job_id
        self._worker = worker
        self._schema = connection.schema_name
        self._connection = None

    def __call__(self, done: int, estimate: int | None) -> None:
        if self._connection is None:
            self._connection = connections.create_connection(current_cluster())  # the company's cluster
            self._connection.set_schema(self._schema)
        table = f"{self._connection.ops.quote_name(self._schema)}.{ImportJob._meta.db_table}"
        with self._connection.cursor() as cur:
            cur.execute(f"UPDATE {table} SET processed_rows = %s, total_rows = %s, "
                        f"heartbeat_at = statement_timestamp() WHERE id = %s AND worker = %s",
                        [done, max(estimate or 0, done), self._job_id, self._worker])

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()


def _finish_failed(job: ImportJob, worker: str, error: dict) -> ImportJob:
    ImportJob.objects.filter(pk=job.pk, worker=worker).update(status=ImportJob.Status.FAILED, errors=[error],
                                                              error_count=1, finished_at=timezone.now())
    job.refresh_from_db()
    return job


def upload_delete(*, upload_id: str) -> None:
    upload = upload_get(upload_id=upload_id)
    if upload is None:
        return
    upload.file.delete(save=False)
    upload.delete()


def upload_purge_stale(*, older_than: timedelta = STALE_UPLOAD_AGE) -> int:
    """Delete uploads (and their files) older than `older_than` in this company."""
    stale = list(ImportUpload.objects.filter(created_at__lt=timezone.now() - older_than).values_list("pk", flat=True))
    for pk in stale:
        upload_delete(upload_id=str(pk))
    return len(stale)
