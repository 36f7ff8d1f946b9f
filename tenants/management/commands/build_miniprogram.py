"""python manage.py build_miniprogram <tenant-slug> [--out DIR]"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name

from tenants.miniprogram_build import build_package, write_project
from tenants.models import HeatingCompany


class Command(BaseCommand):
    help = ("Build a company's branded resident mini-program from miniprogram-template/: a project folder "
            "ready for WeChat DevTools (DIR/<slug>/) and a deterministic zip (DIR/<slug>.zip).")

    def add_arguments(self, parser):
        parser.add_argument("tenant", help="the company's slug")
        parser.add_argument("--out", default=str(Path(settings.BASE_DIR) / ".data" / "miniprogram"),
                            help="output folder (default: .data/miniprogram)")

    def handle(self, *args, tenant, out, **options):
        company = (HeatingCompany.objects.exclude(schema_name=get_public_schema_name())
                   .filter(slug=tenant).first())
        if company is None:
            raise CommandError(_("找不到标识为 %(slug)s 的供热公司。") % {"slug": tenant})
        out_dir = Path(out).expanduser().resolve()
        try:
            result = build_package(tenant=company)
            write_project(result.files, out_dir=out_dir / company.slug)
        except ValidationError as exc:
            for message in dict.fromkeys(exc.messages):
                self.stderr.write(message)
            raise CommandError(_("未生成小程序包。")) from exc
        zip_path = out_dir / f"{company.slug}.zip"
        zip_path.write_bytes(result.zip_bytes)
        inp = result.input
        self.stdout.write(self.style.SUCCESS(_("已生成 %(name)s 的小程序：") % {"name": inp.display_name}))
        self.stdout.write(f"  project  {out_dir / company.slug}  ({len(result.files)} files)")
        self.stdout.write(f"  zip      {zip_path}  sha256 {result.sha256}")
        self.stdout.write(f"  AppID    {inp.app_id}")
        self.stdout.write(f"  API      {inp.api_base_url}")
