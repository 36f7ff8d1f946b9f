"""Writing data that other threads and a live server can see while the test
itself runs inside a transaction that will be rolled back."""

from __future__ import annotations

import threading


def committed(fn, *args, **kwargs):
    """Run `fn` on a thread of its own (its own connection, autocommit), so what it
    writes is committed and visible to other threads even while this test runs in
    a transaction."""
    from django.db import connections

    box: dict = {}

    def run():
        try:
            box["value"] = fn(*args, **kwargs)
        except BaseException as exc:
            box["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(120)
    if "error" in box:
        raise box["error"]
    return box["value"]
