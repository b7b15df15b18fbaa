"""Requests the local stack's moto has served, by operation (see local/moto_server.CallStats)."""
from __future__ import annotations

from collections import Counter

import requests


def moto_calls(moto_url: str) -> tuple[Counter, Counter]:
    """Requests moto has served so far and its milliseconds serving them, by operation."""
    stats = requests.get(f"{moto_url}/_parley/calls", timeout=10).json()
    return (Counter({op: v["calls"] for op, v in stats.items()}),
            Counter({op: v["seconds"] * 1000 for op, v in stats.items()}))


def by_operation(calls: Counter, moto_ms: Counter, per: int) -> str:
    """'Op calls ms, ...' per unit of work, busiest first."""
    return ", ".join(f"{op} {count / per:.1f} {moto_ms[op] / per:.1f}" for op, count in calls.most_common())
