"""The assignment pipeline: eligible → available → under capacity → per-agent cap → strategy."""
from datetime import datetime, timedelta, timezone

from chalicelib.domain.routing import Agent, Department, decide

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


def agent(agent_id, presence="online", departments=("billing",), **fields):
    return Agent.from_dict({"id": agent_id, "presence": presence, "departments": list(departments), **fields})


def ticket(**fields):
    base = {
        "id": 101, "subject": "Invoice question", "status": "new", "priority": "normal", "channel": "chat",
        "department": "billing", "required_skills": [], "created_at": "2026-11-24T08:59:00.000Z",
        "assignee_id": None,
    }
    return {**base, **fields}


def billing(**settings):
    return {"billing": Department.from_dict({"name": "billing", **settings})}


def test_least_busy_picks_agent_with_most_free_chat_capacity():
    # given two online billing agents, one already chatting with two customers
    agents = [agent("ann", name="Ann", load={"chat": 2}), agent("bob", name="Bob", load={"chat": 1})]
    # when a chat arrives
    decision = decide(ticket(), agents, now=NOW, departments=billing())
    # then Bob, who has more room, gets it and the audit says why
    assert decision.agent_id == "bob"
    assert decision.reason == "least busy: Bob 1/3 chat"


def test_least_busy_compares_load_against_each_agents_own_capacity():
    # given Ann holds 2 of 6 chats and Bob 1 of 2
    agents = [agent("ann", capacity={"chat": 6}, load={"chat": 2}), agent("bob", capacity={"chat": 2}, load={"chat": 1})]
    # then Ann is less busy (1/3 against 1/2)
    assert decide(ticket(), agents, now=NOW, departments=billing()).agent_id == "ann"


def test_least_busy_tie_goes_to_fewer_open_tickets_then_longest_idle():
    agents = [
        agent("ann", open_tickets=4, last_assigned_at="2026-11-24T07:00:00Z"),
        agent("bob", open_tickets=2, last_assigned_at="2026-11-24T08:50:00Z"),
        agent("cat", open_tickets=2, last_assigned_at="2026-11-24T08:00:00Z"),
    ]
    assert decide(ticket(), agents, now=NOW, departments=billing()).agent_id == "cat"


def test_least_busy_full_tie_is_broken_by_id_whatever_the_input_order():
    agents = [agent("bob"), agent("ann")]
    assert decide(ticket(), agents, now=NOW, departments=billing()).agent_id == "ann"
    assert decide(ticket(), agents[::-1], now=NOW, departments=billing()).agent_id == "ann"


def test_load_in_another_channel_group_does_not_count():
    # given Ann is full on email but free on chat, Bob has one chat
    agents = [agent("ann", load={"email": 10}), agent("bob", load={"chat": 1})]
    assert decide(ticket(), agents, now=NOW, departments=billing()).agent_id == "ann"


def test_only_agents_of_the_tickets_department_are_eligible():
    agents = [agent("ann", departments=["sales"]), agent("bob", load={"chat": 2})]
    assert decide(ticket(), agents, now=NOW, departments=billing()).agent_id == "bob"


def test_agents_without_the_required_skill_are_not_eligible():
    agents = [agent("ann"), agent("bob", load={"chat": 2}, skills={"spanish": 1})]
    decision = decide(ticket(required_skills=["spanish"]), agents, now=NOW, departments=billing())
    assert decision.agent_id == "bob"


def test_required_skill_level_must_be_reached():
    # given the ticket needs German at level 3
    agents = [agent("ann", skills={"german": 2}), agent("bob", load={"chat": 2}, skills={"german": 4})]
    needs = [{"name": "german", "level": 3}]
    # then only Bob qualifies
    assert decide(ticket(required_skills=needs), agents, now=NOW, departments=billing()).agent_id == "bob"


def test_offline_agents_only_when_department_includes_offline():
    # given the only billing agent is offline
    agents = [agent("ann", presence="offline")]
    # when the department does not include offline agents, the ticket waits
    assert decide(ticket(channel="email"), agents, now=NOW, departments=billing()).agent_id is None
    # when it does, the offline agent gets it
    included = decide(ticket(channel="email"), agents, now=NOW, departments=billing(include_offline=True))
    assert included.agent_id == "ann"


def test_away_agents_never_get_new_tickets_even_when_offline_ones_do():
    agents = [agent("ann", presence="away")]
    decision = decide(ticket(), agents, now=NOW, departments=billing(include_offline=True))
    assert decision.agent_id is None
    assert decision.reason == "no agent available in billing: 1 away"


def test_agent_at_capacity_gets_nothing_more():
    agents = [agent("ann", load={"chat": 3})]
    assert decide(ticket(), agents, now=NOW, departments=billing()).agent_id is None


def test_agent_with_zero_capacity_for_a_group_takes_no_such_work():
    agents = [agent("ann", capacity={"phone": 0})]
    decision = decide(ticket(channel="phone"), agents, now=NOW, departments=billing())
    assert decision.agent_id is None and "1 not taking phone" in decision.reason


def test_phone_call_weighing_the_whole_capacity_needs_an_idle_agent():
    # given calls take an agent's whole phone capacity of 2, and Ann is already on a call
    departments = billing(weights={"phone": "full"})
    agents = [agent("ann", capacity={"phone": 2}, load={"phone": 1}), agent("bob", capacity={"phone": 2})]
    # when a call comes in
    decision = decide(ticket(channel="phone"), agents, now=NOW, departments=departments)
    # then only idle Bob can take it, and it fills him up
    assert decision.agent_id == "bob"
    assert decision.claim.weight == 2 and decision.claim.new_load == 2


def test_no_agent_reason_counts_why_each_agent_was_left_out():
    agents = [
        agent("a", load={"chat": 3}), agent("b", load={"chat": 3}), agent("c", load={"chat": 3}),
        agent("d", presence="offline"), agent("e", departments=["sales"]),
    ]
    decision = decide(ticket(), agents, now=NOW, departments=billing())
    assert decision.agent_id is None and decision.claim is None
    assert decision.department == "billing"
    assert decision.reason == "no agent available in billing: 3 at capacity, 1 offline"


def test_no_agent_reason_when_nobody_is_in_the_department():
    decision = decide(ticket(), [agent("e", departments=["sales"])], now=NOW, departments=billing())
    assert decision.reason == "no agent available in billing: nobody is in the department"


def test_reason_names_the_missing_skill():
    decision = decide(ticket(required_skills=["spanish"]), [agent("ann")], now=NOW, departments=billing())
    assert decision.reason == "no agent available in billing: 1 missing skill spanish"


def test_claim_carries_the_load_the_conditional_write_expects():
    agents = [agent("ann", capacity={"messaging": 5}, load={"messaging": 2})]
    decision = decide(ticket(channel="whatsapp"), agents, now=NOW, departments=billing())
    claim = decision.claim
    assert (claim.agent_id, claim.channel_group, claim.weight) == ("ann", "messaging", 1)
    assert (claim.expected_load, claim.new_load, claim.capacity) == (2, 3, 5)


def test_round_robin_picks_the_agent_longest_since_last_assignment():
    departments = billing(strategy="round_robin")
    agents = [
        agent("ann", name="Ann", last_assigned_at="2026-11-24T08:30:00Z"),
        agent("bob", name="Bob", load={"chat": 2}, last_assigned_at="2026-11-24T08:10:00Z"),
    ]
    decision = decide(ticket(), agents, now=NOW, departments=departments)
    assert decision.agent_id == "bob"
    assert decision.reason.startswith("round robin: Bob, last assigned 2026-11-24 08:10:00 UTC")


def test_round_robin_serves_never_assigned_agents_first():
    departments = billing(strategy="round_robin")
    agents = [agent("ann", last_assigned_at="2026-11-20T08:30:00Z"), agent("zed")]
    assert decide(ticket(), agents, now=NOW, departments=departments).agent_id == "zed"


def test_round_robin_respects_max_per_agent():
    # given Bob is next in turn but already has the department's maximum of 5 open tickets
    departments = billing(strategy="round_robin", max_per_agent=5)
    agents = [
        agent("ann", open_tickets=4, last_assigned_at="2026-11-24T08:30:00Z"),
        agent("bob", open_tickets=5, last_assigned_at="2026-11-24T07:00:00Z"),
    ]
    # when
    decision = decide(ticket(channel="email"), agents, now=NOW, departments=departments)
    # then Ann gets it, and the claim tells the write to check the cap
    assert decision.agent_id == "ann"
    assert decision.claim.max_open_tickets == 5


def test_everyone_at_max_per_agent_leaves_the_ticket_waiting():
    departments = billing(strategy="round_robin", max_per_agent=2)
    decision = decide(ticket(), [agent("ann", open_tickets=2)], now=NOW, departments=departments)
    assert decision.reason == "no agent available in billing: 1 at max 2 open tickets"


def test_ticket_without_department_may_go_to_any_agent():
    agents = [agent("ann", departments=["sales"], load={"chat": 1}), agent("bob", departments=[])]
    decision = decide(ticket(department=None), agents, now=NOW)
    assert decision.agent_id == "bob" and decision.department is None


def test_department_without_stored_settings_routes_with_defaults():
    decision = decide(ticket(department="vip"), [agent("ann", departments=["vip"])], now=NOW)
    assert decision.agent_id == "ann" and decision.department == "vip"


def test_chat_decision_carries_an_offer_deadline_when_the_department_sets_one():
    decision = decide(ticket(), [agent("ann")], now=NOW, departments=billing(offer_timeout_seconds=45))
    assert decision.offer_expires_at == NOW + timedelta(seconds=45)


def test_email_decision_is_a_plain_assignment_without_offer():
    decision = decide(ticket(channel="email"), [agent("ann")], now=NOW, departments=billing(offer_timeout_seconds=45))
    assert decision.agent_id == "ann" and decision.offer_expires_at is None


def test_agents_may_be_given_as_stored_items():
    items = [{"id": "ann", "presence": "online", "departments": ["billing"], "load": {"chat": "1"}}]
    assert decide(ticket(), items, now=NOW, departments=[{"name": "billing"}]).agent_id == "ann"
