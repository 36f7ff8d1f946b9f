from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.residents.erasure import resident_erase
from apps.residents.models import Resident
from apps.residents.phones import normalize_mobile, phone_index
from tenants.directory import company_context
from tenants.models import HeatingCompany


class Command(BaseCommand):
    help = ("Delete a resident's account on their request made by phone or in person (what deleteMyAccount "
            "does in the app): identity and bindings erased, payments kept under an anonymous id. Audited.")

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the company")
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--phone", help="the phone the resident bound")
        who.add_argument("--id", type=int, help="the resident's id")
        parser.add_argument("--reason", required=True, help="e.g. the request's ticket number")

    def handle(self, *args, slug, phone=None, id=None, reason, **options):
        tenant = HeatingCompany.objects.exclude(schema_name="public").filter(slug=slug).first()
        if tenant is None:
            raise CommandError(f"no company {slug}")
        with company_context(tenant):
            if phone is not None:
                normalized = normalize_mobile(phone)
                if normalized is None:
                    raise CommandError("not a mainland mobile number")
                ids = list(Resident.objects.filter(phone_index=phone_index(normalized), erased_at__isnull=True)
                           .values_list("pk", flat=True))
            else:
                ids = [id]
            if not ids:
                raise CommandError("no resident with that phone")
            try:
                for resident_id in ids:
                    resident_erase(resident_id=resident_id, actor=None, ip=None, reason=reason)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"erased {len(ids)} resident(s) of {slug}: " + ", ".join(f"resident#{i}" for i in ids))
