"""Re-encrypt every encrypted field under the newest key and recompute blind
indexes, in the public schema and every company's schema.

Every value is rewritten in the current format (AES-256-GCM, see
heat_platform/crypto.py) under the first key of FIELD_ENCRYPTION_KEYS,
whether it was a Fernet token of the earlier format or a value under an older
key. Rotation: put the new key first in FIELD_ENCRYPTION_KEYS (keep the old
ones after it), deploy, run this command, then drop the old keys. To rotate
BLIND_INDEX_KEY, deploy the new key and run this command: indexes are
recomputed from the decrypted values. A value that does not decrypt stops
the command with an error (nothing is skipped silently)."""

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django_tenants.utils import get_tenant_model

from heat_platform.crypto import EncryptedTextField, blind_index
from tenants.directory import schema_company_context

BATCH = 1000


def _encrypted_models(*, public: bool):
    """Models with encrypted fields whose tables live in this kind of schema."""
    wanted = set(settings.SHARED_APPS if public else settings.TENANT_APPS)
    for model in apps.get_models():
        fields = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if fields and model._meta.app_config.name in wanted:
            yield model, fields


def rotate_schema(schema_name: str) -> int:
    rows = 0
    with schema_company_context(schema_name):  # on the cluster holding it
        for model, fields in _encrypted_models(public=schema_name == "public"):
            indexes = getattr(model, "BLIND_INDEXES", {})
            update_fields = fields + [idx for f, (idx, _p) in indexes.items() if f in fields]
            batch = []
            for obj in model.objects.only("pk", *update_fields).iterator(chunk_size=BATCH):
                for field, (index_field, purpose) in indexes.items():
                    value = getattr(obj, field)
                    setattr(obj, index_field, blind_index(value, purpose=purpose) if value else "")
                batch.append(obj)  # saving re-encrypts each field with the newest key
                if len(batch) >= BATCH:
                    with transaction.atomic():
                        model.objects.bulk_update(batch, update_fields)
                    rows += len(batch)
                    batch = []
            if batch:
                with transaction.atomic():
                    model.objects.bulk_update(batch, update_fields)
                rows += len(batch)
    return rows


class Command(BaseCommand):
    help = "Re-encrypt encrypted fields under the newest FIELD_ENCRYPTION_KEYS key and recompute blind indexes."

    def handle(self, *args, **options):
        connection.set_schema_to_public()
        schemas = list(get_tenant_model().objects.values_list("schema_name", flat=True))
        for i, schema in enumerate(schemas, 1):
            rows = rotate_schema(schema)
            self.stdout.write(f"[{i}/{len(schemas)}] {schema}: {rows} row(s) re-encrypted")
