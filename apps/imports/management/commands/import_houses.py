"""python manage.py import_houses <tenant-slug> <file> [--dry-run] [--create-missing]"""

from __future__ import annotations

import os
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name

from apps.imports.errors import ImportFileError
from apps.imports.models import FileKind
from apps.imports.services import MAX_STORED_ERRORS, file_error_report, house_import
from tenants.directory import company_context
from tenants.models import HeatingCompany

BAR_WIDTH = 30


class Command(BaseCommand):
    help = ("Import a house ledger (.xlsx or .csv, the template's columns) into one company: the same "
            "service as the staff import job. All or nothing; prints every error (first 1,000).")

    def add_arguments(self, parser):
        parser.add_argument("tenant", help="the company's slug")
        parser.add_argument("file", help="path to a .xlsx or .csv file")
        parser.add_argument("--dry-run", action="store_true", help="validate and count only; write nothing")
        parser.add_argument("--create-missing", action="store_true",
                            help="create 小区/楼/单元 the ledger lacks instead of reporting them")

    def handle(self, *args, tenant, file, dry_run=False, create_missing=False, **options):
        company = (HeatingCompany.objects.exclude(schema_name=get_public_schema_name())
                   .filter(slug=tenant).first())
        if company is None:
            raise CommandError(_("找不到标识为 %(slug)s 的供热公司。") % {"slug": tenant})
        kind = os.path.splitext(file)[1].lower().lstrip(".")
        if kind not in FileKind.values:
            raise CommandError(_("只支持 .xlsx 和 .csv 文件。"))
        try:
            fh = open(file, "rb")  # closed below
        except OSError as exc:
            raise CommandError(_("无法打开文件：%(error)s") % {"error": exc.strerror}) from exc
        started = time.monotonic()
        try:
            with fh, company_context(company):
                outcome = house_import(source=fh, file_kind=kind, dry_run=dry_run, create_missing=create_missing,
                                       on_progress=self._progress, create_missing_option="--create-missing")
        except ImportFileError as exc:
            self._end_progress()
            self._print_errors([file_error_report(exc)])
            raise CommandError(_("文件无法导入，未写入任何数据。")) from exc
        self._end_progress()
        if not outcome.ok:
            self._print_errors(outcome.errors)
            if outcome.error_count > len(outcome.errors):
                self.stdout.write(_("……另有 %(more)s 处错误未列出（只列出前 %(limit)s 处）。")
                                  % {"more": outcome.error_count - len(outcome.errors), "limit": MAX_STORED_ERRORS})
            if dry_run:  # nothing to count: a file with errors would import nothing
                raise CommandError(_("试运行：共 %(count)s 处错误，修正后才能导入；未写入任何数据。")
                                   % {"count": outcome.error_count})
            raise CommandError(_("共 %(count)s 处错误，未写入任何数据。") % {"count": outcome.error_count})
        c = outcome.counts
        summary = _("%(rows)s 行：新增 %(created)s 户，更新 %(updated)s 户；新建小区 %(communities)s 个、楼 "
                    "%(buildings)s 栋、单元 %(units)s 个（用时 %(seconds).1f 秒）。") % {
            "rows": outcome.total_rows, "created": c.created, "updated": c.updated,
            "communities": c.new_communities, "buildings": c.new_buildings, "units": c.new_units,
            "seconds": time.monotonic() - started}
        prefix = _("试运行，未写入任何数据。") if dry_run else _("导入完成。")
        self.stdout.write(self.style.SUCCESS(f"{prefix}{summary}"))

    def _progress(self, done: int, estimate: int | None) -> None:
        total = max(estimate or 0, done)
        filled = BAR_WIDTH * done // total if total else 0
        percent = 100 * done // total if total else 0
        self.stderr.write(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {percent:3d}% {done:,}/{total:,}",
                          ending="")
        self.stderr.flush()

    def _end_progress(self) -> None:
        self.stderr.write("")

    def _print_errors(self, errors: list[dict]) -> None:
        for e in errors:
            where = []
            if e["row"] is not None:
                where.append(_("第 %(row)s 行") % {"row": e["row"]})
            if e["column"]:
                where.append(f"[{e['column']}]")
            self.stdout.write(f"{' '.join(where)} {e['message']} ({e['code']})".strip())
