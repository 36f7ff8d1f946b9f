"""Query-count checks as Saleor's benchmarks do them: the same request over one
row and over many must cost the same number of queries. A ceiling above
today's count would let an N+1 through; a before/after comparison cannot."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import TypeVar

from django.db import connection
from django.test.utils import CaptureQueriesContext

T = TypeVar("T")


def counted(fn: Callable[[], T]) -> tuple[int, T]:
    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    return len(ctx.captured_queries), result


def assert_same_queries(one: Callable[[], T], many: Callable[[], T]) -> tuple[T, T]:
    """Run `one` (a request over a single row) then `many` (the same request over
    several rows); fail, listing the extra statements, unless both cost the same."""
    with CaptureQueriesContext(connection) as a:
        first = one()
    with CaptureQueriesContext(connection) as b:
        second = many()
    if len(a.captured_queries) != len(b.captured_queries):
        extra = _shapes(b.captured_queries) - _shapes(a.captured_queries)
        raise AssertionError(f"{len(a.captured_queries)} queries for one row, {len(b.captured_queries)} for many; "
                             f"repeated in the larger run: {[sql[:160] for sql in extra.elements()][:5]}")
    return first, second


def assert_same_queries_grown(request: Callable[[], T], grow: Callable[[], object]) -> tuple[T, T]:
    """The same `request` before and after `grow()` adds rows (not counted): same cost."""
    with CaptureQueriesContext(connection) as a:
        first = request()
    grow()
    with CaptureQueriesContext(connection) as b:
        second = request()
    if len(a.captured_queries) != len(b.captured_queries):
        extra = _shapes(b.captured_queries) - _shapes(a.captured_queries)
        raise AssertionError(f"{len(a.captured_queries)} queries for one row, {len(b.captured_queries)} for many; "
                             f"repeated in the larger run: {[sql[:160] for sql in extra.elements()][:5]}")
    return first, second


def _shapes(queries: list[dict]) -> Counter:
    """Statements with their literal values blanked, counted."""
    blanked = (re.sub(r"\b\d+\b|'[^']*'", "?", q["sql"]) for q in queries)
    return Counter(re.sub(r"\(\?(, \?)*\)", "(?)", sql) for sql in blanked)  # IN lists of any length
