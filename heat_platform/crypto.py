"""Field encryption at rest and keyed blind indexes.

Keys: settings.FIELD_ENCRYPTION_KEYS, newest first, each 32 random bytes in
url-safe base64 (what `Fernet.generate_key()` prints, so keys configured for
the earlier Fernet format stay valid). New values are encrypted with the
first key; every listed key still decrypts. Rotation: prepend a new key,
deploy, run `manage.py rotate_field_keys`, then drop the old key.

Stored format (text, url-safe base64 of):

    version (1 byte, 0x02) | key id (4 bytes) | nonce (12 bytes) | AES-256-GCM ciphertext + tag (16 bytes)

The AES key is derived from the configured key with HKDF-SHA256 (one purpose,
one key), the key id is a separate HKDF output, so neither reveals the other
or the configured key; the version byte and key id are authenticated as
associated data. Values written in the earlier format are Fernet tokens
(version byte 0x80): they still decrypt with the same configured keys, and
`rotate_field_keys` rewrites them in the current format.

A value that does not authenticate (tampered, truncated, or under a key no
longer configured) raises FieldDecryptionError: it is never returned as text.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

VERSION_AES_GCM = 0x02
VERSION_FERNET = 0x80  # the first byte of every Fernet token
KEY_ID_BYTES = 4
NONCE_BYTES = 12
TAG_BYTES = 16
_HEADER_BYTES = 1 + KEY_ID_BYTES
_MIN_AES_BYTES = _HEADER_BYTES + NONCE_BYTES + TAG_BYTES
_HKDF_KEY_INFO = b"heatcloud field encryption v2 aes-256-gcm"
_HKDF_ID_INFO = b"heatcloud field encryption v2 key id"


class FieldDecryptionError(Exception):
    """A stored value cannot be decrypted: tampered or corrupt, or written
    under a key no longer in FIELD_ENCRYPTION_KEYS."""


def parse_key(text: str) -> bytes:
    """A configured key: exactly 32 bytes in url-safe base64 (a Fernet key is one)."""
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS holds a key that is not url-safe base64") from exc
    if len(raw) != 32:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS keys must be 32 bytes (44 characters of url-safe "
                                   "base64, e.g. from Fernet.generate_key())")
    return raw


def _hkdf(raw: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(raw)


@dataclass(frozen=True)
class _Key:
    key_id: bytes
    header: bytes  # version byte + key id: the prefix and associated data of each value
    aead: AESGCM
    fernet: Fernet  # the same configured key, for values in the earlier format


@dataclass(frozen=True)
class _Keyring:
    newest: _Key
    by_id: dict[bytes, tuple[_Key, ...]]
    keys: tuple[_Key, ...]


@lru_cache(maxsize=4)
def _keyring(configured: tuple[str, ...]) -> _Keyring:
    if not configured:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty")
    keys = []
    for text in configured:
        raw = parse_key(text)
        key_id = _hkdf(raw, _HKDF_ID_INFO, KEY_ID_BYTES)
        keys.append(_Key(key_id=key_id, header=bytes([VERSION_AES_GCM]) + key_id,
                         aead=AESGCM(_hkdf(raw, _HKDF_KEY_INFO, 32)), fernet=Fernet(text.strip().encode())))
    by_id: dict[bytes, tuple[_Key, ...]] = {}
    for key in keys:  # 4-byte ids could collide: keep every candidate, in order
        by_id[key.key_id] = (*by_id.get(key.key_id, ()), key)
    return _Keyring(newest=keys[0], by_id=by_id, keys=tuple(keys))


def keyring() -> _Keyring:
    return _keyring(tuple(settings.FIELD_ENCRYPTION_KEYS))


_URLSAFE = bytes.maketrans(b"+/", b"-_")


def _b64(data: bytes) -> str:
    """base64.urlsafe_b64encode(data).decode(), without its Python-level wrapper."""
    return binascii.b2a_base64(data, newline=False).translate(_URLSAFE).decode("ascii")


def encrypt(value: str) -> str:
    key = keyring().newest
    nonce = os.urandom(NONCE_BYTES)
    header = key.header
    return _b64(header + nonce + key.aead.encrypt(nonce, value.encode(), header))


def encrypt_many(values: Iterable[str | None]) -> list[str | None]:
    """encrypt() for a batch (None stays None): one key lookup and one
    random read for all the nonces."""
    values = list(values)
    key = keyring().newest
    header, seal = key.header, key.aead.encrypt
    nonces = os.urandom(NONCE_BYTES * len(values))
    starts = range(0, NONCE_BYTES * len(values), NONCE_BYTES)
    return [None if value is None else
            _b64(header + (nonce := nonces[i:i + NONCE_BYTES]) + seal(nonce, value.encode(), header))
            for i, value in zip(starts, values, strict=True)]


def decrypt(token: str) -> str:
    try:
        data = base64.urlsafe_b64decode(token.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise FieldDecryptionError("an encrypted field holds a value that is not base64 (corrupt)") from exc
    ring = keyring()
    version = data[0] if data else None
    if version == VERSION_AES_GCM:
        if len(data) < _MIN_AES_BYTES:
            raise FieldDecryptionError("an encrypted field holds a truncated value (corrupt)")
        header, nonce, sealed = data[:_HEADER_BYTES], data[_HEADER_BYTES:_HEADER_BYTES + NONCE_BYTES], \
            data[_HEADER_BYTES + NONCE_BYTES:]
        candidates = ring.by_id.get(header[1:])
        if not candidates:
            raise FieldDecryptionError("an encrypted field was written with a key no longer configured")
        for key in candidates:
            try:
                return key.aead.decrypt(nonce, sealed, header).decode()
            except InvalidTag:
                continue
        raise FieldDecryptionError("an encrypted field does not authenticate (tampered or corrupt)")
    if version == VERSION_FERNET:
        for key in ring.keys:
            try:
                return key.fernet.decrypt(token.encode("ascii")).decode()
            except InvalidToken:
                continue
        raise FieldDecryptionError("an encrypted field (earlier Fernet format) does not authenticate: "
                                   "tampered, or written with a key no longer configured")
    raise FieldDecryptionError("an encrypted field holds a value of an unknown format version")


def is_current(token: str) -> bool:
    """Whether a stored value is in the current format under the newest key."""
    try:
        data = base64.urlsafe_b64decode(token.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return False
    return data[:_HEADER_BYTES] == keyring().newest.header


def rotate(token: str) -> str:
    """Re-encrypt a stored value under the newest key, in the current format."""
    return encrypt(decrypt(token))


@lru_cache(maxsize=16)
def _index_pads(master: str, purpose: str):
    """HMAC-SHA256 under the purpose's key (HMAC(BLIND_INDEX_KEY, purpose)),
    as its two SHA-256 states after the padded key: RFC 2104 by hand, which
    runs at twice the speed of copying an hmac object per value."""
    key = hmac.new(master.encode(), purpose.encode(), hashlib.sha256).digest().ljust(64, b"\0")
    return hashlib.sha256(bytes(b ^ 0x36 for b in key)), hashlib.sha256(bytes(b ^ 0x5C for b in key))


def blind_index(value: str, *, purpose: str) -> str:
    """Deterministic keyed digest, so equality search works without storing
    plaintext. One derived key per purpose: a phone's index says nothing about an ID's."""
    return blind_index_many([value], purpose=purpose)[0]


def blind_index_many(values: Iterable[str | None], *, purpose: str) -> list[str | None]:
    """blind_index() for a batch (None stays None)."""
    inner, outer = _index_pads(settings.BLIND_INDEX_KEY, purpose)
    out: list[str | None] = []
    append = out.append
    for value in values:
        if value is None:
            append(None)
            continue
        digest = inner.copy()
        digest.update(value.strip().encode())
        mac = outer.copy()
        mac.update(digest.digest())
        append(mac.hexdigest())
    return out


class EncryptedTextField(models.TextField):
    """Stores ciphertext (see the module docstring); Python code sees
    plaintext. Not searchable: pair it with a blind-index column where lookups
    are needed."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)
