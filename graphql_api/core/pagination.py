from django.db.models import QuerySet

MAX_PAGE = 100


def page(qs: QuerySet, *, first: int | None, offset: int | None, default: int = 50) -> dict:
    """Limit/offset page with a hard maximum: {total_count, items}. An explicit
    null `first` means the default page size."""
    first = default if first is None else first
    first, offset = max(0, min(first, MAX_PAGE)), max(0, offset or 0)
    return {"total_count": qs.count(), "items": list(qs[offset:offset + first])}
