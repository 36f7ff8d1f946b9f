"""python manage.py unlock_login [--schema <schema>] [--ip <client ip>] <username>

Clears an account's login throttle: its per-account slowdown and its
per-(account, IP) counters for every client; with --ip also that client IP's
own limit. Staff live in their company's schema, operators in `public` (the
default). Audited as the system."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import get_public_schema_name

from apps.accounts.services import login_unlock_by_username
from tenants.directory import company_context, public_context
from tenants.models import HeatingCompany


class Command(BaseCommand):
    help = "Clear the login throttle of a staff account (--schema <company schema>) or an operator (default)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--schema", default=get_public_schema_name(),
                            help="the company's schema for staff (default: public, for operators)")
        parser.add_argument("--ip", default=None, help="also clear this client IP's own limit")

    def handle(self, *args, username, schema, ip, **options):
        if schema == get_public_schema_name():
            context = public_context()
        else:  # the directory says which cluster holds the company's schema
            company = HeatingCompany.objects.filter(schema_name=schema).first()
            if company is None:
                raise CommandError(f"no such schema: {schema}")
            context = company_context(company)
        with context:
            try:
                user = login_unlock_by_username(username=username, ip=ip)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"login throttle cleared for {user.username} in {schema}")
