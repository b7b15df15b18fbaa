"""Direct assignment rules are checked, in order, before the department's pipeline."""
from datetime import datetime, timezone

import pytest

from chalicelib.domain.routing import Agent, AssignmentRule, as_rules, decide, first_matching_rule
from chalicelib.errors import ValidationError

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


def agent(agent_id, presence="online", departments=("support",), **fields):
    return Agent.from_dict({"id": agent_id, "presence": presence, "departments": list(departments), **fields})


def ticket(**fields):
    base = {"id": 55, "subject": "Question about my order", "description": "", "status": "new",
            "priority": "normal", "channel": "email", "department": "support", "tags": [], "custom_fields": {},
            "required_skills": [], "created_at": "2026-11-24T08:00:00Z", "assignee_id": None}
    return {**base, **fields}


def rule(rule_id, position, conditions, assign, **extra):
    return {"id": rule_id, "title": extra.pop("title", rule_id), "position": position,
            "conditions": {"all": conditions}, "assign": assign, **extra}


REFUNDS = rule("refunds", 1, [{"field": "subject_includes_word", "operator": "includes", "value": "refund"}],
               {"department": "billing"}, title="Refunds to billing")
CHATS_TO_ZED = rule("chats", 2, [{"field": "channel", "operator": "is", "value": "chat"}],
                    {"agent_id": "zed"}, title="Chats to Zed")
PRODUCT_X100 = rule("x100", 3, [{"field": "custom_fields.product_code", "operator": "is", "value": "X100"}],
                    {"agent_id": "yan"}, title="X100 expert")
AGENTS = [
    agent("zed", name="Zed", departments=["support"]),
    agent("yan", name="Yan", departments=["support"]),
    agent("bea", name="Bea", departments=["billing"]),
    agent("sue", name="Sue", departments=["support"], load={"email": 3}),
]


def test_refund_subject_rule_assigns_billing():
    # given a refund request filed in support
    refund = ticket(subject="Refund for order 1234")
    # when
    decision = decide(refund, AGENTS, now=NOW, rules=[REFUNDS, CHATS_TO_ZED])
    # then billing's pipeline picks Bea, and the audit names the rule
    assert decision.agent_id == "bea" and decision.department == "billing"
    assert decision.rule_id == "refunds"
    assert decision.reason == "rule 'Refunds to billing': least busy: Bea 0/10 email"


def test_chat_channel_rule_assigns_the_named_agent():
    decision = decide(ticket(channel="chat"), AGENTS, now=NOW, rules=[REFUNDS, CHATS_TO_ZED])
    assert decision.agent_id == "zed"
    assert decision.reason == "rule 'Chats to Zed' assigns Zed 0/3 chat"
    assert decision.claim.expected_load == 0 and decision.claim.channel_group == "chat"


def test_product_code_rule_assigns_the_product_expert():
    product = ticket(custom_fields={"product_code": "X100"})
    assert decide(product, AGENTS, now=NOW, rules=[PRODUCT_X100]).agent_id == "yan"


def test_ticket_matching_no_rule_goes_through_the_pipeline():
    decision = decide(ticket(), AGENTS, now=NOW, rules=[REFUNDS, CHATS_TO_ZED, PRODUCT_X100])
    assert decision.rule_id is None
    assert decision.reason.startswith("least busy:")


def test_first_rule_by_position_wins():
    # given a refund arriving by chat matches both rules
    refund_chat = ticket(subject="refund please", channel="chat")
    chats_first = {**CHATS_TO_ZED, "position": 0}
    # then the lower position decides, whatever the list order
    assert first_matching_rule([REFUNDS, chats_first], refund_chat, NOW).id == "chats"
    assert first_matching_rule([chats_first, REFUNDS], refund_chat, NOW).id == "chats"


def test_inactive_rule_is_skipped():
    paused = {**CHATS_TO_ZED, "active": False}
    decision = decide(ticket(channel="chat"), AGENTS, now=NOW, rules=[paused])
    assert decision.rule_id is None


def test_named_agent_offline_makes_the_ticket_wait_for_them_by_default():
    # given Zed is offline
    agents = [agent("zed", name="Zed", presence="offline"), agent("sue")]
    # when a chat arrives
    decision = decide(ticket(channel="chat"), agents, now=NOW, rules=[CHATS_TO_ZED])
    # then it waits for Zed rather than going to Sue
    assert decision.agent_id is None and decision.waiting_for == "zed"
    assert decision.reason == "rule 'Chats to Zed': waiting for Zed (offline)"


def test_named_agent_at_capacity_falls_back_to_the_department_when_the_rule_says_so():
    agents = [agent("zed", name="Zed", load={"chat": 3}), agent("sue", name="Sue")]
    fallback = {**CHATS_TO_ZED, "fallback": "department"}
    decision = decide(ticket(channel="chat"), agents, now=NOW, rules=[fallback])
    assert decision.agent_id == "sue" and decision.rule_id == "chats"
    assert decision.reason == "rule 'Chats to Zed': Zed at capacity, routing in support: least busy: Sue 0/3 chat"


def test_agent_rule_falls_back_to_the_department_it_names():
    agents = [agent("zed", presence="away"), agent("bea", departments=["billing"])]
    fallback = {**CHATS_TO_ZED, "assign": {"agent_id": "zed", "department": "billing"}, "fallback": "department"}
    decision = decide(ticket(channel="chat"), agents, now=NOW, rules=[fallback])
    assert decision.agent_id == "bea" and decision.department == "billing"


def test_named_agent_offline_is_fine_when_the_department_includes_offline_agents():
    agents = [agent("zed", presence="offline")]
    departments = [{"name": "support", "include_offline": True}]
    decision = decide(ticket(channel="chat"), agents, now=NOW, departments=departments, rules=[CHATS_TO_ZED])
    assert decision.agent_id == "zed"


def test_named_agent_need_not_be_in_the_department_nor_have_the_skills():
    agents = [agent("zed", departments=[])]
    needs_skill = ticket(channel="chat", required_skills=["japanese"])
    assert decide(needs_skill, agents, now=NOW, rules=[CHATS_TO_ZED]).agent_id == "zed"


def test_rule_naming_an_agent_who_is_not_listed_waits():
    decision = decide(ticket(channel="chat"), [agent("sue")], now=NOW, rules=[CHATS_TO_ZED])
    assert decision.agent_id is None and decision.reason == "rule 'Chats to Zed': waiting for zed (unknown agent)"


def test_rules_come_back_in_position_order():
    assert [r.id for r in as_rules([PRODUCT_X100, REFUNDS, CHATS_TO_ZED])] == ["refunds", "chats", "x100"]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"assign": {}}, "assign must name an agent_id or a department"),
        ({"assign": {"team": "x"}}, "assign has unknown keys team"),
        ({"assign": "billing"}, "assign must name an agent or a department"),
        ({"fallback": "panic"}, "fallback 'panic' is not one of queue, department"),
        ({"conditions": {"all": [], "any": []}}, "needs at least one condition"),
        ({"conditions": {"all": [{"field": "moon_phase", "operator": "is", "value": "full"}]}},
         "condition field 'moon_phase' is not known"),
        ({"conditions": {"all": [{"field": "channel", "operator": "greater_than", "value": "chat"}]}},
         "operator 'greater_than' does not apply to field 'channel'"),
        ({"conditions": {"every": []}}, "unknown key"),
        ({"position": -1}, "position must be 0 or more"),
        ({"active": "yes"}, "active must be true or false"),
    ],
)
def test_invalid_rules_are_refused_with_a_message_naming_the_rule(change, message):
    with pytest.raises(ValidationError, match=message) as caught:
        AssignmentRule.from_dict({**CHATS_TO_ZED, **change})
    assert "Chats to Zed" in caught.value.message


def test_fallback_on_a_department_rule_is_refused():
    with pytest.raises(ValidationError, match="fallback only applies to rules that assign an agent"):
        AssignmentRule.from_dict({**REFUNDS, "fallback": "queue"})


def test_rule_without_id_is_refused():
    with pytest.raises(ValidationError, match="needs an id"):
        AssignmentRule.from_dict({k: v for k, v in REFUNDS.items() if k != "id"})


def test_two_rules_with_one_id_are_refused():
    with pytest.raises(ValidationError, match="assignment rule id 'refunds' is used twice"):
        as_rules([REFUNDS, {**REFUNDS, "position": 9}])


def test_validated_rule_reads_back_as_it_was_written():
    data = {**CHATS_TO_ZED, "fallback": "department", "active": True}
    assert AssignmentRule.from_dict(data).to_dict() == data
