"""`make run`'s demo data. Idempotent: safe on every start."""

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.accounts.models import Role, User
from apps.accounts.services import staff_create
from apps.billing.demo import demo_billing_seed
from apps.invoices.demo import demo_invoices_seed
from apps.messaging.demo import messaging_demo_seed
from apps.payments.demo import demo_collections_seed, demo_payments_seed
from apps.properties.demo import demo_ledger_seed
from apps.services.demo import optout_demo_seed, quality_demo_seed, services_demo_seed, temperature_demo_seed
from tenants.branding import branding_demo_seed
from tenants.directory import company_context
from tenants.models import HeatingCompany, MiniProgramAccount
from tenants.services import operator_create, platform_ensure, tenant_register
from tenants.signals import Registration
from tenants.spares import spare_pool_fill
from tenants.stats import tenant_stats_refresh

OPERATOR = ("operator", "operator-demo-2026")
DEMO = Registration(
    company_name="暖云演示热力公司", slug="demo", contact_name="王经理", contact_phone="13800138000",
    admin_username="admin", admin_password="demo-admin-2026",
)
DEMO_STAFF = [  # (username, password, role)
    (DEMO.admin_username, DEMO.admin_password, Role.TENANT_ADMIN),
    ("collector", "demo-collector-2026", Role.COLLECTOR),
    ("technician", "demo-technician-2026", Role.TECHNICIAN),
    ("finance", "demo-finance-2026", Role.FINANCE),
]
DEMO_APP_ID = "wxd3e0c0ffee000001"  # sandbox mini-program AppID for the demo company


class Command(BaseCommand):
    help = "Seed the platform row, a demo operator and the `demo` heating company with its ledger and staff."

    def add_arguments(self, parser):
        parser.add_argument("--port", default=None,
                            help="the port the banner names (default: the dev server's, from RUN_ADDR)")

    def handle(self, *args, port, **options):
        port = port or getattr(settings, "DEV_SERVER_PORT", 8000)
        platform_ensure(domain=settings.PLATFORM_DOMAIN)
        if not User.objects.filter(username=OPERATOR[0]).exists():
            operator_create(username=OPERATOR[0], password=OPERATOR[1])
        made = spare_pool_fill(target=settings.SPARE_SCHEMA_POOL_SIZE)
        if made:
            self.stdout.write(f"prepared {made} spare schema(s) for fast onboarding")
        demo = HeatingCompany.objects.filter(slug=DEMO.slug).first() or tenant_register(registration=DEMO)
        MiniProgramAccount.objects.get_or_create(tenant=demo, defaults={"app_id": DEMO_APP_ID,
                                                                       "app_secret": "sandbox-secret"})
        branding_demo_seed(tenant=demo)  # complete mini-program branding + sandbox Open Platform authorization
        if demo_payments_seed(tenant=demo, app_id=DEMO_APP_ID):
            self.stdout.write("registered the demo's WeChat Pay and Alipay merchants at the sandbox gateways")
        if demo_invoices_seed(tenant=demo):
            self.stdout.write("turned on e-invoices for the demo at the sandbox Nuonuo cloud")
        with company_context(demo):
            for username, password, role in DEMO_STAFF:
                if not User.objects.filter(username=username).exists():
                    staff_create(username=username, password=password, role=role)
            houses = demo_ledger_seed()
            bills = demo_billing_seed()
            payments = demo_collections_seed(collector=User.objects.get(username="collector"))
            # Resident services: ticket categories with SLAs, Beijing's room-temperature rule, and next season
            # as a draft (its tariffs copied) so residents can apply for 报停 and staff can bill-run it.
            services_demo_seed()
            quality_demo_seed()
            optout_demo_seed()
            temperature_demo_seed(app_id=DEMO_APP_ID)  # the demo resident's cold-home report of 12 days ago
            # Templates with sandbox WeChat ids, the knowledge base, two announcements, and the demo resident's
            # grants for the payment receipt and reminder (so paying in the mini-program shows a receipt).
            messaging = messaging_demo_seed(tenant=demo)
            # The operator console reads a summary the beat refreshes every few minutes: fill it now, so a
            # new user's first look at the companies table shows the demo's figures.
            tenant_stats_refresh()
        if houses or bills:
            self.stdout.write(f"seeded {houses} demo houses and {bills} bills")
        if payments:
            self.stdout.write(f"seeded {payments} counter payments over the last 30 days")
        if messaging:
            self.stdout.write("seeded messaging: templates, knowledge base, announcements, the demo resident's grants "
                              "and 12 neighbours in arrears (sandbox:demo-neighbour-01..12)")
        host = settings.PLATFORM_DOMAIN
        staff_lines = "\n".join(f"                {u} / {p}  ({role.label})" for u, p, role in DEMO_STAFF)
        self.stdout.write(self.style.SUCCESS(f"""
HeatCloud is running:
  Consoles    staff: http://demo.{host}:{port}/console/   operators: http://{host}:{port}/console/
  Platform    http://{host}:{port}/graphql/   admin: http://{host}:{port}/admin/
              operator: {OPERATOR[0]} / {OPERATOR[1]}
  Demo tenant http://demo.{host}:{port}/graphql/   admin: http://demo.{host}:{port}/admin/
              staff (staffLogin):
{staff_lines}
              resident: wechatLogin(code: "sandbox:demo-resident"), then
                        bindHouse(accountNo: "H10001", ownerName: "王建国")
  Scripts that cannot resolve *.localhost: call http://127.0.0.1:{port}/… with a Host header.
Press Ctrl-C to stop everything.
"""))
