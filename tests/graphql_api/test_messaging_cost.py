"""Query cost of the expensive messaging fields (graphql_api/core/cost.py FIELD_COSTS): each is priced per use,
so aliasing one many times in a request costs what running it that many times does; every priced field exists
(a misspelt entry would price nothing); and the campaign input refuses an oversized community list."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import override_settings
from django_tenants.utils import schema_context
from graphql import parse

from apps.messaging.models import Campaign
from graphql_api import platform_schema, tenant_schema
from graphql_api.core.cost import FIELD_COSTS, Analysis
from tests.factories.messaging import PREVIEW, START, _vars, campaign_world


@pytest.fixture
def world(alpha):
    return campaign_world(alpha)


ALIASES = 30  # GRAPHQL_MAX_ALIASES (the analysis alone; a request also has at most 20 root fields)

EXPENSIVE = {
    "Query.campaignPreview": (
        "campaignPreview(input: {kind: PAYMENT_DUE, seasonId: 1}) { total }", 50),
    "Query.campaign": ('campaign(id: "1") { id }', 20),
    "Query.kbArticles": ("kbArticles(first: 1) { total }", 10),
    "Query.outboxMessages": ("outboxMessages(first: 1) { total }", 10),
    "Mutation.startCampaign": ("startCampaign(input: {kind: PAYMENT_DUE, seasonId: 1}) { errors { code } }", 100),
    "Mutation.syncWechatTemplates": ("syncWechatTemplates { errors { code } }", 100),
}


def _cost(document: str) -> int:
    doc = parse(document)
    schema = tenant_schema.schema.graphql_schema
    return Analysis(schema, doc, {}).operation(doc.definitions[0]).cost


@pytest.mark.parametrize("coordinate", sorted(EXPENSIVE))
def test_each_expensive_messaging_field_costs_its_price_per_alias(coordinate):
    field, price = EXPENSIVE[coordinate]
    operation = "mutation" if coordinate.startswith("Mutation.") else "query"
    one = _cost(f"{operation} {{ {field} }}")
    many = _cost(f"{operation} {{ " + " ".join(f"a{i}: {field}" for i in range(ALIASES)) + " }")
    assert one >= price and FIELD_COSTS[coordinate] == price
    assert many == ALIASES * one


def test_every_priced_field_exists():
    """A renamed field would silently lose its price."""
    types = {}
    for schema in (tenant_schema.schema, platform_schema.schema):
        for name, type_ in schema.graphql_schema.type_map.items():
            if hasattr(type_, "fields"):
                types.setdefault(name, set()).update(type_.fields)
    missing = [c for c in FIELD_COSTS if c.split(".")[1] not in types.get(c.split(".")[0], set())]
    assert missing == []


def test_aliased_previews_are_refused_by_the_staff_budget(client, gql, alpha, world, make_staff):
    token = make_staff(alpha, "finance")
    flood = PREVIEW.replace("campaignPreview(", "CAMPAIGN_PREVIEW(")
    head, body = flood.split("{", 1)
    selection = body.strip()[:-1]  # "CAMPAIGN_PREVIEW(input: …) { … }"
    roots = settings.GRAPHQL_MAX_ROOT_FIELDS  # as many as a request may have: only the cost can refuse it
    aliased = head + "{ " + " ".join(selection.replace("CAMPAIGN_PREVIEW(", f"a{i}: campaignPreview(")
                                     for i in range(roots)) + " }"
    with override_settings(GRAPHQL_COST_LIMITS={**settings.GRAPHQL_COST_LIMITS, "staff": 1000}):
        assert "errors" not in gql(alpha.host, PREVIEW, _vars(world), token=token)
        refused = gql(alpha.host, aliased, _vars(world), token=token)
    assert [e["extensions"]["code"] for e in refused["errors"]] == ["QUERY_TOO_COMPLEX"]
    assert refused["errors"][0]["extensions"]["actual"] >= roots * 50


def test_more_than_500_communities_are_refused_and_nothing_is_started(gql, alpha, world, make_staff):
    token = make_staff(alpha, "tenant_admin")
    many = [str(world.c1.pk)] * 501
    for query, name in ((PREVIEW, "campaignPreview"), (START, "startCampaign")):
        result = gql(alpha.host, query, _vars(world, communities=many), token=token)
        if name == "startCampaign":
            errors = result["data"][name]["errors"]
            assert [(e["field"], e["code"]) for e in errors] == [("communityIds", "INVALID_AUDIENCE")]
        else:
            extensions = result["errors"][0]["extensions"]
            assert (extensions["code"], extensions["reason"], extensions["field"]) == (
                "BAD_USER_INPUT", "INVALID_AUDIENCE", "communityIds"), result
    with schema_context(alpha.schema):
        assert not Campaign.objects.exists()
    # 500 (the same community repeated) is still accepted
    ok = gql(alpha.host, PREVIEW, _vars(world, communities=[str(world.c1.pk)] * 500), token=token)
    assert "errors" not in ok, ok
