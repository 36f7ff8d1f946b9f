"""Encrypted fields: AES-256-GCM at rest in a versioned format, values of the
earlier Fernet format still readable, rotation moves every value (Fernet or
an older key) to the newest key in every schema, blind indexes follow a new
index key, and a value that does not authenticate is an error, never text."""

import base64
import io

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django_tenants.utils import schema_context

from apps.properties.models import House
from apps.properties.selectors import house_list
from heat_platform.crypto import (
    VERSION_AES_GCM,
    FieldDecryptionError,
    blind_index,
    blind_index_many,
    decrypt,
    encrypt,
    encrypt_many,
    is_current,
    keyring,
    parse_key,
)
from tenants.models import HeatingCompany
from tests.factories.properties import HouseFactory

OLD = "dGVzdC1vbmx5LWZpZWxkLWtleS0wMDAwMDAwMDAwMDA="  # the test settings' key
NEW = Fernet.generate_key().decode()


def _raw(schema: str, pk: int) -> tuple[str, str]:
    with connection.cursor() as cur:
        cur.execute(f'SELECT owner_phone, owner_phone_index FROM "{schema}".properties_house WHERE id = %s', [pk])
        return cur.fetchone()


def _store(schema: str, pk: int, token: str) -> None:
    with connection.cursor() as cur:
        cur.execute(f'UPDATE "{schema}".properties_house SET owner_phone = %s WHERE id = %s', [token, pk])


def _fernet(value: str, key: str = OLD) -> str:
    """A value as the earlier format stored it."""
    return Fernet(key.encode()).encrypt(value.encode()).decode()


def _flip(token: str, position: int) -> str:
    data = bytearray(base64.urlsafe_b64decode(token))
    data[position] ^= 0x01
    return base64.urlsafe_b64encode(bytes(data)).decode()


# --- the cipher --------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["13800138000", "110105198001011234", "王建国 · 𠮷",
                                   "-----BEGIN PRIVATE KEY-----\n" + "A" * 1600 + "\n-----END PRIVATE KEY-----\n"])
def test_round_trip_in_the_versioned_aes_gcm_format(value):
    token = encrypt(value)
    data = base64.urlsafe_b64decode(token)
    assert data[0] == VERSION_AES_GCM and data[1:5] == keyring().newest.key_id
    assert len(data) == 1 + 4 + 12 + len(value.encode()) + 16  # header, nonce, ciphertext, tag
    assert value.encode() not in data
    assert decrypt(token) == value
    assert encrypt(value) != token, "a fresh nonce every time"
    assert encrypt_many([value, None])[1] is None and decrypt(encrypt_many([value])[0]) == value


def test_values_of_the_earlier_fernet_format_still_decrypt():
    assert decrypt(_fernet("13800138000")) == "13800138000"
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]):  # under an older key too
        assert decrypt(_fernet("13800138000")) == "13800138000"
        assert not is_current(_fernet("13800138000"))


def test_an_older_key_still_decrypts_and_the_newest_encrypts():
    old_token = encrypt("13800138000")
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]):
        assert decrypt(old_token) == "13800138000"
        assert not is_current(old_token)
        new_token = encrypt("13800138000")
        assert is_current(new_token)
    with pytest.raises(FieldDecryptionError, match="key no longer configured"):
        decrypt(new_token)


@pytest.mark.parametrize(("position", "what"), [(0, "version"), (2, "key id"), (7, "nonce"), (20, "ciphertext"),
                                                (-1, "tag")])
def test_a_tampered_value_fails_loudly(position, what):
    token = encrypt("13800138000")
    with pytest.raises(FieldDecryptionError):
        decrypt(_flip(token, position))


def test_the_header_is_authenticated_not_just_parsed():
    """A value moved under another configured key's id (header rewritten) does not decrypt."""
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]):
        token = encrypt("13800138000")
        data = bytearray(base64.urlsafe_b64decode(token))
        data[1:5] = keyring().keys[1].key_id
        with pytest.raises(FieldDecryptionError, match="does not authenticate"):
            decrypt(base64.urlsafe_b64encode(bytes(data)).decode())


@pytest.mark.parametrize("token", ["", "not base64 at all!", base64.urlsafe_b64encode(b"\x07" + b"x" * 40).decode(),
                                   base64.urlsafe_b64encode(b"\x02abcd" + b"x" * 10).decode()])
def test_unknown_versions_and_truncated_values_fail_loudly(token):
    with pytest.raises(FieldDecryptionError):
        decrypt(token)


def test_a_tampered_fernet_value_fails_loudly():
    with pytest.raises(FieldDecryptionError, match="does not authenticate"):
        decrypt(_flip(_fernet("13800138000"), 30))


@pytest.mark.parametrize("key", ["short", base64.urlsafe_b64encode(b"x" * 16).decode(),
                                 base64.urlsafe_b64encode(b"x" * 33).decode(), "é" * 44])
def test_keys_must_be_32_bytes_of_url_safe_base64(key):
    with pytest.raises(ImproperlyConfigured):
        parse_key(key)
    with override_settings(FIELD_ENCRYPTION_KEYS=[key]), pytest.raises(ImproperlyConfigured):
        encrypt("x")
    assert len(parse_key(NEW)) == 32


def test_a_tampered_value_in_the_database_is_an_error_when_read(alpha):
    with schema_context(alpha.schema):
        house = HouseFactory(owner_phone="13900000001")
        token, _index = _raw(alpha.schema, house.pk)
        assert "13900000001" not in token and decrypt(token) == "13900000001"
        _store(alpha.schema, house.pk, _flip(token, 25))
        with pytest.raises(FieldDecryptionError):
            House.objects.get(pk=house.pk).owner_phone  # noqa: B018


# --- rotation -----------------------------------------------------------------------------------------

def test_rotation_moves_fernet_and_old_key_values_to_the_newest_key_in_every_schema(alpha, beta):
    with schema_context(alpha.schema):
        a_fernet = HouseFactory(owner_phone="13900000001")
        a_old = HouseFactory(owner_phone="13900000002")  # current format, old key
        _store(alpha.schema, a_fernet.pk, _fernet("13900000001"))
    with schema_context(beta.schema):
        b_fernet = HouseFactory(owner_phone="13900000003")
        _store(beta.schema, b_fernet.pk, _fernet("13900000003"))
    company = HeatingCompany.objects.get(schema_name=alpha.schema)  # public schema
    with connection.cursor() as cur:
        cur.execute("UPDATE public.tenants_heatingcompany SET contact_phone = %s WHERE id = %s",
                    [_fernet("13800138000"), company.pk])
    houses = ((alpha.schema, a_fernet, "13900000001"), (alpha.schema, a_old, "13900000002"),
              (beta.schema, b_fernet, "13900000003"))

    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD], BLIND_INDEX_KEY="a-brand-new-index-key"):
        out = io.StringIO()
        call_command("rotate_field_keys", stdout=out)
        assert alpha.schema in out.getvalue() and "public" in out.getvalue()
        for schema, house, phone in houses:
            token, index = _raw(schema, house.pk)
            assert is_current(token), (schema, phone)
            assert index == blind_index(phone, purpose="phone")
        with connection.cursor() as cur:
            cur.execute("SELECT contact_phone FROM public.tenants_heatingcompany WHERE id = %s", [company.pk])
            assert is_current(cur.fetchone()[0])
        with schema_context(alpha.schema):
            assert [h.account_no for h in house_list(search="13900000001")] == [a_fernet.account_no]
    # The newest key alone reads everything: nothing is left under the old key or in Fernet.
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW]):
        for schema, house, phone in houses:
            with schema_context(schema):
                assert House.objects.get(pk=house.pk).owner_phone == phone
        assert HeatingCompany.objects.get(pk=company.pk).contact_phone == "13800138000"
    # ...and the old key alone no longer can.
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD]), schema_context(alpha.schema):
        with pytest.raises(FieldDecryptionError, match="key no longer configured"):
            House.objects.get(pk=a_old.pk).owner_phone  # noqa: B018


def test_blind_index_is_keyed():
    assert blind_index("13800138000", purpose="phone") != blind_index("13800138000", purpose="id_no")
    with override_settings(BLIND_INDEX_KEY="other"):
        other = blind_index("13800138000", purpose="phone")
    assert other != blind_index("13800138000", purpose="phone")
    assert blind_index_many(["13800138000", None], purpose="phone") == [
        blind_index("13800138000", purpose="phone"), None]


def test_blind_indexes_keep_their_earlier_values():
    """The index is HMAC-SHA256 under HMAC(BLIND_INDEX_KEY, purpose): changing
    the cipher must not change it (stored indexes stay searchable)."""
    import hashlib
    import hmac

    from django.conf import settings

    key = hmac.new(settings.BLIND_INDEX_KEY.encode(), b"phone", hashlib.sha256).digest()
    assert blind_index(" 13800138000 ", purpose="phone") == hmac.new(key, b"13800138000", hashlib.sha256).hexdigest()
