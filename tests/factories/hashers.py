"""The production password hasher at argon2's lowest cost, for tests (tests/conftest.py puts it first).

Argon2idHasher's OWASP parameters (19 MiB, t=2) cost 25-150 ms per hash on a 2-core machine, and the suite
hashes thousands of passwords (every staff member a test creates, every login): minutes of `make test`. This is
the same class and code path (argon2id, "argon2$…" hashes, Django's check/upgrade logic); only the work
factors differ, and no test measures them."""

from __future__ import annotations

from apps.accounts.hashers import Argon2idHasher


class QuickArgon2idHasher(Argon2idHasher):
    time_cost = 1
    memory_cost = 64  # KiB; argon2 accepts down to 8 per lane
    parallelism = 1
