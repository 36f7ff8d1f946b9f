"""Encrypted fields: ciphertext at rest, key rotation re-encrypts, blind
indexes follow a new index key."""

import io

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django_tenants.utils import schema_context

from apps.properties.models import House
from apps.properties.selectors import house_list
from heat_platform.crypto import blind_index
from tests.apps.properties.factories import HouseFactory

OLD = "dGVzdC1vbmx5LWZpZWxkLWtleS0wMDAwMDAwMDAwMDA="


def _raw(schema, pk):
    with connection.cursor() as cur:
        cur.execute(f'SELECT owner_phone, owner_phone_index FROM "{schema}".properties_house WHERE id = %s', [pk])
        return cur.fetchone()


def test_rotation_reencrypts_with_the_new_key_and_rebuilds_indexes(alpha, beta):
    with schema_context(alpha.schema):
        a = HouseFactory(owner_phone="13900000001")
    with schema_context(beta.schema):
        b = HouseFactory(owner_phone="13900000002")
    new_key = Fernet.generate_key().decode()
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key, OLD], BLIND_INDEX_KEY="a-brand-new-index-key"):
        call_command("rotate_field_keys", stdout=io.StringIO())
        for schema, house, phone in ((alpha.schema, a, "13900000001"), (beta.schema, b, "13900000002")):
            token, index = _raw(schema, house.pk)
            assert Fernet(new_key.encode()).decrypt(token.encode()).decode() == phone
            with pytest.raises(InvalidToken):
                Fernet(OLD.encode()).decrypt(token.encode())
            assert index == blind_index(phone, purpose="phone")
        with schema_context(alpha.schema):
            assert [h.account_no for h in house_list(search="13900000001")] == [a.account_no]
    # and the old key alone can no longer read the rotated value
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD]), schema_context(alpha.schema):
        with pytest.raises(Exception, match="key no longer configured"):
            House.objects.get(pk=a.pk).owner_phone  # noqa: B018


def test_blind_index_is_keyed():
    assert blind_index("13800138000", purpose="phone") != blind_index("13800138000", purpose="id_no")
    with override_settings(BLIND_INDEX_KEY="other"):
        other = blind_index("13800138000", purpose="phone")
    assert other != blind_index("13800138000", purpose="phone")
