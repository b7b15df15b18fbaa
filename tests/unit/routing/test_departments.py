"""Department routing settings are validated with errors a person can act on."""
import pytest

from chalicelib.domain.routing import Department
from chalicelib.errors import ValidationError


def test_department_defaults_to_least_busy_with_online_agents_only():
    department = Department.from_dict({"name": "billing"})
    assert department.strategy == "least_busy"
    assert department.include_offline is False and department.max_per_agent is None


def test_unknown_strategy_is_refused_with_the_choices():
    with pytest.raises(ValidationError, match="strategy 'random' is not one of least_busy, round_robin"):
        Department.from_dict({"name": "billing", "strategy": "random"})


def test_max_per_agent_must_be_at_least_one():
    with pytest.raises(ValidationError, match="max_per_agent must be 1 or more"):
        Department.from_dict({"name": "billing", "max_per_agent": 0})


def test_weight_must_be_a_number_or_full():
    with pytest.raises(ValidationError, match="weights.phone must be a whole number"):
        Department.from_dict({"name": "sales", "weights": {"phone": "heavy"}})


def test_department_cannot_overflow_to_itself():
    with pytest.raises(ValidationError, match="cannot overflow to itself"):
        Department.from_dict({"name": "billing", "overflow": {"department": "billing", "after_seconds": 60}})


def test_overflow_needs_a_department_and_a_wait():
    with pytest.raises(ValidationError, match="overflow must look like"):
        Department.from_dict({"name": "billing", "overflow": {"department": "support"}})


def test_skill_relaxation_needs_after_seconds():
    with pytest.raises(ValidationError, match="needs after_seconds"):
        Department.from_dict({"name": "billing", "skill_relaxations": [{"skill": "spanish"}]})


def test_skill_relaxation_without_a_skill_drops_every_skill():
    department = Department.from_dict({"name": "billing", "skill_relaxations": [{"after_seconds": 600}]})
    assert department.skill_relaxations[0].skill is None


def test_include_offline_must_be_a_boolean():
    with pytest.raises(ValidationError, match="include_offline must be true or false"):
        Department.from_dict({"name": "billing", "include_offline": "yes"})
