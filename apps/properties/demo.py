"""Demo ledger for `make run`: two communities, a few hundred houses."""

from __future__ import annotations

import random
from decimal import Decimal

from heat_platform.crypto import blind_index

from .models import Building, Community, House, Unit

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"


def demo_ledger_seed() -> int:
    """Idempotent: does nothing when the ledger already has houses. Returns houses created.
    Account numbers: 幸福里 H10001…, 阳光花园 H20001…; the first house of each
    community has a fixed owner for the README walk-through."""
    if House.objects.exists():
        return 0
    rng = random.Random(2026)  # noqa: S311  (demo data, not security)
    houses = []
    for c_index, (name, address) in enumerate([("幸福里小区", "建设路 88 号"), ("阳光花园", "解放大街 12 号")], 1):
        community = Community.objects.create(name=name, address=address)
        seq = 0
        for b in range(1, 6):
            building = Building.objects.create(community=community, name=f"{b}号楼")
            for u in range(1, 3):
                unit = Unit.objects.create(building=building, name=f"{u}单元")
                for floor in range(1, 7):
                    for door in (1, 2):
                        seq += 1
                        owner = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
                        phone = f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"
                        area = Decimal(rng.randint(5500, 14000)) / 100
                        houses.append(House(
                            account_no=f"H{c_index}{seq:04d}", community=community, building=building, unit=unit,
                            room=f"{floor}0{door}", building_area=area,
                            usable_area=(area * Decimal("0.78")).quantize(Decimal("0.01")),
                            owner_name=owner, owner_phone=phone,
                            owner_phone_index=blind_index(phone, purpose="phone"),
                            low_income=House.LowIncome.DIBAO if seq % 37 == 0 else House.LowIncome.NONE,
                            heating_status=(House.HeatingStatus.OPTED_OUT if seq % 23 == 0
                                            else House.HeatingStatus.NORMAL),
                            meter_no=f"M{c_index}{seq:05d}" if seq % 10 == 0 else "",
                        ))
    houses[0].owner_name, houses[0].owner_phone = "王建国", "13800138000"
    houses[0].owner_phone_index = blind_index("13800138000", purpose="phone")
    House.objects.bulk_create(houses, batch_size=500)
    return len(houses)
