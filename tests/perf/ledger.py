"""The 100,000-house company the benchmarks share: its ledger built in SQL and a season with the plans the
bill-run benchmark exercises."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from apps.tariffs.models import Season, TariffPlan

HOUSES = 100_000
COMMUNITIES = 20
BUILDINGS = 1_000

LEDGER_SQL = """
INSERT INTO properties_community (name, address)
SELECT '社区' || c, '' FROM generate_series(1, %(communities)s) c;

INSERT INTO properties_building (community_id, name)
SELECT (SELECT id FROM properties_community WHERE name = '社区' || (1 + b %% %(communities)s)), b || '号楼'
FROM generate_series(1, %(buildings)s) b;

INSERT INTO properties_house (account_no, community_id, building_id, room, building_area, usable_area, category,
    low_income, meter_no, heating_status, owner_name, owner_phone, owner_phone_index, owner_id_no,
    owner_id_no_index, created_at, updated_at)
SELECT 'H' || lpad(i::text, 7, '0'), b.community_id, b.id, (100 + i %% 100)::text,
       a.area, round(a.area * 0.8, 2),
       CASE WHEN i %% 100 BETWEEN 10 AND 17 THEN 'non_residential' ELSE 'residential' END,
       CASE WHEN i %% 100 BETWEEN 5 AND 7 THEN 'dibao' ELSE 'none' END,
       CASE WHEN i %% 100 BETWEEN 20 AND 31 THEN 'HM' || i ELSE '' END,
       CASE WHEN i %% 100 BETWEEN 0 AND 3 THEN 'opted_out' WHEN i %% 100 = 4 THEN 'disconnected'
            ELSE 'normal' END,
       '住户' || i, '', '', '', '', now(), now()
FROM generate_series(1, %(houses)s) i
CROSS JOIN LATERAL (SELECT 50 + ((i * 7919) %% 9000) / 100.0 AS area) a
JOIN properties_building b ON b.name = (1 + i %% %(buildings)s) || '号楼';

INSERT INTO properties_heatingstatuschange (house_id, from_status, to_status, reason, effective_date, changed_by,
    created_at)
SELECT h.id, c.frm, c.too, '报停/恢复', c.day, 'bench', now()
FROM properties_house h
CROSS JOIN (VALUES ('normal', 'opted_out', %(stop_on)s::date), ('opted_out', 'normal', %(resume_on)s::date))
     c(frm, too, day)
WHERE substring(h.account_no, 2)::int %% 100 = 40;

INSERT INTO billing_housecredit (house_id, season_id, amount_fen, refundable, created_at, updated_at, source,
                                 explanation)
SELECT h.id, %(earlier)s, 12345, false, now(), now(), 'true_up', ''
FROM properties_house h
WHERE substring(h.account_no, 2)::int %% 200 = 50;
"""


READINGS_SQL = """
INSERT INTO billing_meterreading (house_id, season_id, kind, value, read_on, reader, created_at)
SELECT h.id, %(season)s, k.kind, CASE k.kind WHEN 'start' THEN 1000 ELSE 1000 + h.building_area * 0.4 END,
       %(read_on)s, '抄表员', now()
FROM properties_house h
CROSS JOIN (VALUES ('start'), ('end')) k(kind)
WHERE h.meter_no <> '' AND (substring(h.account_no, 2)::int %% 100) BETWEEN 20 AND 29;
"""


def make_season(name: str, start: dt.date, end: dt.date) -> Season:
    season = Season.objects.create(name=name, heating_start=start, heating_end=end,
                                   payment_due=start + dt.timedelta(days=46),
                                   late_fee_start=start + dt.timedelta(days=47), status=Season.Status.OPEN)
    common = {"season": season, "opted_out_basic_pct": Decimal("30"), "low_income_mode": "percent",
              "low_income_pct": Decimal("50"), "late_fee_daily_permille": Decimal("2"),
              "early_discount_pct": Decimal("3"), "early_discount_until": start + dt.timedelta(days=15)}
    TariffPlan.objects.create(name="居民面积计费", category="residential", area_unit_price=Decimal("24"), **common)
    TariffPlan.objects.create(name="非居民面积计费", category="non_residential", area_unit_price=Decimal("45"),
                              **common)
    TariffPlan.objects.create(name="居民两部制计量", category="residential", pricing="two_part",
                              area_unit_price=Decimal("24"), basic_unit_price=Decimal("12"),
                              metered_unit_price=Decimal("44.45"), cap_mode="area_bill_plus", cap_pct=Decimal("10"),
                              **common)
    return season
