from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenants.archive import tenant_export
from tenants.management.archive_passphrase import ENV, passphrase_from


class Command(BaseCommand):
    help = ("Write one company's complete archive (every table of its schema, its public rows, its media, "
            "a manifest with counts and checksums). Encrypted with a passphrase unless --unencrypted: "
            "it holds phone and ID numbers and payment keys in clear.")

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("path", help="archive file to write, e.g. demo.heatcloud.tar.gz.age")
        parser.add_argument("--passphrase-file", help=f"read the passphrase from this file (or set {ENV})")
        parser.add_argument("--unencrypted", action="store_true",
                            help="write a plain tar.gz (only onto an encrypted volume you control)")

    def handle(self, *args, slug, path, passphrase_file=None, unencrypted=False, **options):
        passphrase = None if unencrypted else passphrase_from(passphrase_file, confirm=True)
        if passphrase is None and not unencrypted:
            raise CommandError(f"give a passphrase (--passphrase-file, {ENV} or a terminal) or --unencrypted")
        try:
            result = tenant_export(slug=slug, path=path, passphrase=passphrase,
                                   progress=lambda m: self.stdout.write(m) if options["verbosity"] > 1 else None)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        m = result.manifest
        rows = sum(t["rows"] for t in m["tables"])
        self.stdout.write(
            f"{result.path}: {len(m['tables'])} tables, {rows} rows, {len(m['media'])} media file(s), "
            f"{result.size} bytes{', encrypted (age)' if result.encrypted else ', NOT encrypted'}, "
            f"{result.seconds:.2f} s")
