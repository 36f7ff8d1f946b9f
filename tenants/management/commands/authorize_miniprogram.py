"""python manage.py authorize_miniprogram <tenant-slug> <authorization-code>"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name

from tenants.models import HeatingCompany
from tenants.publishing import PublishError
from tenants.publishing.services import authorization_complete


class Command(BaseCommand):
    help = ("Finish a company's authorization of the platform's WeChat third-party platform with the "
            "authorization code WeChat returned (auth_code). The sandbox accepts "
            "'queryauthcode@@@sandbox:<AppID>'. The callback does the same on 'authorized' pushes.")

    def add_arguments(self, parser):
        parser.add_argument("tenant", help="the company's slug")
        parser.add_argument("code", help="authorization_code / auth_code from WeChat")

    def handle(self, *args, tenant, code, **options):
        company = (HeatingCompany.objects.exclude(schema_name=get_public_schema_name())
                   .filter(slug=tenant).first())
        if company is None:
            raise CommandError(_("找不到标识为 %(slug)s 的供热公司。") % {"slug": tenant})
        try:
            auth = authorization_complete(tenant=company, authorization_code=code)
        except PublishError as exc:
            raise CommandError(f"{exc.code}: {exc.errmsg}") from exc
        self.stdout.write(self.style.SUCCESS(
            _("%(slug)s 的小程序 %(appid)s 已授权第三方平台。") % {"slug": company.slug,
                                                              "appid": auth.authorizer_appid}))
