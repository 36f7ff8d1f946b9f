"""Where export_tenant and import_tenant take an archive passphrase from: a file, the
environment or the terminal, never the command line (it would show in `ps` and shell history)."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from django.core.management.base import CommandError

ENV = "HEATCLOUD_ARCHIVE_PASSPHRASE"


def passphrase_from(file: str | None, *, confirm: bool) -> str | None:
    if file:
        try:
            return Path(file).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise CommandError(f"cannot read the passphrase file: {exc.strerror}") from exc
    if os.environ.get(ENV):
        return os.environ[ENV]
    if not sys.stdin.isatty():
        return None
    first = getpass.getpass("Archive passphrase: ")
    if confirm and getpass.getpass("Again: ") != first:
        raise CommandError("the passphrases differ")
    return first or None
