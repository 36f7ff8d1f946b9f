from django.db.models import QuerySet

MAX_PAGE = 100


def page(qs: QuerySet, *, first: int, offset: int) -> dict:
    """Limit/offset page with a hard maximum: {total_count, items}."""
    first, offset = max(0, min(first or 0, MAX_PAGE)), max(0, offset or 0)
    return {"total_count": qs.count(), "items": list(qs[offset:offset + first])}
