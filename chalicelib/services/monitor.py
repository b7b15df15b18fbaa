"""The live monitor: queues and waits, each agent's load against capacity, presence, CSAT today."""
from __future__ import annotations

from typing import Any

from chalicelib.clock import iso, now, parse_iso

WAITING_SAMPLE = 100  # per queue: the oldest waiting tickets give the wait figures


def snapshot() -> dict[str, Any]:
    """What a supervisor watches, from one query per queue, one agents query and one stats get."""
    from chalicelib.bootstrap import agent_store, ticket_store

    store = ticket_store()
    moment = now()
    queues = []
    for name in [d["name"] for d in agent_store().list_departments()] + [None]:
        waiting = store.waiting(name, limit=WAITING_SAMPLE)
        waits = [(moment - parse_iso(t.get("queued_at") or t["created_at"])).total_seconds() for t in waiting]
        queues.append({"department": name, "waiting": store.queue_length(name),
                       "average_wait_seconds": round(sum(waits) / len(waits)) if waits else 0,
                       "longest_wait_seconds": round(max(waits)) if waits else 0})
    agents = [{"id": a["id"], "name": a.get("name"), "presence": a.get("presence", "offline"),
               "load": a.get("load") or {}, "capacity": a.get("capacity") or {},
               "open_tickets": a.get("open_tickets", 0)}
              for a in agent_store().list_agents() if a.get("role") != "light_agent"]
    stats = store.daily_stats(iso(moment)[:10])
    rated = stats.get("csat_good", 0) + stats.get("csat_bad", 0)
    return {
        "at": iso(moment),
        "queues": queues,
        "queue_size": sum(q["waiting"] for q in queues),
        "agents": agents,
        "presence": {p: sum(1 for a in agents if a["presence"] == p) for p in ("online", "away", "offline")},
        "csat_today": {"good": stats.get("csat_good", 0), "bad": stats.get("csat_bad", 0),
                       "score": round(stats.get("csat_good", 0) / rated, 3) if rated else None},
    }
