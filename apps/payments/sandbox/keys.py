"""Where the sandbox gateways get their RSA keys (each merchant's key pair, the
WeChat platform key, the Alipay key): fresh 2048-bit keys by default, or keys
from a source installed with `key_source` for a while. The test suite installs
a pool of real keys generated once (tests/conftest.py), since generating one
costs ~50 ms and most payment tests register merchants."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from cryptography.hazmat.primitives.asymmetric import rsa

KeySource = Callable[[], rsa.RSAPrivateKey]


def generate_rsa_key() -> rsa.RSAPrivateKey:
    """A fresh RSA-2048 private key (public exponent 65537)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


_source: KeySource = generate_rsa_key


def new_rsa_key() -> rsa.RSAPrivateKey:
    """An RSA-2048 private key for the sandbox, from the installed source."""
    return _source()


@contextmanager
def key_source(source: KeySource) -> Iterator[None]:
    """Within the block the sandbox takes its keys from `source` (for every thread)."""
    global _source
    previous, _source = _source, source
    try:
        yield
    finally:
        _source = previous
