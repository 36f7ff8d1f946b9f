"""The built console bundle and the browser the console tests and the console benchmark drive."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialling Google's hosts, which this network refuses.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
BUILD = ROOT / "apps" / "console" / "static" / "console"
BUNDLE = BUILD / "index.html"


def unavailable(message: str) -> None:
    """A missing browser or bundle fails under `make test` (HEATCLOUD_E2E_REQUIRED) and skips elsewhere."""
    if os.environ.get("HEATCLOUD_E2E_REQUIRED"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def bundle_manifest() -> dict:
    path = BUILD / ".vite" / "manifest.json"
    if not path.exists():
        unavailable("the console bundle is not built: `make console` (make test builds it first)")
    return json.loads(path.read_text(encoding="utf-8"))


def initial_files(manifest: dict) -> list[str]:
    """The entry's file and its static imports, transitively (dynamic imports excluded)."""
    entry = next(key for key, chunk in manifest.items() if chunk.get("isEntry"))
    seen: list[str] = []
    stack = [entry]
    visited: set[str] = set()
    while stack:
        key = stack.pop()
        if key in visited:
            continue
        visited.add(key)
        chunk = manifest[key]
        seen.append(chunk["file"])
        stack.extend(chunk.get("imports", []))
    return seen
