"""Celery tasks of messaging: urgent messages are pushed right after the commit that created them; the beat
pushes whatever else is due in every company every minute (one company's trouble never stops the others)."""

from __future__ import annotations

from celery import shared_task

from apps.services.tasks import for_each_tenant


@shared_task(name="messaging.dispatch_message")
def dispatch_message_task(message_id: int) -> None:
    """Queued after commit, in the company's schema (heat_platform.kernel.tasks.enqueue_on_commit)."""
    from .outbox import dispatch_message

    dispatch_message(message_id)


@shared_task(name="messaging.dispatch_due")
def dispatch_due_task() -> int:
    from .outbox import dispatch_due

    return dispatch_due()


def _sweep() -> int:
    from .outbox import dispatch_due, release_stale

    release_stale()
    return dispatch_due(limit=5000)


@shared_task(name="messaging.dispatch_all_tenants")
def dispatch_all_tenants() -> dict:
    """Beat, every minute: claims abandoned by a dead worker become UNCERTAIN, then due messages are pushed."""
    return for_each_tenant("messaging dispatch", _sweep)
