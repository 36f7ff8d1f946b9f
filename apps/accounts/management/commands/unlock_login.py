"""python manage.py unlock_login [--schema <schema>] [--ip <client ip>] <username>

Clears an account's login throttle: its per-account slowdown and its
per-(account, IP) counters for every client; with --ip also that client IP's
own limit. Staff live in their company's schema, operators in `public` (the
default). Audited as the system."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import get_public_schema_name, schema_context, schema_exists

from apps.accounts.services import login_unlock_by_username


class Command(BaseCommand):
    help = "Clear the login throttle of a staff account (--schema <company schema>) or an operator (default)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--schema", default=get_public_schema_name(),
                            help="the company's schema for staff (default: public, for operators)")
        parser.add_argument("--ip", default=None, help="also clear this client IP's own limit")

    def handle(self, *args, username, schema, ip, **options):
        if not schema_exists(schema):
            raise CommandError(f"no such schema: {schema}")
        with schema_context(schema):
            try:
                user = login_unlock_by_username(username=username, ip=ip)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"login throttle cleared for {user.username} in {schema}")
