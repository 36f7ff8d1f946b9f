"""Communities, buildings, units and houses (run inside a tenant's schema).
Phone and ID numbers get their blind indexes as the importer writes them."""

from decimal import Decimal

import factory

from apps.properties.models import Building, Community, House, Unit
from heat_platform.crypto import blind_index


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    name = factory.Sequence(lambda n: f"小区{n}")


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"{n}号楼")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    building = factory.SubFactory(BuildingFactory)
    name = "1单元"


class HouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = House

    account_no = factory.Sequence(lambda n: f"T{n:06d}")
    building = factory.SubFactory(BuildingFactory)
    community = factory.SelfAttribute("building.community")
    unit = None
    room = factory.Sequence(lambda n: f"{100 + n}")
    building_area = Decimal("89.50")
    usable_area = Decimal("70.10")
    owner_name = "王建国"
    owner_phone = factory.Sequence(lambda n: f"139{n:08d}")
    owner_phone_index = factory.LazyAttribute(lambda o: blind_index(o.owner_phone, purpose="phone"))
    owner_id_no = "110101199003071234"
    owner_id_no_index = factory.LazyAttribute(lambda o: blind_index(o.owner_id_no, purpose="id_no"))
