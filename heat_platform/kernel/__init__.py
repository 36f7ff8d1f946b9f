"""The shared kernel: plumbing every layer needs and no domain owns.

`actors` (who is calling, client IP), `errors` (typed field errors), `rest`
(the DRF base view), `tasks` (queue a tenant task after commit), `locks`
(advisory locks keyed by company and object), `jobs` (long Celery jobs: one
worker at a time, heartbeats, taking over a dead worker's job). Domain apps
and the GraphQL layer import the kernel; the kernel imports no domain app at
module level and never the GraphQL layer (tests/heat_platform/test_layers.py
keeps it so)."""
