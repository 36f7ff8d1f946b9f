"""`make console` builds into a sibling folder and swaps it in (apps/console/web/swap-build.py): a live server
never sees static/console/ missing or half-written, and a tab opened before the rebuild still loads its lazy
chunks (the previous build's files, as its Vite manifest names them, are carried into the new one)."""

from __future__ import annotations

import json
import runpy
import threading
from pathlib import Path

from .conftest import ROOT

SWAP = runpy.run_path(str(ROOT / "apps" / "console" / "web" / "swap-build.py"))["swap"]


def _build(folder: Path, tag: str, chunk: str) -> None:
    (folder / "assets").mkdir(parents=True)
    (folder / ".vite").mkdir()
    (folder / "index.html").write_text(tag)
    (folder / "assets" / chunk).write_text(tag)
    (folder / ".vite" / "manifest.json").write_text(json.dumps({"index.html": {"file": f"assets/{chunk}"}}))


def test_the_served_folder_is_never_missing_and_old_chunks_stay(tmp_path):
    target, new = tmp_path / "console", tmp_path / "console.next"
    _build(target, "old", "Page-old.js")
    (target / "assets" / "stray.js").write_text("not in the manifest")
    _build(new, "new", "Page-new.js")
    seen: list[str] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            try:
                seen.append((target / "index.html").read_text())
            except FileNotFoundError:
                seen.append("missing")

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        SWAP(new, target)
    finally:
        stop.set()
        watcher.join()
    assert "missing" not in seen
    assert (target / "index.html").read_text() == "new"
    assert (target / "assets" / "Page-new.js").exists()
    assert (target / "assets" / "Page-old.js").read_text() == "old"  # the previous build's chunk, kept
    assert not (target / "assets" / "stray.js").exists()  # but nothing older: the folder does not grow
    assert sorted(p.name for p in tmp_path.iterdir()) == ["console"]


def test_the_first_build_is_moved_in(tmp_path):
    target, new = tmp_path / "console", tmp_path / "console.next"
    _build(new, "new", "Page-new.js")
    SWAP(new, target)
    assert (target / "index.html").read_text() == "new"
    assert not new.exists()


def test_make_console_builds_beside_the_served_folder():
    recipe = (ROOT / "Makefile").read_text()
    assert "--outDir ../static/console.next" in recipe
    assert "swap-build.py ../static/console.next ../static/console" in recipe
