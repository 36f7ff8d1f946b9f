"""Field encryption at rest and keyed blind indexes.

Keys come from settings.FIELD_ENCRYPTION_KEYS (newest first). MultiFernet
decrypts with any listed key and encrypts with the first, so rotation is:
prepend a new key, re-encrypt (`rotate`), drop the old key.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty")
    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS holds a key that is not a Fernet key") from exc


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured("an encrypted field was written with a key no longer configured") from exc


def rotate(token: str) -> str:
    """Re-encrypt a stored token under the newest key."""
    return fernet().rotate(token.encode()).decode()


@lru_cache(maxsize=16)
def _index_key(master: str, purpose: str) -> bytes:
    return hmac.new(master.encode(), purpose.encode(), hashlib.sha256).digest()


def blind_index(value: str, *, purpose: str) -> str:
    """Deterministic keyed digest, so equality search works without storing
    plaintext. One derived key per purpose: a phone's index says nothing about an ID's."""
    return hmac.new(_index_key(settings.BLIND_INDEX_KEY, purpose), value.strip().encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """Stores Fernet ciphertext; Python code sees plaintext. Not searchable: pair
    it with a blind-index column where lookups are needed."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)
