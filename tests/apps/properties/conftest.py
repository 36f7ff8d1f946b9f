import pytest
from django_tenants.utils import schema_context

from tests.factories.properties import BuildingFactory, HouseFactory


@pytest.fixture
def ledger(alpha):
    """Two communities in alpha, three houses each; one opted out."""
    with schema_context(alpha.schema):
        b1, b2 = BuildingFactory(community__name="幸福里"), BuildingFactory(community__name="阳光花园")
        houses = [HouseFactory(building=b1, account_no=f"A{i}") for i in range(3)]
        houses += [HouseFactory(building=b2, account_no=f"B{i}", owner_name="李四") for i in range(3)]
        houses[1].heating_status = "opted_out"
        houses[1].save(update_fields=["heating_status"])
        return houses
