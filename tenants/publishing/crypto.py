"""WeChat's message encryption for third-party-platform event pushes (the
"WXBizMsgCrypt" scheme): AES-256-CBC with the 43-character EncodingAESKey
(IV = first 16 key bytes, PKCS#7 padding to 32 bytes) over
random(16) ‖ len(msg) (4 bytes, big-endian) ‖ msg ‖ appid, and
msg_signature = sha1 of the sorted concatenation of token, timestamp, nonce
and the ciphertext."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32


class MessageCryptError(Exception):
    pass


def _key(encoding_aes_key: str) -> bytes:
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MessageCryptError("EncodingAESKey is not 43 base64 characters") from exc
    if len(key) != 32:
        raise MessageCryptError("EncodingAESKey is not 43 base64 characters")
    return key


def signature(*, token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted])).encode()).hexdigest()  # noqa: S324


def verify_signature(*, token: str, timestamp: str, nonce: str, encrypted: str, msg_signature: str) -> bool:
    expected = signature(token=token, timestamp=timestamp, nonce=nonce, encrypted=encrypted)
    return hmac.compare_digest(expected, msg_signature or "")


def encrypt(*, encoding_aes_key: str, appid: str, message: str, random: bytes | None = None) -> str:
    key = _key(encoding_aes_key)
    body = message.encode()
    plain = (random or os.urandom(16)) + struct.pack(">I", len(body)) + body + appid.encode()
    pad = BLOCK - len(plain) % BLOCK
    plain += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def decrypt(*, encoding_aes_key: str, appid: str, encrypted: str) -> str:
    """The message, if it was encrypted with this key for this appid."""
    key = _key(encoding_aes_key)
    try:
        cipher = base64.b64decode(encrypted, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MessageCryptError("ciphertext is not base64") from exc
    if not cipher or len(cipher) % 16:
        raise MessageCryptError("ciphertext has a wrong length")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = decryptor.update(cipher) + decryptor.finalize()
    pad = plain[-1]
    if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
        raise MessageCryptError("bad padding")
    content = plain[16:-pad]
    if len(content) < 4:
        raise MessageCryptError("message too short")
    (length,) = struct.unpack(">I", content[:4])
    message, from_appid = content[4:4 + length], content[4 + length:]
    if len(message) != length or from_appid.decode(errors="replace") != appid:
        raise MessageCryptError("message is for another appid")
    return message.decode()
