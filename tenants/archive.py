"""One company's data as a portable archive, and its restore (PIPL §21: when
the contract ends the platform returns or deletes the company's data).

What goes in (deploy/README.md "Per-company data" describes the format):

- every table of the company's schema, found in PostgreSQL's catalogue (not a
  list in code, so a new model, a many-to-many table or a table without a model
  cannot be left out), one CSV file each, written by PostgreSQL's own COPY so
  every type round-trips exactly;
- the company's rows in the public schema: the company itself and every
  public model pointing to it (found from the model relations), as JSON lines;
- its media files (the default storage, per-company folder);
- manifest.json: format version, the schema's applied migrations, per file the
  row count, size and SHA-256, and which columns were decrypted.

Encrypted fields are written **decrypted** and re-encrypted under the target
installation's FIELD_ENCRYPTION_KEYS on import (blind indexes are recomputed
under its BLIND_INDEX_KEY): an archive that needs the source's keys is useless
to the company we hand it to and to another installation, and handing keys
over would expose every other company. The archive therefore holds personal
numbers and payment secrets in clear, so it is encrypted with a passphrase by
default (age format, scrypt; `age -d` opens it too) and an unencrypted archive
must be asked for explicitly.

Plaintext never reaches a table: on export values are decrypted into a
transaction-local temporary table that COPY joins; on import the CSV is loaded
into a temporary table, sealed there, and only then inserted.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import shutil
import tarfile
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, models, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_exists

from heat_platform.crypto import EncryptedTextField, blind_index_many, decrypt, encrypt_many
from heat_platform.models import OperatorAuditLog

from .directory import MAIN_CLUSTER, company_context
from .models import Domain, HeatingCompany, MiniProgramAccount
from .spares import migration_state_record, schema_create_migrated, spare_rename, spare_take
from .validators import schema_name_for, validate_slug

logger = logging.getLogger(__name__)

FORMAT = "heatcloud-tenant-archive"
FORMAT_VERSION = 1
AGE_MAGIC = b"age-encryption.org/v1"
MIN_PASSPHRASE = 12
BATCH = 5000  # rows decrypted or encrypted per round trip
# The session settings COPY runs under on both sides, so dates, times and bytes are written and read alike.
COPY_SETTINGS = {"TimeZone": "UTC", "DateStyle": "ISO, YMD", "IntervalStyle": "iso_8601",
                 "bytea_output": "hex", "extra_float_digits": "3"}
CSV_OPTIONS = "FORMAT csv, HEADER true, ENCODING 'UTF8'"
# Recorded in the archive, never loaded: the target keeps its own migration bookkeeping (checked equal).
NOT_LOADED_TABLES = frozenset({"django_migrations"})
# Public models that point to the company. IMPORTED are recreated on import; RECORD_ONLY are kept in the
# archive as the source installation's record (its sign-up request, its operators' log) but not recreated.
# tests/tenants/test_archive.py fails when a public model points to the company and is in neither.
PUBLIC_IMPORTED = ("tenants.domain", "tenants.miniprogramaccount", "tenants.merchantaccount",
                   "tenants.miniprogrambranding", "tenants.miniprogrambuild", "tenants.miniprogramauthorization",
                   "tenants.miniprogramrelease")
# The operator console's figures (heat_platform.tenantsummary/tenantdailycollection) are derived from the
# schema: archived as they were, rebuilt by the next stats refresh after an import.
PUBLIC_RECORD_ONLY = ("tenants.signup", "heat_platform.operatorauditlog", "heat_platform.tenantsummary",
                      "heat_platform.tenantdailycollection")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_]{1,63}$")


class ArchiveErrorCode(models.TextChoices):
    NOT_FOUND = "NOT_FOUND"
    INVALID_ARCHIVE = "INVALID_ARCHIVE"
    CHECKSUM_MISMATCH = "CHECKSUM_MISMATCH"
    MIGRATIONS_DIFFER = "MIGRATIONS_DIFFER"
    TABLES_DIFFER = "TABLES_DIFFER"
    SLUG_TAKEN = "SLUG_TAKEN"
    SCHEMA_EXISTS = "SCHEMA_EXISTS"
    MEDIA_EXISTS = "MEDIA_EXISTS"
    APPID_TAKEN = "APPID_TAKEN"
    PASSPHRASE_REQUIRED = "PASSPHRASE_REQUIRED"  # noqa: S105  (an error code)
    PASSPHRASE_TOO_SHORT = "PASSPHRASE_TOO_SHORT"  # noqa: S105
    WRONG_PASSPHRASE = "WRONG_PASSPHRASE"  # noqa: S105


def archive_error(message: str, code: ArchiveErrorCode) -> ValidationError:
    return ValidationError(message, code=code)


# --- the schema as PostgreSQL sees it ------------------------------------------------------------------

@dataclass
class Table:
    name: str
    columns: list[str]
    types: list[str]
    pk: list[str]
    serial: list[str]  # identity or nextval() columns: their sequences are reset after a load
    model: str = ""  # app_label.model_name when a model maps to it
    encrypted: list[str] = field(default_factory=list)
    # blind-index column -> (the encrypted column it indexes, purpose)
    indexes: dict[str, tuple[str, str]] = field(default_factory=dict)


def q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _models_by_table() -> dict[str, type[models.Model]]:
    return {m._meta.db_table: m for m in apps.get_models(include_auto_created=True)}


def schema_tables(schema: str) -> list[Table]:
    """Every ordinary or partitioned table of the schema (partitions travel with their parent),
    with its columns in order, primary key and sequence-backed columns."""
    with connection.cursor() as cur:
        cur.execute(
            """SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
                      a.attidentity <> '' OR coalesce(pg_get_expr(d.adbin, d.adrelid), '') LIKE 'nextval(%%'
               FROM pg_class c
               JOIN pg_namespace n ON n.oid = c.relnamespace
               JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
               LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
               WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND a.attgenerated = ''
               ORDER BY c.relname, a.attnum""", [schema])
        rows = cur.fetchall()
        cur.execute(
            """SELECT c.relname, a.attname
               FROM pg_index i
               JOIN pg_class c ON c.oid = i.indrelid
               JOIN pg_namespace n ON n.oid = c.relnamespace
               JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(i.indkey)
               WHERE n.nspname = %s AND i.indisprimary
               ORDER BY c.relname, array_position(i.indkey, a.attnum)""", [schema])
        pks: dict[str, list[str]] = {}
        for table, column in cur.fetchall():
            pks.setdefault(table, []).append(column)
    tables: dict[str, Table] = {}
    for name, column, type_, serial in rows:
        table = tables.setdefault(name, Table(name=name, columns=[], types=[], pk=pks.get(name, []), serial=[]))
        table.columns.append(column)
        table.types.append(type_)
        if serial:
            table.serial.append(column)
    by_table = _models_by_table()
    for table in tables.values():
        model = by_table.get(table.name)
        if model is None:
            continue
        table.model = model._meta.label_lower
        fields = {f.name: f for f in model._meta.concrete_fields}
        table.encrypted = [f.column for f in fields.values()
                           if isinstance(f, EncryptedTextField) and f.column in table.columns]
        for source, (index_field, purpose) in getattr(model, "BLIND_INDEXES", {}).items():
            if source in fields and index_field in fields:
                table.indexes[fields[index_field].column] = (fields[source].column, purpose)
    return [tables[name] for name in sorted(tables)]


def migration_state(schema: str) -> list[str]:
    with connection.cursor() as cur:
        cur.execute(f"SELECT app, name FROM {q(schema)}.django_migrations ORDER BY app, name")
        return [f"{app}.{name}" for app, name in cur.fetchall()]


def code_migrations() -> list[str]:
    """What a fully migrated schema of this installation records."""
    return sorted(f"{app}.{name}" for app, name in MigrationLoader(None, ignore_no_migrations=True).graph.nodes)


def _copy_settings() -> None:
    with connection.cursor() as cur:
        for name, value in COPY_SETTINGS.items():
            cur.execute("SELECT set_config(%s, %s, true)", [name, value])


# --- a hashing writer ----------------------------------------------------------------------------------

class _Hashing:
    def __init__(self, sink: IO[bytes]):
        self.sink, self.sha, self.size = sink, hashlib.sha256(), 0

    def write(self, data) -> None:
        data = bytes(data)
        self.sha.update(data)
        self.size += len(data)
        self.sink.write(data)


def _file_sha256(fh: IO[bytes]) -> tuple[str, int]:
    sha, size = hashlib.sha256(), 0
    while chunk := fh.read(1 << 20):
        sha.update(chunk)
        size += len(chunk)
    return sha.hexdigest(), size


def _add(tar: tarfile.TarFile, name: str, fh: IO[bytes], size: int, mtime: float) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(mtime), 0o600
    fh.seek(0)
    tar.addfile(info, fh)


# --- export ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExportResult:
    path: Path
    manifest: dict
    size: int
    seconds: float
    encrypted: bool


def _json_default(value: Any):
    if isinstance(value, (datetime, date)):
        return value.isoformat()  # full precision, offset included (DjangoJSONEncoder cuts microseconds)
    if isinstance(value, (Decimal, uuid.UUID)):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to an archive")


def _row_dict(obj: models.Model) -> dict:
    return {f.attname: f.value_from_object(obj) for f in obj._meta.concrete_fields}


def public_models() -> list[type[models.Model]]:
    """Every public-schema model with a relation to the company (Domain included)."""
    found = []
    for rel in HeatingCompany._meta.related_objects:
        model = rel.related_model
        if rel.many_to_many or model._meta.app_config.name not in settings.SHARED_APPS:
            continue
        found.append(model)
    return sorted(set(found), key=lambda m: m._meta.label_lower)


def _public_rows(tenant: HeatingCompany) -> dict[str, list[dict]]:
    rows = {"tenants.heatingcompany": [_row_dict(tenant)]}
    for model in public_models():
        fks = [f.name for f in model._meta.concrete_fields
               if f.is_relation and f.related_model is HeatingCompany]
        query = models.Q()
        for name in fks:
            query |= models.Q(**{name: tenant})
        rows[model._meta.label_lower] = [_row_dict(o) for o in model.objects.filter(query).order_by("pk")]
    return rows


def _copy_out(cur, schema: str, table: Table, sink: IO[bytes]) -> int:
    """COPY one table as CSV into `sink`, encrypted columns decrypted. Returns the row count."""
    source = f"{q(schema)}.{q(table.name)}"
    select = ", ".join(f"t.{q(c)}" for c in table.columns)
    joined = ""
    if table.encrypted:
        if len(table.pk) != 1:
            raise archive_error(f"{table.name}: encrypted columns need a one-column primary key",
                                ArchiveErrorCode.INVALID_ARCHIVE)
        pk = table.pk[0]
        pk_type = table.types[table.columns.index(pk)]
        cur.execute("DROP TABLE IF EXISTS _archive_plain")
        cur.execute(f"CREATE TEMP TABLE _archive_plain (pk {pk_type} PRIMARY KEY, "
                    + ", ".join(f"{q(c)} text" for c in table.encrypted) + ") ON COMMIT DROP")
        cols = ", ".join(q(c) for c in table.encrypted)
        with connection.chunked_cursor() as rows_cur:
            rows_cur.execute(f"SELECT {q(pk)}, {cols} FROM {source}")
            # One COPY per batch: the connection cannot fetch from the cursor while a COPY is open.
            while batch := rows_cur.fetchmany(BATCH):
                with cur.copy("COPY _archive_plain FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row([row[0], *(decrypt(v) if v else v for v in row[1:])])
        select = ", ".join(f"p.{q(c)}" if c in table.encrypted else f"t.{q(c)}" for c in table.columns)
        joined = f" JOIN _archive_plain p ON p.pk = t.{q(pk)}"
    order = ", ".join(f"t.{q(c)}" for c in (table.pk or table.columns))
    with cur.copy(f"COPY (SELECT {select} FROM {source} t{joined} ORDER BY {order}) TO STDOUT ({CSV_OPTIONS})") \
            as copy:
        for data in copy:
            sink.write(data)
    rows = cur.rowcount
    if table.encrypted:
        cur.execute("DROP TABLE _archive_plain")
    return rows


def _media_walk(path: str = "") -> Iterator[str]:
    dirs, files = default_storage.listdir(path)
    for name in sorted(files):
        yield f"{path}/{name}" if path else name
    for name in sorted(dirs):
        yield from _media_walk(f"{path}/{name}" if path else name)


def tenant_export(*, slug: str, path: Path, passphrase: str | None,
                  progress: Callable[[str], None] | None = None) -> ExportResult:
    """Write one company's archive to `path` (tar.gz; age-encrypted when `passphrase`).

    One REPEATABLE READ snapshot when called outside a transaction, so the
    tables agree with each other even while the company keeps working."""
    started = time.monotonic()
    path = Path(path)
    if passphrase is not None and len(passphrase) < MIN_PASSPHRASE:
        raise archive_error(_("口令至少 %(n)d 个字符。") % {"n": MIN_PASSPHRASE},
                            ArchiveErrorCode.PASSPHRASE_TOO_SHORT)
    company = HeatingCompany.objects.exclude(schema_name="public").filter(slug=slug).first()
    if company is None:
        raise archive_error(_("找不到该供热公司。"), ArchiveErrorCode.NOT_FOUND)
    # Its tables are read where they live: the snapshot below is its cluster's; public rows come from the main
    # cluster (ClusterRouter), the same database when the company lives there.
    with company_context(company):
        connection.set_schema_to_public()
        connection.cursor().close()  # django-tenants sets search_path now, so SET TRANSACTION below comes first
        outermost = not connection.in_atomic_block
        say = progress or (lambda _msg: None)
        partial = path.with_name(path.name + ".partial")
        buffer: IO[bytes] = io.BytesIO() if passphrase else open(partial, "wb")
        try:
            with transaction.atomic():
                if outermost:
                    with connection.cursor() as cur:
                        cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                tenant = HeatingCompany.objects.exclude(schema_name="public").filter(slug=slug).first()
                if tenant is None:
                    raise archive_error(_("找不到该供热公司。"), ArchiveErrorCode.NOT_FOUND)
                manifest = _write_tar(tenant, buffer, say)
            if passphrase:
                import pyrage

                sealed = pyrage.passphrase.encrypt(buffer.getvalue(), passphrase)
                with open(partial, "wb") as fh:
                    fh.write(sealed)
            else:
                buffer.close()
            os.chmod(partial, 0o600)
            os.replace(partial, path)
        finally:
            if not buffer.closed:
                buffer.close()
            if partial.exists():
                partial.unlink()
        connection.set_schema_to_public()
        return ExportResult(path=path, manifest=manifest, size=path.stat().st_size,
                            seconds=time.monotonic() - started, encrypted=bool(passphrase))


def _write_tar(tenant: HeatingCompany, sink: IO[bytes], say: Callable[[str], None]) -> dict:
    schema = tenant.schema_name
    now = timezone.now()
    mtime = now.timestamp()
    _copy_settings()
    tables = schema_tables(schema)
    manifest: dict[str, Any] = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "created_at": now.isoformat(),
        "source": {"slug": tenant.slug, "name": tenant.name, "schema": schema,
                   "platform_domain": settings.PLATFORM_DOMAIN, "status": tenant.status},
        "encryption": {
            "fields": "decrypted",
            "note": "Encrypted columns are written in clear and re-encrypted under the target's keys on import; "
                    "blind-index columns are recomputed there. Keep this archive as secret as the database.",
        },
        "csv": {"dialect": "PostgreSQL COPY CSV with a header row; NULL is an unquoted empty field, "
                           "an empty string is \"\"", "settings": COPY_SETTINGS},
        "migrations": migration_state(schema),
        "tables": [], "public": [], "media": [],
    }
    with tarfile.open(fileobj=sink, mode="w:gz", format=tarfile.PAX_FORMAT) as tar, connection.cursor() as cur:
        for i, table in enumerate(tables, 1):
            with tempfile.SpooledTemporaryFile(max_size=16 << 20) as buf:
                hashing = _Hashing(buf)
                rows = _copy_out(cur, schema, table, hashing)
                name = f"tables/{table.name}.csv"
                _add(tar, name, buf, hashing.size, mtime)
            manifest["tables"].append({
                "name": table.name, "file": name, "rows": rows, "size": hashing.size,
                "sha256": hashing.sha.hexdigest(), "model": table.model,
                "columns": [{"name": c, "type": t} for c, t in zip(table.columns, table.types, strict=True)],
                "primary_key": table.pk, "decrypted_columns": table.encrypted,
                "blind_index_columns": sorted(table.indexes), "loaded_on_import": table.name not in NOT_LOADED_TABLES,
            })
            say(f"[{i}/{len(tables)}] {table.name}: {rows}")
        for label, rows in _public_rows(tenant).items():
            body = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True, default=_json_default) + "\n"
                           for r in rows).encode()
            name = f"public/{label}.jsonl"
            _add(tar, name, io.BytesIO(body), len(body), mtime)
            manifest["public"].append({
                "model": label, "file": name, "rows": len(rows), "size": len(body),
                "sha256": hashlib.sha256(body).hexdigest(),
                "imported": label == "tenants.heatingcompany" or label in PUBLIC_IMPORTED,
            })
        with company_context(tenant):  # the company's media folder
            for rel in _media_walk():
                with default_storage.open(rel, "rb") as fh:
                    sha, size = _file_sha256(fh)
                    _add(tar, f"media/{rel}", fh, size, mtime)
                manifest["media"].append({"path": rel, "size": size, "sha256": sha})
        say(f"media: {len(manifest['media'])} file(s)")
        for name, body in (("README.txt", ARCHIVE_README.encode()),
                           ("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode())):
            _add(tar, name, io.BytesIO(body), len(body), mtime)
    return manifest


ARCHIVE_README = """\
HeatCloud company archive (format heatcloud-tenant-archive, version 1)

manifest.json   what is here: source company, the schema's applied migrations, and for every file its
                row count, size and SHA-256; which columns were decrypted; COPY settings used.
tables/*.csv    one file per table of the company's database schema, PostgreSQL COPY CSV with a header
                row (NULL = unquoted empty field, "" = empty string), UTF-8, times in UTC (ISO 8601).
                Money columns (*_fen) are integer fen (1/100 yuan).
public/*.jsonl  the company's rows in the platform schema (the company, its domains, mini-program and
                payment merchant accounts, branding, builds, releases; sign-up and operator log as record).
media/          the company's files (logo, mini-program builds, uploaded ledger files).

Phone numbers, ID numbers and payment keys are in clear text in this archive: keep it secret.
Restore on a HeatCloud installation with: manage.py import_tenant <archive> [--slug <new slug>]
"""


# --- import ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportResult:
    tenant: HeatingCompany
    rows: int
    media: int
    seconds: float
    skipped_domains: list[str]


def _open_archive(path: Path, passphrase: str | None, workdir: Path) -> dict:
    """Decrypt (age) if needed, extract the manifest's files into `workdir` and check every checksum."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(AGE_MAGIC))
    except FileNotFoundError:
        raise archive_error(_("找不到归档文件。"), ArchiveErrorCode.NOT_FOUND) from None
    source: IO[bytes]
    if head == AGE_MAGIC:
        if not passphrase:
            raise archive_error(_("该归档已加密，请提供口令。"), ArchiveErrorCode.PASSPHRASE_REQUIRED)
        import pyrage

        try:
            source = io.BytesIO(pyrage.passphrase.decrypt(path.read_bytes(), passphrase))
        except pyrage.DecryptError:
            raise archive_error(_("口令错误或归档已损坏。"), ArchiveErrorCode.WRONG_PASSPHRASE) from None
    else:
        source = open(path, "rb")
    try:
        with tarfile.open(fileobj=source, mode="r:*") as tar:
            members = {m.name: m for m in tar.getmembers() if m.isfile()}
            if "manifest.json" not in members:
                raise archive_error(_("不是 HeatCloud 公司归档（缺少 manifest.json）。"),
                                    ArchiveErrorCode.INVALID_ARCHIVE)
            manifest = json.loads(tar.extractfile(members["manifest.json"]).read())
            if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
                raise archive_error(_("不支持的归档格式或版本。"), ArchiveErrorCode.INVALID_ARCHIVE)
            expected = {e["file"]: e for e in (*manifest["tables"], *manifest["public"])}
            expected.update({f"media/{e['path']}": e for e in manifest["media"]})
            for name, entry in expected.items():
                member = members.get(name)
                safe = PurePosixPath(name)
                if member is None or safe.is_absolute() or ".." in safe.parts:
                    raise archive_error(_("归档缺少文件 %(name)s。") % {"name": name},
                                        ArchiveErrorCode.INVALID_ARCHIVE)
                target = workdir / safe
                target.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(member) as src, open(target, "wb") as dst:
                    hashing = _Hashing(dst)
                    while chunk := src.read(1 << 20):
                        hashing.write(chunk)
                if hashing.sha.hexdigest() != entry["sha256"] or hashing.size != entry["size"]:
                    raise archive_error(_("文件 %(name)s 的校验和不符，归档已损坏或被改动。") % {"name": name},
                                        ArchiveErrorCode.CHECKSUM_MISMATCH)
    except (tarfile.TarError, EOFError, OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise archive_error(_("归档无法读取：%(error)s") % {"error": type(exc).__name__},
                            ArchiveErrorCode.INVALID_ARCHIVE) from None
    finally:
        source.close()
    return manifest


def tenant_import(*, path: Path, slug: str | None = None, passphrase: str | None = None,
                  actor_username: str = "", progress: Callable[[str], None] | None = None) -> ImportResult:
    """Restore an archive as a new company (`slug`, default the archive's) in a schema that does not
    exist yet. All or nothing: any failure leaves no schema, no row and no file."""
    started = time.monotonic()
    say = progress or (lambda _msg: None)
    with tempfile.TemporaryDirectory(prefix="heatcloud-import-") as tmp:
        workdir = Path(tmp)
        manifest = _open_archive(Path(path), passphrase, workdir)
        _check_migrations(manifest)
        slug = slug or manifest["source"]["slug"]
        try:
            validate_slug(slug)
        except ValidationError as exc:
            raise archive_error(exc.messages[0], ArchiveErrorCode.SLUG_TAKEN) from None
        schema = schema_name_for(slug)
        media_written: list[str] = []
        connection.set_schema_to_public()
        try:
            with transaction.atomic():
                from .services import slug_lock, slug_taken

                slug_lock(slug)
                if slug_taken(slug):
                    raise archive_error(_("标识 %(slug)s 已被使用。") % {"slug": slug}, ArchiveErrorCode.SLUG_TAKEN)
                if schema_exists(schema):
                    raise archive_error(_("数据库中已有架构 %(schema)s。") % {"schema": schema},
                                        ArchiveErrorCode.SCHEMA_EXISTS)
                public = _read_public(manifest, workdir)
                tenant = _company_create(public, slug=slug, schema=schema)
                rows = _load_tables(manifest, workdir, schema, say)
                # The schema's own applied migrations (the spare's or fresh; django_migrations is not loaded), so
                # the next `migrate` skips this company on the directory's state alone.
                migration_state_record(schema)
                skipped = _public_create(public, tenant)
                with company_context(tenant):  # new companies start on the main cluster
                    _media_restore(manifest, workdir, media_written)
                say(f"media: {len(media_written)} file(s)")
                OperatorAuditLog.objects.create(
                    actor_username=actor_username or "system", action="tenant.import", tenant=tenant,
                    detail={"source_slug": manifest["source"]["slug"], "archive_created_at": manifest["created_at"],
                            "rows": rows, "media": len(media_written)})
                transaction.on_commit(_replenish_spares)
        except BaseException:
            # Rolled back: no row to look up (nor a query to risk here); new companies are on the main cluster.
            with company_context(HeatingCompany(schema_name=schema, cluster=MAIN_CLUSTER)):
                for name in media_written:
                    default_storage.delete(name)
            raise
        finally:
            connection.set_schema_to_public()
    return ImportResult(tenant=tenant, rows=rows, media=len(media_written), seconds=time.monotonic() - started,
                        skipped_domains=skipped)


def _replenish_spares() -> None:
    from .tasks import replenish_spare_schemas

    replenish_spare_schemas.delay()


def _check_migrations(manifest: dict) -> None:
    archived, here = set(manifest["migrations"]), set(code_migrations())
    if archived != here:
        missing = sorted(archived - here)[:5]
        extra = sorted(here - archived)[:5]
        raise archive_error(
            _("归档与本安装的数据库迁移状态不一致（归档有而本地没有：%(missing)s；本地有而归档没有：%(extra)s）。"
              "请先把两边升级到同一版本。") % {"missing": ", ".join(missing) or "-", "extra": ", ".join(extra) or "-"},
            ArchiveErrorCode.MIGRATIONS_DIFFER)


def _read_public(manifest: dict, workdir: Path) -> dict[str, list[dict]]:
    out = {}
    for entry in manifest["public"]:
        with open(workdir / entry["file"], encoding="utf-8") as fh:
            out[entry["model"]] = [json.loads(line) for line in fh if line.strip()]
        if len(out[entry["model"]]) != entry["rows"]:
            raise archive_error(_("%(name)s 的行数与清单不符。") % {"name": entry["file"]},
                                ArchiveErrorCode.CHECKSUM_MISMATCH)
    if len(out.get("tenants.heatingcompany", [])) != 1:
        raise archive_error(_("归档中没有公司信息。"), ArchiveErrorCode.INVALID_ARCHIVE)
    return out


def _values(model: type[models.Model], row: dict, *, skip: tuple[str, ...] = ()) -> dict:
    """Model field values from an archived row (JSON types back to Python ones)."""
    values = {}
    for f in model._meta.concrete_fields:
        if f.primary_key or f.attname in skip or f.attname not in row:
            continue
        values[f.attname] = f.to_python(row[f.attname]) if row[f.attname] is not None else None
    return values


def _company_create(public: dict[str, list[dict]], *, slug: str, schema: str) -> HeatingCompany:
    row = public["tenants.heatingcompany"][0]
    for account in public.get("tenants.miniprogramaccount", []):
        owner = MiniProgramAccount.objects.filter(app_id=account["app_id"]).select_related("tenant").first()
        if owner is not None:
            raise archive_error(_("小程序 AppID %(app_id)s 已属于本安装的公司 %(slug)s。") % {
                "app_id": account["app_id"], "slug": owner.tenant.slug}, ArchiveErrorCode.APPID_TAKEN)
    # Not the source's: its migration state is recorded from the new schema, and it starts on the main cluster.
    values = _values(HeatingCompany, row, skip=("schema_name", "slug", "created_at", "migration_state", "cluster"))
    if values.get("status") == HeatingCompany.Status.CLOSED:
        # A company restored after closing comes back blocked until an operator reactivates it.
        values["status"], values["suspended_at"] = HeatingCompany.Status.SUSPENDED, timezone.now()
    values.pop("closed_at", None)
    tenant = HeatingCompany.objects.create(schema_name=schema, slug=slug, **values)
    HeatingCompany.objects.filter(pk=tenant.pk).update(created_at=_values(HeatingCompany, row)["created_at"])
    tenant.refresh_from_db()
    spare = spare_take()
    if spare is not None:
        spare_rename(spare=spare, schema_name=schema)
    else:
        schema_create_migrated(schema_name=schema)
    from .services import tenant_domain_for

    Domain.objects.create(domain=tenant_domain_for(slug), tenant=tenant, is_primary=True)
    return tenant


def _public_create(public: dict[str, list[dict]], tenant: HeatingCompany) -> list[str]:
    """Recreate the IMPORTED public rows for the new company; returns custom domains left out (taken here)."""
    skipped = []
    primary = f".{manifest_platform(public)}"
    for label in PUBLIC_IMPORTED:
        model = apps.get_model(label)
        for row in public.get(label, []):
            values = _values(model, row, skip=("tenant_id",))
            if model is Domain:
                # The primary domain follows this installation's platform domain and the new slug.
                if row["is_primary"] or row["domain"].endswith(primary):
                    continue
                if Domain.objects.filter(domain=row["domain"]).exists():
                    skipped.append(row["domain"])
                    continue
            obj = model(tenant=tenant, **values)
            obj.save(force_insert=True)
            auto = [f.attname for f in model._meta.concrete_fields
                    if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
            if auto:  # keep the archived times, not the moment of import
                model.objects.filter(pk=obj.pk).update(**{a: values[a] for a in auto if a in values})
    return skipped


def manifest_platform(public: dict[str, list[dict]]) -> str:
    primary = [d["domain"] for d in public.get("tenants.domain", []) if d["is_primary"]]
    return primary[0].split(".", 1)[1] if primary and "." in primary[0] else settings.PLATFORM_DOMAIN


def _load_tables(manifest: dict, workdir: Path, schema: str, say: Callable[[str], None]) -> int:
    tables = {t.name: t for t in schema_tables(schema)}
    archived = {e["name"]: e for e in manifest["tables"]}
    if set(tables) != set(archived):
        raise archive_error(
            _("归档中的表与本安装不一致（仅归档有：%(a)s；仅本地有：%(b)s）。") % {
                "a": ", ".join(sorted(set(archived) - set(tables))) or "-",
                "b": ", ".join(sorted(set(tables) - set(archived))) or "-"}, ArchiveErrorCode.TABLES_DIFFER)
    loaded = [name for name in sorted(tables) if name not in NOT_LOADED_TABLES]
    for name in loaded:
        columns = [c["name"] for c in archived[name]["columns"]]
        if sorted(columns) != sorted(tables[name].columns):
            raise archive_error(_("表 %(name)s 的列与本安装不一致。") % {"name": name},
                                ArchiveErrorCode.TABLES_DIFFER)
    _copy_settings()
    total = 0
    with connection.cursor() as cur:
        # Rows the migrations or a spare's set-up wrote (content types, permissions) give way to the archive's;
        # their deferred foreign-key checks run first (TRUNCATE refuses a table with pending trigger events).
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cur.execute("TRUNCATE " + ", ".join(f"{q(schema)}.{q(n)}" for n in loaded) + " RESTART IDENTITY CASCADE")
        cur.execute("SET CONSTRAINTS ALL DEFERRED")
        for i, name in enumerate(loaded, 1):
            entry, table = archived[name], tables[name]
            columns = [c["name"] for c in entry["columns"]]
            rows = _copy_in(cur, schema, table, columns, workdir / entry["file"])
            if rows != entry["rows"]:
                raise archive_error(_("表 %(name)s 载入 %(got)d 行，清单为 %(want)d 行。") % {
                    "name": name, "got": rows, "want": entry["rows"]}, ArchiveErrorCode.CHECKSUM_MISMATCH)
            total += rows
            say(f"[{i}/{len(loaded)}] {name}: {rows}")
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # foreign keys checked here, before anything else is written
        for table in tables.values():
            for column in table.serial:
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, %s), "
                    f"coalesce((SELECT max({q(column)}) FROM {q(schema)}.{q(table.name)}), 0) + 1, false)",
                    [f"{q(schema)}.{q(table.name)}", column])
    return total


def _copy_in(cur, schema: str, table: Table, columns: list[str], file: Path) -> int:
    target = f"{q(schema)}.{q(table.name)}"
    cols = ", ".join(q(c) for c in columns)
    if not table.encrypted:
        with open(file, "rb") as fh, cur.copy(f"COPY {target} ({cols}) FROM STDIN ({CSV_OPTIONS})") as copy:
            while chunk := fh.read(1 << 20):
                copy.write(chunk)
        return cur.rowcount
    # Plaintext lands in a temporary table (no WAL, this session only), is sealed there, then inserted.
    pk = table.pk[0]
    cur.execute("DROP TABLE IF EXISTS _archive_load")
    cur.execute(f"CREATE TEMP TABLE _archive_load (LIKE {target}) ON COMMIT DROP")
    with open(file, "rb") as fh, cur.copy(f"COPY _archive_load ({cols}) FROM STDIN ({CSV_OPTIONS})") as copy:
        while chunk := fh.read(1 << 20):
            copy.write(chunk)
    rows = cur.rowcount
    indexed = {source: (index, purpose) for index, (source, purpose) in table.indexes.items()}
    sealed_cols = [*table.encrypted, *(indexed[c][0] for c in table.encrypted if c in indexed)]
    pk_type = table.types[table.columns.index(pk)]
    cur.execute("DROP TABLE IF EXISTS _archive_sealed")
    cur.execute(f"CREATE TEMP TABLE _archive_sealed (pk {pk_type} PRIMARY KEY, "
                + ", ".join(f"{q(c)} text" for c in sealed_cols) + ") ON COMMIT DROP")
    with connection.chunked_cursor() as rows_cur:
        rows_cur.execute(f"SELECT {q(pk)}, " + ", ".join(q(c) for c in table.encrypted) + " FROM _archive_load")
        while batch := rows_cur.fetchmany(BATCH):
            with cur.copy("COPY _archive_sealed FROM STDIN") as copy:
                plain = list(zip(*(row[1:] for row in batch), strict=True))
                sealed = [[v if not v else c for v, c in zip(col, encrypt_many([v or None for v in col]),
                                                             strict=True)] for col in plain]
                index_values = [[i if i is not None else "" for i in
                                 blind_index_many([v or None for v in col], purpose=indexed[name][1])]
                                for name, col in zip(table.encrypted, plain, strict=True) if name in indexed]
                for j, row in enumerate(batch):
                    copy.write_row([row[0], *(col[j] for col in sealed), *(col[j] for col in index_values)])
    assignments = ", ".join(f"{q(c)} = s.{q(c)}" for c in sealed_cols)
    cur.execute(f"UPDATE _archive_load l SET {assignments} FROM _archive_sealed s WHERE l.{q(pk)} = s.pk")
    cur.execute(f"INSERT INTO {target} ({cols}) OVERRIDING SYSTEM VALUE SELECT {cols} FROM _archive_load")
    cur.execute("DROP TABLE _archive_load")
    cur.execute("DROP TABLE _archive_sealed")
    return rows


def _media_restore(manifest: dict, workdir: Path, written: list[str]) -> None:
    if manifest["media"] and _media_any():
        raise archive_error(_("新公司的文件目录已有文件。"), ArchiveErrorCode.MEDIA_EXISTS)
    for entry in manifest["media"]:
        with open(workdir / "media" / entry["path"], "rb") as fh:
            name = default_storage.save(entry["path"], File(fh))
        written.append(name)
        if name != entry["path"]:
            raise archive_error(_("文件 %(name)s 无法按原名写入。") % {"name": entry["path"]},
                                ArchiveErrorCode.MEDIA_EXISTS)


def _media_any() -> bool:
    return next(_media_walk(), None) is not None


# --- closing ---------------------------------------------------------------------------------

def remove_media(tenant: HeatingCompany) -> int:
    """Delete every file of the company in the default storage; returns how many."""
    removed = 0
    with company_context(tenant):
        for name in list(_media_walk()):
            default_storage.delete(name)
            removed += 1
        root = getattr(default_storage, "location", None)
    if root and os.path.isdir(root):
        shutil.rmtree(root, ignore_errors=True)
    return removed

