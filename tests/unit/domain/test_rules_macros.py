"""Macros preview what they would change before an agent submits them."""
import pytest

from chalicelib.domain.rules.actions import AddComment
from chalicelib.domain.rules.macros import apply_macro
from chalicelib.domain.rules.validation import validate_macro
from chalicelib.errors import ValidationError
from tests.unit.domain.rule_fixtures import ticket

AGENT = {"id": "agt-3", "name": "Grace Hopper", "email": "grace@help.example.com"}
CUSTOMER = {"name": "Ada Lovelace", "email": "ada@example.com"}

TAKE_IT = {"title": "Take it and reply", "active": True, "actions": [
    {"field": "assignee_id", "value": "current_user"},
    {"field": "status", "value": "pending"},
    {"field": "comment_value", "value": "Hi {{customer.first_name}}, I'm {{current_user.first_name}} and I'll help."},
]}


def test_macro_preview_shows_the_ticket_after_the_comment_and_the_changes():
    original = ticket()
    after, comment, changes = apply_macro(TAKE_IT, original, agent=AGENT, customer=CUSTOMER)
    assert after["assignee_id"] == "agt-3" and after["status"] == "pending"
    assert comment == AddComment("Hi Ada, I'm Grace and I'll help.", public=True)
    assert changes == {"assignee_id": (None, "agt-3"), "status": ("open", "pending")}
    assert original["status"] == "open"


def test_macro_without_comment_returns_none():
    _, comment, changes = apply_macro({"title": "Urgent", "actions": [{"field": "priority", "value": "urgent"}]},
                                      ticket(), agent=AGENT)
    assert comment is None and changes == {"priority": ("normal", "urgent")}


def test_inactive_macro_cannot_be_applied():
    with pytest.raises(ValidationError, match="inactive"):
        apply_macro(dict(TAKE_IT, active=False), ticket(), agent=AGENT)


def test_macro_cannot_send_notifications():
    with pytest.raises(ValidationError, match="belong in triggers"):
        validate_macro({"title": "x", "actions": [{"field": "notification_user", "value": ["requester_id", "a", "b"]}]})
