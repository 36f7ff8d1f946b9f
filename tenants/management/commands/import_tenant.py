from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenants.archive import tenant_import
from tenants.management.archive_passphrase import ENV, passphrase_from


class Command(BaseCommand):
    help = ("Restore a company archive (export_tenant) as a new company in a schema that does not exist yet. "
            "This installation must be at the archive's migration state. All or nothing.")

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--slug", help="the new company's slug (default: the archive's)")
        parser.add_argument("--passphrase-file", help=f"read the passphrase from this file (or set {ENV})")

    def handle(self, *args, path, slug=None, passphrase_file=None, **options):
        with open(path, "rb") as fh:
            encrypted = fh.read(21) == b"age-encryption.org/v1"
        passphrase = passphrase_from(passphrase_file, confirm=False) if encrypted else None
        try:
            result = tenant_import(path=path, slug=slug, passphrase=passphrase, actor_username="manage.py",
                                   progress=lambda m: self.stdout.write(m) if options["verbosity"] > 1 else None)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        for domain in result.skipped_domains:
            self.stdout.write(f"custom domain {domain} is taken here: left out")
        self.stdout.write(f"imported {result.tenant.slug} ({result.tenant.schema_name}): {result.rows} rows, "
                          f"{result.media} media file(s), {result.seconds:.2f} s")
