"""Chat offers expire: the silent agent becomes away and the ticket goes to the next agent."""
from datetime import datetime, timedelta, timezone

from chalicelib.domain.routing import Agent, CapacityMove, PresenceChange, expire_offer, offer_expired

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
DEPARTMENTS = [{"name": "support", "offer_timeout_seconds": 30}]


def agent(agent_id, presence="online", **fields):
    return Agent.from_dict({"id": agent_id, "presence": presence, "departments": ["support"], **fields})


def offered(to="ann", expires_in=-1, **fields):
    base = {"id": 31, "status": "new", "priority": "normal", "channel": "chat", "department": "support",
            "required_skills": [], "created_at": "2026-11-24T08:58:00Z", "assignee_id": None,
            "offered_to": to, "offer_expires_at": (NOW + timedelta(seconds=expires_in)).isoformat()}
    return {**base, **fields}


def test_expired_offer_goes_to_the_next_agent_and_the_silent_one_becomes_away():
    # given Ann was offered the chat (her load counts it) and did not answer in time
    agents = [agent("ann", name="Ann", load={"chat": 1}), agent("bob", name="Bob", load={"chat": 2})]
    # when the clock settles the offer
    expiry = expire_offer(offered(), agents, now=NOW, departments=DEPARTMENTS)
    # then Ann's held capacity is given back, she is set away, and Bob is offered it next
    assert expiry.release == CapacityMove("ann", "chat", -1)
    assert expiry.presence == PresenceChange("ann", "away", "did not answer the offer for ticket 31")
    assert expiry.next.agent_id == "bob"
    assert expiry.next.offer_expires_at == NOW + timedelta(seconds=30)
    assert expiry.next.reason == "offer to Ann expired; least busy: Bob 2/3 chat"


def test_expired_offer_is_not_offered_back_to_the_same_agent_even_with_include_offline():
    departments = [{"name": "support", "offer_timeout_seconds": 30, "include_offline": True}]
    expiry = expire_offer(offered(), [agent("ann", load={"chat": 1}, presence="offline")], now=NOW,
                          departments=departments)
    assert expiry.next.agent_id is None
    assert expiry.presence is None  # an offline agent is not made to look present


def test_expired_offer_with_nobody_else_leaves_the_ticket_waiting():
    expiry = expire_offer(offered(), [agent("ann", load={"chat": 1})], now=NOW, departments=DEPARTMENTS)
    assert expiry.next.agent_id is None
    assert expiry.next.reason == "offer to ann expired; no agent available in support: 1 let the offer expire"


def test_offer_still_open_is_left_alone():
    assert expire_offer(offered(expires_in=5), [agent("ann"), agent("bob")], now=NOW) is None
    assert not offer_expired(offered(expires_in=5), NOW)


def test_ticket_without_offer_is_left_alone():
    assert expire_offer(offered(to=None), [agent("bob")], now=NOW) is None


def test_offer_expires_exactly_at_its_deadline():
    assert offer_expired(offered(expires_in=0), NOW)
