import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenants.services import operator_create


class Command(BaseCommand):
    help = "Create a platform operator (public schema)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        password = getpass.getpass("Password: ")
        try:
            operator_create(username=username, password=password)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"operator {username} created")
