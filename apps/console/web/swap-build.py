"""Put a freshly built console bundle in place of the served one (`make console`).

Vite empties its output folder before it writes, so building straight into static/console/ left a live server
(`make run`, a browser-test run) with no /console/ and no chunks for a while. The Makefile builds into a sibling
folder instead and this swaps the two with one atomic rename (renameat2 RENAME_EXCHANGE; two renames a few
microseconds apart where the filesystem lacks it). The previous build's own chunks (from its Vite manifest)
are copied into the new one first, so a tab opened before the swap can still load its lazy pages.

usage: swap-build.py NEW TARGET
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import sys
from pathlib import Path

AT_FDCWD = -100
RENAME_EXCHANGE = 2


def previous_files(old: Path) -> set[str]:
    """The files the old build's manifest names (its chunks, CSS and assets), relative to its folder."""
    try:
        manifest = json.loads((old / ".vite" / "manifest.json").read_text())
    except (OSError, ValueError):
        return set()
    files: set[str] = set()
    for chunk in manifest.values():
        files.add(chunk["file"])
        files.update(chunk.get("css", []), chunk.get("assets", []))
    return files


def carry_over(old: Path, new: Path) -> None:
    for name in previous_files(old):
        src, dst = old / name, new / name
        if src.is_file() and not dst.exists():
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)


def exchange(a: Path, b: Path) -> bool:
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    return renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0


def swap(new: Path, target: Path) -> None:
    if not target.is_dir():
        new.rename(target)
        return
    carry_over(target, new)
    if exchange(new, target):
        shutil.rmtree(new)  # it now holds the previous build
        return
    old = target.with_name(target.name + ".prev")
    shutil.rmtree(old, ignore_errors=True)
    target.rename(old)
    new.rename(target)
    shutil.rmtree(old)


if __name__ == "__main__":
    swap(Path(sys.argv[1]), Path(sys.argv[2]))
