"""Short garbage-collection pauses for the long-running local processes (moto, the gateway, the worker).

They hold every stored item, session and cached model as Python objects, so a full (generation 2)
collection walks them all and stops the process for 100–600 ms once the data has grown, which shows
as a burst of slow requests. Objects older than a few seconds are frozen (`gc.freeze()`: left out of
every collection, still freed by reference counting), so a collection only walks what is new; every
ten minutes they are thawed and collected once, so cyclic garbage is not kept for long.
"""
from __future__ import annotations

import gc
import threading

FREEZE_SECONDS = 2.0
THAW_SECONDS = 600.0


def keep_collections_short(stop: threading.Event | None = None) -> None:
    """Freeze the heap now and every FREEZE_SECONDS from a daemon thread; thaw and collect every THAW_SECONDS."""
    gc.freeze()
    threading.Thread(target=_freeze_periodically, args=(stop or threading.Event(),), name="gc-freezer",
                     daemon=True).start()


def _freeze_periodically(stop: threading.Event) -> None:
    since_thaw = 0.0
    while not stop.wait(FREEZE_SECONDS):
        since_thaw += FREEZE_SECONDS
        if since_thaw >= THAW_SECONDS:
            gc.unfreeze()
            gc.collect()
            since_thaw = 0.0
        gc.freeze()
