"""`migrate` is `migrate_schemas` (public, every tenant, every spare)."""

from .migrate_schemas import Command  # noqa: F401
