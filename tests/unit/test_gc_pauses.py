"""The local processes freeze their heap so full collections only walk new objects."""
from __future__ import annotations

import gc
import threading

from local import gc_pauses


def test_the_heap_is_frozen_at_once_and_again_after_a_thaw(monkeypatch):
    stop = threading.Event()
    thawed = threading.Event()
    monkeypatch.setattr(gc_pauses, "FREEZE_SECONDS", 0.01)
    monkeypatch.setattr(gc_pauses, "THAW_SECONDS", 0.02)
    real_unfreeze = gc.unfreeze
    monkeypatch.setattr(gc, "unfreeze", lambda: (real_unfreeze(), thawed.set()))
    try:
        gc_pauses.keep_collections_short(stop)
        assert gc.get_freeze_count() > 0  # what exists now is left out of collections
        assert thawed.wait(5), "the frozen heap is thawed and collected now and then"
    finally:
        stop.set()
        for thread in [t for t in threading.enumerate() if t.name == "gc-freezer"]:
            thread.join(timeout=5)
        real_unfreeze()
