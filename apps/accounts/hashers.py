from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    """argon2id at the OWASP Password Storage Cheat Sheet baseline (m=19 MiB,
    t=2, p=1): ~25 ms per hash on our 2-core machines, so sign-up and login stay
    fast while every offline guess still costs 19 MiB of memory. Django's
    default (100 MiB, p=8) costs ~150 ms here; hashes made with other
    parameters are upgraded on the next successful login."""

    algorithm = "argon2"
    time_cost = 2
    memory_cost = 19456
    parallelism = 1
