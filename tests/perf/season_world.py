"""The season-start world of bench_season_start: two companies (alpha: 100,000 houses, beta: 20,000), each
with its ledger built in SQL (tests/perf/ledger.py), one season billed by a real bill run and published
(open) ten days ago (the early-payment discount still runs, so "due now" is not the principal), residents
bound to houses, a mini-program (sandbox WeChat login) and a sandbox WeChat Pay merchant.

Residents are written in bulk; their openids are the sandbox login provider's for `sandbox:<name>`, so a
real `wechatLogin` with that code signs in the very resident bound to the house. Tokens for the rest are
minted with the project's own token code (apps/accounts/tokens.py), as wechatLogin would."""

from __future__ import annotations

import datetime as dt
import secrets
import time
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.accounts.tokens import token_issue, token_stamp
from apps.billing.runs import bill_run_start
from apps.residents.providers.sandbox import sandbox_openid
from tenants.models import HeatingCompany, MiniProgramAccount
from tests.factories.payments import add_wechat_account
from tests.factories.tenants import tenant_info

from .ledger import LEDGER_SQL, make_season

# slug -> (houses, buildings, communities, residents, mini-program AppID, WeChat Pay mchid)
COMPANIES = {
    "alpha": (100_000, 1_000, 20, 30_000, "wx5ea50000000000a1", "1900007001"),
    "beta": (20_000, 200, 5, 6_000, "wx5ea50000000000b2", "1900007002"),
}
SECOND_HOUSE_EVERY = 10  # one resident in ten has a second house (a parent's flat) bound as family

_BINDINGS_SQL = """
INSERT INTO properties_housebinding (house_id, resident_id, role, created_at)
SELECT h.id, r.id, 'owner', now()
FROM residents_resident r
JOIN properties_house h ON h.account_no = 'H' || lpad((substring(r.display_name, 2)::int * %(stride)s)::text, 7, '0');

INSERT INTO properties_housebinding (house_id, resident_id, role, created_at)
SELECT h.id, r.id, 'family', now()
FROM residents_resident r
JOIN properties_house h
  ON h.account_no = 'H' || lpad((substring(r.display_name, 2)::int * %(stride)s + 1)::text, 7, '0')
WHERE substring(r.display_name, 2)::int %% %(second)s = 0;
"""


@dataclass
class Company:
    slug: str
    host: str
    schema: str
    houses: int
    residents: int
    bills: int = 0
    bill_run_s: float = 0.0
    staff_token: str = ""
    staff_season_id: int = 0
    resident_ids: list[int] = field(default_factory=list)  # index i -> pk of resident "r<i+1>"
    first_bill: dict[int, int] = field(default_factory=dict)  # resident index -> a bill of their own house

    def resident_token(self, i: int) -> str:
        """A resident token as wechatLogin issues it (same claims, same key)."""
        return token_issue(schema=self.schema, subject=str(self.resident_ids[i]), kind="resident",
                           role="resident")[0]


def _residents(count: int, app_id: str) -> None:
    """`count` residents r1..rN (openid = the sandbox login's for code `sandbox:r<i>`), in the current schema."""
    now = timezone.now()
    rows = [(sandbox_openid(app_id, f"r{i}"), f"r{i}", now) for i in range(1, count + 1)]
    with connection.cursor() as cur:
        cur.executemany("INSERT INTO residents_resident (openid, unionid, alipay_user_id, display_name, phone, "
                        "phone_index, is_active, created_at) VALUES (%s, '', '', %s, '', '', true, %s)", rows)


def build(slug: str) -> Company:
    """One company's ledger, billed and published season, residents and payment set-up (committed)."""
    houses, buildings, communities, residents, app_id, mchid = COMPANIES[slug]
    info = tenant_info(slug)
    company = Company(slug=slug, host=info.host, schema=info.schema, houses=houses, residents=residents)
    tenant = HeatingCompany.objects.get(slug=slug)
    MiniProgramAccount.objects.update_or_create(tenant=tenant, defaults={"app_id": app_id,
                                                                         "app_secret": secrets.token_hex(16)})
    add_wechat_account(slug, mchid=mchid, appid=app_id)
    today = timezone.localdate()
    start = today - dt.timedelta(days=10)
    with schema_context(info.schema):
        earlier = make_season("last season", start - dt.timedelta(days=365), start - dt.timedelta(days=245))
        season = make_season("this season", start, start + dt.timedelta(days=120))
        with connection.cursor() as cur:
            cur.execute(LEDGER_SQL, {"communities": communities, "buildings": buildings, "houses": houses,
                                      "earlier": earlier.pk, "stop_on": start - dt.timedelta(days=30),
                                      "resume_on": start + dt.timedelta(days=60)})
            cur.execute("ANALYZE")
        admin = User.objects.get(username=info.admin)
        t0 = time.perf_counter()
        run = bill_run_start(season_id=season.pk, dry_run=False, actor=admin)
        company.bill_run_s = time.perf_counter() - t0
        run.refresh_from_db()
        assert run.status == "succeeded" and run.error_count == 0, run.errors[:3]
        company.bills = run.created
        _residents(residents, app_id)
        with connection.cursor() as cur:
            cur.execute(_BINDINGS_SQL, {"stride": houses // residents, "second": SECOND_HOUSE_EVERY})
            cur.execute("ANALYZE")
            cur.execute("SELECT id FROM residents_resident ORDER BY substring(display_name, 2)::int")
            company.resident_ids = [row[0] for row in cur.fetchall()]
        company.staff_token = token_issue(schema=info.schema, subject=str(admin.pk), kind="staff", role=admin.role,
                                          stamp=token_stamp(admin, schema=info.schema))[0]
        company.staff_season_id = season.pk
    connection.set_schema_to_public()
    return company
