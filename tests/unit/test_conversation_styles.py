"""Conversation styles: closing after solved, and what a customer's next message does."""
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain.conversation_styles import (
    Decision, StyleEffect, StyleSettings, default_style, on_customer_message, on_status_change,
)
from chalicelib.errors import ValidationError

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
DEFAULTS = StyleSettings()


def ticket(style, status="open", channel=None, **fields):
    channel = channel or {"chat": "chat", "returning_chat": "chat", "social": "whatsapp", None: "email"}[style]
    base = {"id": 77, "status": status, "channel": channel, "conversation_style": style, "assignee_id": "ann"}
    return {**base, **fields}


@pytest.mark.parametrize(
    "channel, style",
    [
        ("chat", "chat"), ("sdk", "chat"), ("web", "chat"),
        ("whatsapp", "social"), ("messenger", "social"), ("instagram", "social"), ("telegram", "social"),
        ("sms", "social"), ("email", None), ("api", None), ("phone", None),
    ],
)
def test_each_channel_has_a_default_conversation_style(channel, style):
    assert default_style(channel) == style


def test_ticket_without_a_recorded_style_uses_its_channels():
    assert DEFAULTS.style_for({"channel": "telegram", "conversation_style": None}) == "social"


def test_admin_may_give_a_channel_another_style():
    settings = StyleSettings.from_dict({"channel_styles": {"sms": "returning_chat"}})
    assert settings.style_for({"channel": "sms"}) == "returning_chat"


# ---- closing after solved


def test_solved_chat_closes_immediately():
    effect = on_status_change(DEFAULTS, ticket("chat"), "solved", NOW)
    assert effect.close_now is True and effect.close_at is None


def test_solved_returning_chat_closes_after_the_window():
    effect = on_status_change(DEFAULTS, ticket("returning_chat"), "solved", NOW)
    assert effect == StyleEffect(close_at=NOW + timedelta(minutes=30), close_now=False, capacity_delta=-1)


def test_returning_chat_window_is_configurable():
    settings = {"returning_chat_window_minutes": 90}
    effect = on_status_change(settings, ticket("returning_chat"), "solved", NOW)
    assert effect.close_at == NOW + timedelta(minutes=90)


def test_solved_social_ticket_closes_after_four_days_by_default():
    effect = on_status_change(DEFAULTS, ticket("social"), "solved", NOW)
    assert effect.close_at == NOW + timedelta(days=4) and not effect.close_now


def test_social_close_delay_follows_the_admin_setting():
    effect = on_status_change({"social_close_after_days": 1}, ticket("social"), "solved", NOW)
    assert effect.close_at == NOW + timedelta(days=1)


@pytest.mark.parametrize("days", [0, 29, 2.5, "soon", True])
def test_social_close_delay_outside_one_to_28_days_is_refused(days):
    with pytest.raises(ValidationError, match="social_close_after_days must be a whole number of days from 1 to 28"):
        StyleSettings.from_dict({"social_close_after_days": days})


def test_unknown_style_setting_is_refused():
    with pytest.raises(ValidationError, match="unknown conversation style setting"):
        StyleSettings.from_dict({"social_close_days": 3})


def test_unknown_style_for_a_channel_is_refused():
    with pytest.raises(ValidationError, match="conversation style 'forum' is not one of chat, returning_chat, social"):
        StyleSettings.from_dict({"channel_styles": {"sms": "forum"}})


def test_solved_email_ticket_is_left_to_automations():
    effect = on_status_change(DEFAULTS, ticket(None), "solved", NOW)
    assert effect.close_at is None and effect.close_now is False


@pytest.mark.parametrize("status", ["pending", "on_hold", "solved"])
def test_social_pending_on_hold_and_solved_free_the_agents_capacity(status):
    assert on_status_change(DEFAULTS, ticket("social"), status, NOW).capacity_delta == -1


def test_reopening_a_solved_social_ticket_cancels_its_close_and_takes_capacity():
    solved = ticket("social", status="solved", close_at=(NOW + timedelta(days=3)).isoformat())
    effect = on_status_change(DEFAULTS, solved, "open", NOW)
    assert effect == StyleEffect(close_at=None, close_now=False, capacity_delta=1)


def test_solving_an_already_solved_ticket_keeps_its_close_time():
    due = NOW + timedelta(days=2)
    solved = ticket("social", status="solved", close_at=due.isoformat())
    assert on_status_change(DEFAULTS, solved, "solved", NOW).close_at == due


def test_unknown_status_is_refused():
    with pytest.raises(ValidationError, match="status 'exploded' is not one of new, open, pending, on_hold, solved, closed"):
        on_status_change(DEFAULTS, ticket("chat"), "exploded", NOW)


# ---- the customer's next message


def test_message_on_an_open_ticket_is_appended():
    assert on_customer_message(DEFAULTS, ticket("chat"), NOW) == Decision("append", ticket_id=77)


def test_first_message_of_a_conversation_starts_a_ticket():
    assert on_customer_message(DEFAULTS, None, NOW) == Decision("new_ticket")


def test_returning_chat_customer_after_chat_closed_starts_a_new_ticket():
    assert on_customer_message(DEFAULTS, ticket("chat", status="closed"), NOW) == Decision("new_ticket")


def test_chat_still_marked_solved_counts_as_closed():
    assert on_customer_message(DEFAULTS, ticket("chat", status="solved"), NOW).action == "new_ticket"


def test_returning_chat_reopens_within_window():
    # given a chat solved 10 minutes ago, closing after 30
    solved = ticket("returning_chat", status="solved", solved_at=(NOW - timedelta(minutes=10)).isoformat(),
                    close_at=(NOW + timedelta(minutes=20)).isoformat())
    # then the customer's message reopens the same ticket
    assert on_customer_message(DEFAULTS, solved, NOW) == Decision("reopen", ticket_id=77)


def test_returning_chat_after_the_window_starts_a_new_ticket_even_if_the_clock_is_late():
    solved = ticket("returning_chat", status="solved", solved_at=(NOW - timedelta(minutes=31)).isoformat())
    assert on_customer_message(DEFAULTS, solved, NOW) == Decision("new_ticket")


def test_returning_chat_after_close_starts_a_new_ticket():
    assert on_customer_message(DEFAULTS, ticket("returning_chat", status="closed"), NOW).action == "new_ticket"


@pytest.mark.parametrize("status", ["pending", "on_hold", "solved"])
def test_social_reply_reopens_a_ticket_that_is_not_closed(status):
    decision = on_customer_message(DEFAULTS, ticket("social", status=status), NOW)
    assert decision == Decision("reopen", ticket_id=77)


def test_social_reply_after_closed_creates_linked_ticket():
    decision = on_customer_message(DEFAULTS, ticket("social", status="closed"), NOW)
    assert decision == Decision("new_ticket", linked_ticket_id=77)


def test_social_reply_after_the_close_delay_passed_creates_linked_ticket():
    solved = ticket("social", status="solved", close_at=(NOW - timedelta(hours=1)).isoformat())
    assert on_customer_message(DEFAULTS, solved, NOW) == Decision("new_ticket", linked_ticket_id=77)


def test_email_reply_to_a_solved_ticket_reopens_it():
    assert on_customer_message(DEFAULTS, ticket(None, status="solved"), NOW) == Decision("reopen", ticket_id=77)


def test_email_reply_to_a_closed_ticket_creates_a_follow_up():
    decision = on_customer_message(DEFAULTS, ticket(None, status="closed"), NOW)
    assert decision == Decision("new_ticket", linked_ticket_id=77)


def test_style_settings_may_be_a_stored_item():
    effect = on_status_change({"social_close_after_days": "7"}, ticket("social"), "solved", NOW)
    assert effect.close_at == NOW + timedelta(days=7)
