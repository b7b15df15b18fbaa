"""Actions change a copy of the ticket and describe side effects; nothing is sent from here."""
import pytest

from chalicelib.domain.rules.actions import (
    ActionContext, AddComment, Assign, CallWebhook, SendNotification, apply_actions, compile_actions,
)
from chalicelib.errors import ValidationError
from tests.unit.domain.rule_fixtures import NOW, ticket


def test_field_actions_change_a_copy_of_the_ticket():
    original = ticket(tags=["new-customer"])
    after, _ = apply_actions([
        {"field": "status", "value": "pending"}, {"field": "priority", "value": "urgent"},
        {"field": "type", "value": "incident"}, {"field": "group_id", "value": "Billing"},
        {"field": "custom_fields_360001", "value": "gold"},
    ], original, context=ActionContext(now=NOW))
    assert (after["status"], after["priority"], after["type"], after["department"]) == (
        "pending", "urgent", "incident", "Billing")
    assert after["custom_fields"] == {"360001": "gold"}
    assert after["pending_at"] == NOW.isoformat()
    assert original["status"] == "open" and original["custom_fields"] == {}


def test_tag_actions_add_remove_and_replace():
    after, _ = apply_actions([{"field": "current_tags", "value": "vip refund"},
                              {"field": "remove_tags", "value": "spam"}], ticket(tags=["spam", "vip"]))
    assert after["tags"] == ["vip", "refund"]
    replaced, _ = apply_actions([{"field": "set_tags", "value": "only"}], ticket(tags=["a", "b"]))
    assert replaced["tags"] == ["only"]


def test_public_reply_renders_placeholders_after_the_field_changes():
    _, effects = apply_actions([
        {"field": "status", "value": "solved"},
        {"field": "comment_value", "value": "Hi {{customer.first_name}}, ticket #{{ticket.id}} is {{ticket.status}}."},
    ], ticket(), context=ActionContext(customer={"name": "Ada Lovelace"}))
    assert effects == [AddComment("Hi Ada, ticket #42 is Solved.", public=True)]


def test_comment_mode_makes_the_comment_an_internal_note():
    _, effects = apply_actions([{"field": "comment_value", "value": "Escalated to tier 2"},
                                {"field": "comment_mode_is_public", "value": "false"}], ticket())
    assert effects == [AddComment("Escalated to tier 2", public=False)]


def test_zendesk_channel_comment_form_is_accepted():
    _, effects = apply_actions([{"field": "comment_value", "value": ["channel:all", "Thanks!"]}], ticket())
    assert effects[0].body == "Thanks!"


def test_html_comment_escapes_customer_data():
    _, effects = apply_actions([{"field": "comment_value_html", "value": "<p>Hello {{customer.name}}</p>"}],
                               ticket(), context=ActionContext(customer={"name": "<img src=x onerror=alert(1)>"}))
    assert "<img" not in effects[0].html_body
    assert "&lt;img" in effects[0].html_body


def test_notifications_resolve_their_recipient_from_the_ticket():
    _, effects = apply_actions([
        {"field": "notification_user", "value": ["requester_id", "Re: {{ticket.subject}}", "We got it."]},
        {"field": "notification_group", "value": ["group_id", "New ticket", "{{ticket.url}}"]},
        {"field": "notification_user", "value": ["assignee_id", "x", "y"]},  # nobody assigned: no email
    ], ticket(), context=ActionContext(base_url="https://help.example.com"))
    assert effects == [
        SendNotification("cus-1", "Re: Where is my order?", "We got it.", "user"),
        SendNotification("Support", "New ticket", "https://help.example.com/tickets/42", "group"),
    ]


def test_webhook_json_body_stays_valid_whatever_the_customer_is_called():
    _, effects = apply_actions([{"field": "notification_webhook",
                                 "value": ["wh-1", '{"ticket": "{{ticket.id}}", "who": "{{customer.name}}"}']}],
                               ticket(), context=ActionContext(customer={"name": 'Bo "Bobby" \\ Tables'}))
    assert effects == [CallWebhook("wh-1", {"ticket": "42", "who": 'Bo "Bobby" \\ Tables'})]


def test_assign_to_current_user_uses_the_agent_acting():
    after, effects = apply_actions([{"field": "assignee_id", "value": "current_user"}], ticket(),
                                   context=ActionContext(actor_id="agt-7", now=NOW))
    assert after["assignee_id"] == "agt-7" and after["assigned_at"] == NOW.isoformat()
    assert effects == [Assign("agt-7", "Support", None, "Support")]


def test_unknown_action_field_is_refused_with_the_allowed_fields():
    with pytest.raises(ValidationError) as error:
        compile_actions([{"field": "teleport", "value": "x"}])
    assert "teleport" in error.value.message and "notification_user" in error.value.message


def test_bad_action_values_are_refused():
    with pytest.raises(ValidationError, match="priority 'asap' is not one of low, normal, high, urgent"):
        compile_actions([{"field": "priority", "value": "asap"}])
    with pytest.raises(ValidationError, match="needs a list value"):
        compile_actions([{"field": "notification_user", "value": "requester_id"}])
