"""The sandbox cloud's clock: with `seconds_per_step` set (the demo app), an order moves on by itself, as Nuonuo's
invoices finish without being asked; each run moves what is due and comes back while steps remain (never in eager
mode, where a countdown would not wait)."""

from __future__ import annotations

from celery import shared_task

from tenants.directory import public_context


@shared_task(name="invoices_sandbox.advance_order", bind=True)
def advance_order(self, order_pk: int) -> None:
    from .cloud import advance_due
    from .models import NuonuoOrder

    if advance_due(order_pk) and not self.request.is_eager:
        with public_context():
            order = NuonuoOrder.objects.select_related("app").filter(pk=order_pk).first()
            seconds = int(order.app.knobs.get("seconds_per_step") or 0) if order else 0
        if seconds:
            advance_order.apply_async((order_pk,), countdown=seconds)
