"""Agents and channel groups as routing sees them."""
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from chalicelib.domain.routing import Agent, DEFAULT_CAPACITY, channel_group, skill_needs
from chalicelib.domain.routing.departments import Department
from chalicelib.errors import ValidationError


@pytest.mark.parametrize(
    "channel, group",
    [
        ("chat", "chat"), ("sdk", "chat"), ("web", "chat"),
        ("whatsapp", "messaging"), ("messenger", "messaging"), ("instagram", "messaging"), ("telegram", "messaging"),
        ("email", "email"), ("api", "email"),
        ("sms", "sms"),
        ("phone", "phone"),
    ],
)
def test_each_channel_counts_against_its_capacity_group(channel, group):
    assert channel_group(channel) == group


def test_unknown_channel_is_refused_with_the_choices():
    with pytest.raises(ValidationError, match="channel 'pigeon' is not one of email, .*phone"):
        channel_group("pigeon")


def test_agent_from_stored_item_reads_dynamodb_numbers_and_times():
    # given an agent item as DynamoDB returns it (numbers are Decimal)
    item = {
        "id": "a1", "name": "Ann", "presence": "online", "departments": ["billing"],
        "skills": {"spanish": Decimal("2")}, "capacity": {"chat": Decimal("4")}, "load": {"chat": Decimal("1")},
        "open_tickets": Decimal("7"), "last_assigned_at": "2026-11-24T08:00:00.000Z",
    }
    # when
    agent = Agent.from_dict(item)
    # then
    assert agent.capacity_for("chat") == 4 and agent.load_for("chat") == 1
    assert agent.skills["spanish"] == 2 and agent.open_tickets == 7
    assert agent.last_assigned_at == datetime(2026, 11, 24, 8, tzinfo=timezone.utc)


def test_agent_without_capacity_settings_gets_the_default_capacity():
    agent = Agent.from_dict({"id": "a1"})
    assert {g: agent.capacity_for(g) for g in DEFAULT_CAPACITY} == {
        "chat": 3, "messaging": 5, "email": 10, "sms": 5, "phone": 1,
    }
    assert agent.presence == "offline"


def test_unknown_presence_is_refused_with_the_choices():
    with pytest.raises(ValidationError, match="presence 'napping' is not one of online, away, offline"):
        Agent.from_dict({"id": "a1", "presence": "napping"})


def test_negative_capacity_is_refused():
    with pytest.raises(ValidationError, match="capacity.chat must be 0 or more"):
        Agent.from_dict({"id": "a1", "capacity": {"chat": -1}})


def test_capacity_for_an_unknown_channel_group_is_refused():
    with pytest.raises(ValidationError, match="channel group 'fax' is not one of"):
        Agent.from_dict({"id": "a1", "capacity": {"fax": 2}})


def test_agent_skills_may_be_listed_by_name_or_with_levels():
    agent = Agent.from_dict({"id": "a1", "skills": ["french", {"name": "tax", "level": 3}]})
    assert dict(agent.skills) == {"french": 1, "tax": 3}


def test_required_skills_keep_the_highest_level_asked_for():
    needs = skill_needs(["tax", {"name": "tax", "level": 2}, "french"])
    assert {(n.name, n.level) for n in needs} == {("tax", 2), ("french", 1)}


def test_required_skill_without_a_name_is_refused():
    with pytest.raises(ValidationError, match="must be a name"):
        skill_needs([{"level": 2}])


def test_phone_weight_full_takes_the_agents_whole_phone_capacity():
    # given a department where a call occupies the agent entirely
    department = Department.from_dict({"name": "sales", "weights": {"phone": "full", "chat": 2}})
    agent = Agent.from_dict({"id": "a1", "capacity": {"phone": 2}})
    # then
    assert department.weight_for("phone", agent) == 2
    assert department.weight_for("chat", agent) == 2
    assert department.weight_for("email", agent) == 1
