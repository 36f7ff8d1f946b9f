"""What payments tells invoices, as small calls from its success paths.

Each call registers an after-commit callback (never work inside the payment's transaction) that costs one cheap
query when invoicing is off: no InvoiceSettings row, or `enabled=False`, means nothing happens at all.
"""

from __future__ import annotations

from django.db import connection, transaction


def _queue(task, *args) -> None:
    task.apply_async(args, headers={"_schema_name": connection.schema_name})


def payment_settled(order_id: int) -> None:
    """An order was paid (online settlement or a counter payment): under policy AUTOMATIC, request its invoice."""
    schema = connection.schema_name

    def after() -> None:
        from .models import InvoiceSettings
        from .tasks import auto_request

        if connection.schema_name != schema:  # pragma: no cover - the callback runs in the committing request
            return
        if InvoiceSettings.objects.filter(pk=1, enabled=True, policy=InvoiceSettings.Policy.AUTOMATIC).exists():
            _queue(auto_request, order_id)

    transaction.on_commit(after)


def refund_succeeded(refund_id: int, order_id: int) -> None:
    """A refund succeeded: if the order has a blue invoice, answer it with a red reversal (or net it out)."""
    schema = connection.schema_name

    def after() -> None:
        from .models import Invoice, InvoiceSettings
        from .tasks import red_for_refund_task

        if connection.schema_name != schema:  # pragma: no cover
            return
        if InvoiceSettings.objects.filter(pk=1, enabled=True).exists() and \
                Invoice.objects.filter(order_id=order_id, kind=Invoice.Kind.BLUE).exists():
            _queue(red_for_refund_task, refund_id)

    transaction.on_commit(after)
