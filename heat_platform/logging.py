"""Every log line carries the request id and the tenant schema."""

import contextvars
import logging

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        from django.db import connection

        record.request_id = request_id_var.get()
        if "tenant" not in record.__dict__:  # a record may name its tenant (a task's line, see celery_signals)
            record.tenant = getattr(connection, "schema_name", "-")
        return True
