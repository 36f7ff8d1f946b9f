"""`make run`'s demo data. Idempotent: safe on every start."""

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.accounts.models import User
from tenants.models import HeatingCompany
from tenants.services import operator_create, platform_ensure, tenant_register
from tenants.signals import Registration
from tenants.spares import spare_pool_fill

OPERATOR = ("operator", "operator-demo-2026")
DEMO = Registration(
    company_name="暖云演示热力公司", slug="demo", contact_name="王经理", contact_phone="13800138000",
    admin_username="admin", admin_password="demo-admin-2026",
)


class Command(BaseCommand):
    help = "Seed the platform row, a demo operator and the `demo` heating company."

    def add_arguments(self, parser):
        parser.add_argument("--port", default="8000")

    def handle(self, *args, port, **options):
        platform_ensure(domain=settings.PLATFORM_DOMAIN)
        if not User.objects.filter(username=OPERATOR[0]).exists():
            operator_create(username=OPERATOR[0], password=OPERATOR[1])
        made = spare_pool_fill(target=settings.SPARE_SCHEMA_POOL_SIZE)
        if made:
            self.stdout.write(f"prepared {made} spare schema(s) for fast onboarding")
        if not HeatingCompany.objects.filter(slug=DEMO.slug).exists():
            tenant_register(registration=DEMO)
        self.stdout.write(self.style.SUCCESS(f"""
HeatCloud is starting:
  Platform    http://{settings.PLATFORM_DOMAIN}:{port}/graphql/   admin: http://{settings.PLATFORM_DOMAIN}:{port}/admin/
              operator login: {OPERATOR[0]} / {OPERATOR[1]}
  Demo tenant http://demo.{settings.PLATFORM_DOMAIN}:{port}/graphql/   admin: http://demo.{settings.PLATFORM_DOMAIN}:{port}/admin/
              staff admin login: {DEMO.admin_username} / {DEMO.admin_password}
  Scripts that cannot resolve *.localhost: call http://127.0.0.1:{port}/… with a Host header.
Press Ctrl-C to stop everything.
"""))
