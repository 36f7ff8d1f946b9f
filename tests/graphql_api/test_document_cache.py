"""The validated-document cache of /graphql/ (graphql_api/core/views.py DOCUMENTS): a document the apps send
again is not parsed or validated again, while everything that depends on the request (operation, variables,
the caller's permissions and cost budget, bad string literals) is still checked every time."""

from __future__ import annotations

import pytest

from graphql_api import tenant_schema
from graphql_api.core import views
from graphql_api.core.views import DOCUMENTS, prepare
from heat_platform.kernel.actors import Actor

RESIDENT = Actor(kind="resident", resident=object())
ANONYMOUS = Actor(kind="anonymous")
MY_BILLS = "query MyBills($seasonId: ID) { myBills(seasonId: $seasonId) { id amountDue { totalFen } } }"


@pytest.fixture
def parses(monkeypatch):
    """How many times the view parsed a document (the real parser, counted)."""
    DOCUMENTS.clear()
    calls = []
    real = views.parse

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(views, "parse", counting)
    yield calls
    DOCUMENTS.clear()


def _prepare(actor: Actor, query: str, variables: dict | None = None, method: str = "POST"):
    return prepare(tenant_schema.schema, actor, method=method, query=query, variables=variables,
                   operation_name=None)


def _codes(result) -> list[str]:
    assert isinstance(result, list), "expected a refusal"
    return [e.extensions.get("code") for e in result]


def test_the_same_document_is_parsed_once(parses, db):
    first = _prepare(RESIDENT, MY_BILLS, {"seasonId": "1"})
    second = _prepare(RESIDENT, MY_BILLS, {"seasonId": "2"})
    assert not isinstance(first, list) and second is first
    assert parses == [MY_BILLS]
    _prepare(RESIDENT, MY_BILLS + " ")  # another text is another document
    assert len(parses) == 2


def test_variables_are_still_coerced_on_every_request(parses, db):
    assert not isinstance(_prepare(RESIDENT, MY_BILLS, {"seasonId": "1"}), list)
    assert _codes(_prepare(RESIDENT, MY_BILLS, {"seasonId": {"not": "an id"}})) == ["BAD_USER_INPUT"]
    assert _codes(_prepare(RESIDENT, MY_BILLS, {"seasonId": "1\x00"})) == ["BAD_USER_INPUT"]
    assert len(parses) == 1


def test_budgets_and_introspection_follow_the_request_not_the_cache(parses, db):
    """The cost of the very same document follows its variables; introspection follows the caller."""
    greedy = ("query($n: Int) { myPayments(first: $n) { items { items { bill { lines { kind quantity unitPrice "
              "amountFen explanation } amountDue { totalFen lateFeeFen } house { accountNo address } } } } } }")
    assert not isinstance(_prepare(RESIDENT, greedy, {"n": 1}), list)
    assert _codes(_prepare(RESIDENT, greedy, {"n": 100})) == ["QUERY_TOO_COMPLEX"]
    schema_query = "{ __schema { types { name } } }"
    staff = Actor(kind="staff", user=type("U", (), {"role": "tenant_admin"})())
    assert not isinstance(_prepare(staff, schema_query), list)
    assert _codes(_prepare(ANONYMOUS, schema_query)) == ["INTROSPECTION_DISABLED"]
    assert _codes(_prepare(RESIDENT, schema_query)) == ["INTROSPECTION_DISABLED"]


def test_a_mutation_by_get_is_refused_after_it_was_cached(parses, db):
    mutation = 'mutation { wechatLogin(code: "sandbox:x") { token } }'
    assert not isinstance(_prepare(ANONYMOUS, mutation), list)
    with pytest.raises(views.RequestError):
        _prepare(ANONYMOUS, mutation, method="GET")


def test_refused_documents_are_not_kept(parses, db):
    bad_literal = 'mutation { wechatLogin(code: "a\\u0000b") { token } }'
    assert _codes(_prepare(ANONYMOUS, bad_literal)) == ["BAD_USER_INPUT"]
    assert _codes(_prepare(ANONYMOUS, bad_literal)) == ["BAD_USER_INPUT"]
    invalid = "{ myBills { nope } }"
    assert _codes(_prepare(RESIDENT, invalid)) == ["GRAPHQL_VALIDATION_FAILED"]
    assert _codes(_prepare(RESIDENT, invalid)) == ["GRAPHQL_VALIDATION_FAILED"]
    assert len(parses) == 4


def test_the_cache_is_bounded(parses, db):
    for i in range(DOCUMENTS.size + 10):
        _prepare(RESIDENT, f"query Q{i} {{ myProfile {{ id }} }}")
    assert len(DOCUMENTS._items) == DOCUMENTS.size
    _prepare(RESIDENT, "query Q0 { myProfile { id } }")  # the oldest went first
    assert len(parses) == DOCUMENTS.size + 11


def test_large_documents_are_not_kept(parses, db):
    """Anyone may send up to the byte limit: padded documents (comments count as neither tokens nor selections)
    are validated each time rather than pinning their text in every process."""
    from graphql_api.core.views import CACHED_DOCUMENT_MAX_CHARS

    padded = "{ __typename }\n" + "#" + "x" * CACHED_DOCUMENT_MAX_CHARS
    assert not isinstance(_prepare(ANONYMOUS, padded), list)
    assert not isinstance(_prepare(ANONYMOUS, padded), list)
    assert len(parses) == 2 and len(DOCUMENTS._items) == 0
    small = "{ __typename }\n#" + "x" * 100
    _prepare(ANONYMOUS, small)
    _prepare(ANONYMOUS, small)
    assert len(parses) == 3 and len(DOCUMENTS._items) == 1
