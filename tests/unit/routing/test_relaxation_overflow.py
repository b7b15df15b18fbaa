"""Skill relaxation and overflow: a ticket that waits long enough is routed more widely."""
from datetime import datetime, timedelta, timezone

from chalicelib.domain.routing import Agent, decide

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


def agent(agent_id, departments=("billing",), **fields):
    return Agent.from_dict({"id": agent_id, "presence": "online", "departments": list(departments), **fields})


def waited(seconds, **fields):
    queued = (NOW - timedelta(seconds=seconds)).isoformat()
    base = {"id": 7, "status": "new", "priority": "normal", "channel": "chat", "department": "billing",
            "required_skills": ["spanish"], "created_at": queued, "queued_at": queued}
    return {**base, **fields}


RELAXING = [{"name": "billing", "skill_relaxations": [{"skill": "spanish", "after_seconds": 120}]}]


def test_required_skill_is_kept_before_the_relaxation_time():
    decision = decide(waited(119), [agent("ann", name="Ann")], now=NOW, departments=RELAXING)
    assert decision.agent_id is None
    assert decision.relaxations == ()


def test_required_skill_is_dropped_after_waiting_long_enough():
    # given nobody speaks Spanish and the ticket has waited past the 120 s relaxation
    decision = decide(waited(130), [agent("ann", name="Ann")], now=NOW, departments=RELAXING)
    # then Ann gets it and the decision says the skill was dropped
    assert decision.agent_id == "ann"
    assert decision.relaxations == ("dropped skill spanish after 120s waiting",)
    assert decision.reason == "least busy: Ann 0/3 chat (dropped skill spanish after 120s waiting)"


def test_relaxation_is_not_used_when_a_skilled_agent_is_free():
    # given a Spanish speaker is busier but still has room
    agents = [agent("ann"), agent("bob", skills={"spanish": 1}, load={"chat": 2})]
    decision = decide(waited(500), agents, now=NOW, departments=RELAXING)
    assert decision.agent_id == "bob" and decision.relaxations == ()


def test_relaxing_one_skill_keeps_the_others():
    ticket = waited(300, required_skills=["spanish", "tax"])
    agents = [agent("ann"), agent("bob", skills={"tax": 1}, load={"chat": 1})]
    assert decide(ticket, agents, now=NOW, departments=RELAXING).agent_id == "bob"


def test_relaxing_all_skills_after_a_longer_wait():
    departments = [{"name": "billing", "skill_relaxations": [
        {"skill": "spanish", "after_seconds": 120}, {"skill": "*", "after_seconds": 600}]}]
    ticket = waited(601, required_skills=["spanish", "tax"])
    decision = decide(ticket, [agent("ann")], now=NOW, departments=departments)
    assert decision.agent_id == "ann"
    assert decision.relaxations == (
        "dropped skill spanish after 120s waiting", "dropped all required skills after 600s waiting")


def test_overflow_sends_the_ticket_to_another_department_after_waiting():
    # given billing is full and overflows to support after 5 minutes
    departments = [{"name": "billing", "overflow": {"department": "support", "after_seconds": 300}}, {"name": "support"}]
    agents = [agent("ann", load={"chat": 3}), agent("sam", name="Sam", departments=["support"])]
    ticket = waited(301, required_skills=[])
    # when
    decision = decide(ticket, agents, now=NOW, departments=departments)
    # then support's Sam gets it and the decision records where it came from
    assert decision.agent_id == "sam"
    assert decision.department == "support" and decision.overflowed_from == "billing"
    assert decision.reason == "overflow from billing after 301s waiting: least busy: Sam 0/3 chat"


def test_no_overflow_before_the_wait_is_over():
    departments = [{"name": "billing", "overflow": {"department": "support", "after_seconds": 300}}]
    agents = [agent("ann", load={"chat": 3}), agent("sam", departments=["support"])]
    decision = decide(waited(200, required_skills=[]), agents, now=NOW, departments=departments)
    assert decision.agent_id is None and decision.department == "billing"


def test_overflow_with_nobody_free_there_either_keeps_the_ticket_home():
    departments = [{"name": "billing", "overflow": {"department": "support", "after_seconds": 60}}]
    agents = [agent("ann", load={"chat": 3}), agent("sam", departments=["support"], presence="offline")]
    decision = decide(waited(400, required_skills=[]), agents, now=NOW, departments=departments)
    assert decision.agent_id is None and decision.department == "billing"
    assert decision.reason == (
        "no agent available in billing: 1 at capacity; "
        "overflow from billing after 400s waiting: no agent available in support: 1 offline")


def test_overflow_department_uses_its_own_strategy():
    departments = [
        {"name": "billing", "overflow": {"department": "support", "after_seconds": 0}},
        {"name": "support", "strategy": "round_robin"},
    ]
    agents = [
        agent("sam", departments=["support"], load={"chat": 0}, last_assigned_at="2026-11-24T08:59:00Z"),
        agent("sue", departments=["support"], load={"chat": 2}, last_assigned_at="2026-11-24T08:00:00Z"),
    ]
    decision = decide(waited(10, required_skills=[]), agents, now=NOW, departments=departments)
    assert decision.agent_id == "sue"
