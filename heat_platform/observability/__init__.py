"""Observability: JSON log lines (one per request and per Celery task), Prometheus metrics and optional
Sentry, all without secrets or personal data (deploy/README.md, "Observability").

- `logs`: the JSON formatter and the per-request log line + request metrics (middleware).
- `metrics`: every metric we export, the token-protected `/metrics` view and the worker's metrics port.
- `celery_signals`: the per-task log line, task metrics and the request id carried into tasks.
- `sentry`: Sentry options and the event scrubber."""
