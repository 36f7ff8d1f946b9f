"""Database ids from GraphQL `ID` arguments: every integer id goes through to_pk.

A malformed id becomes -1, which matches no row: callers then answer with the
same "not found" as for a missing or foreign object. Only ASCII digits count:
`str.isdigit()` alone accepts "²", "①" or "١", which int() then rejects or
reads as another number."""

from __future__ import annotations

NO_MATCH = -1


def to_pk(value) -> int:
    text = str(value).strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else NO_MATCH


def to_optional_pk(value) -> int | None:
    """For filters: None when the argument is absent."""
    return None if value in (None, "") else to_pk(value)
