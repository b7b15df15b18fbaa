"""Conversation styles: how a ticket closes after it is solved, and what a customer's next message does.

chat            solved closes at once; a returning customer starts a new ticket.
returning_chat  solved closes after a window (default 30 minutes); a message inside the window
                reopens the same ticket for the same agent.
social          solved closes after N days (default 4, 1..28); pending, on_hold and solved give the
                agent's capacity back; a reply reopens (open, holding capacity again); after closed,
                a reply starts a new ticket linked to the old one (via_followup_source_id).
no style        an ordinary email ticket: a reply to a solved ticket reopens it, to a closed one
                starts a linked follow-up. Closing solved tickets is left to automations.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, Mapping

from chalicelib.domain.routing.capacity import capacity_delta
from chalicelib.domain.routing.times import to_moment
from chalicelib.domain.tickets import CHANNELS, CONVERSATION_STYLES, STATUSES, one_of
from chalicelib.errors import ValidationError

STYLES = CONVERSATION_STYLES
ACTIONS = ("append", "reopen", "new_ticket")

DEFAULT_STYLE_BY_CHANNEL = MappingProxyType({
    "chat": "chat", "sdk": "chat", "web": "chat",
    "whatsapp": "social", "messenger": "social", "instagram": "social", "telegram": "social", "sms": "social",
    "email": None, "api": None, "phone": None,
})
DEFAULT_RETURNING_CHAT_WINDOW_MINUTES = 30
MAX_RETURNING_CHAT_WINDOW_MINUTES = 28 * 24 * 60
DEFAULT_SOCIAL_CLOSE_AFTER_DAYS = 4
SOCIAL_CLOSE_AFTER_DAYS_MIN, SOCIAL_CLOSE_AFTER_DAYS_MAX = 1, 28


def _whole_in(name: str, value: Any, low: int, high: int, unit: str) -> int:
    """A whole number from low to high, or a ValidationError saying which range."""
    problem = ValidationError(f"{name} must be a whole number of {unit} from {low} to {high}, got {value!r}")
    if isinstance(value, bool):
        raise problem
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise problem from None
    if (not isinstance(value, str) and number != value) or not low <= number <= high:
        raise problem
    return number


def check_style(style: Any) -> str | None:
    """Return style when it is a conversation style or None (ordinary ticket), else raise naming the styles."""
    if style is not None and style not in STYLES:
        raise ValidationError(f"conversation style '{style}' is not one of {', '.join(STYLES)} (or none)")
    return style


def default_style(channel: str) -> str | None:
    """The conversation style a channel uses unless an admin changed it (None: an ordinary email ticket)."""
    if channel not in DEFAULT_STYLE_BY_CHANNEL:
        raise ValidationError(f"channel '{channel}' is not one of {', '.join(CHANNELS)}")
    return DEFAULT_STYLE_BY_CHANNEL[channel]


@dataclass(frozen=True)
class StyleSettings:
    """An account's conversation style settings: the closing windows and each channel's style."""

    returning_chat_window_minutes: int = DEFAULT_RETURNING_CHAT_WINDOW_MINUTES
    social_close_after_days: int = DEFAULT_SOCIAL_CLOSE_AFTER_DAYS
    channel_styles: Mapping[str, str | None] = field(default_factory=lambda: DEFAULT_STYLE_BY_CHANNEL)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> "StyleSettings":
        """Build and validate settings from an admin's API body or the stored item; missing keys keep defaults."""
        data = data or {}
        if not isinstance(data, Mapping):
            raise ValidationError("conversation style settings must be an object")
        known = {"returning_chat_window_minutes", "social_close_after_days", "channel_styles"}
        unknown = set(data) - known
        if unknown:
            raise ValidationError(
                f"unknown conversation style setting(s) {', '.join(sorted(unknown))}; use {', '.join(sorted(known))}"
            )
        window = data.get("returning_chat_window_minutes", DEFAULT_RETURNING_CHAT_WINDOW_MINUTES)
        days = data.get("social_close_after_days", DEFAULT_SOCIAL_CLOSE_AFTER_DAYS)
        styles = dict(DEFAULT_STYLE_BY_CHANNEL)
        overrides = data.get("channel_styles") or {}
        if not isinstance(overrides, Mapping):
            raise ValidationError('channel_styles must map channels to a style, e.g. {"sms": "returning_chat"}')
        for channel, style in overrides.items():
            default_style(channel)
            styles[channel] = check_style(style)
        return cls(
            returning_chat_window_minutes=_whole_in(
                "returning_chat_window_minutes", window, 1, MAX_RETURNING_CHAT_WINDOW_MINUTES, "minutes"
            ),
            social_close_after_days=_whole_in(
                "social_close_after_days", days, SOCIAL_CLOSE_AFTER_DAYS_MIN, SOCIAL_CLOSE_AFTER_DAYS_MAX, "days"
            ),
            channel_styles=MappingProxyType(styles),
        )

    def style_for(self, ticket: Mapping[str, Any]) -> str | None:
        """The ticket's conversation style: the one it was created with, else its channel's."""
        style = ticket.get("conversation_style")
        if style:
            return check_style(style)
        channel = ticket.get("channel")
        if channel not in self.channel_styles:
            return default_style(channel)
        return self.channel_styles[channel]

    def close_delay(self, style: str | None) -> timedelta | None:
        """How long a solved ticket of this style stays solved before it closes (None: not the style's job)."""
        if style == "chat":
            return timedelta(0)
        if style == "returning_chat":
            return timedelta(minutes=self.returning_chat_window_minutes)
        if style == "social":
            return timedelta(days=self.social_close_after_days)
        return None


def _settings(style_settings: StyleSettings | Mapping[str, Any] | None) -> StyleSettings:
    if isinstance(style_settings, StyleSettings):
        return style_settings
    return StyleSettings.from_dict(style_settings)


def _status(value: Any) -> str:
    return one_of("status", value, STATUSES)


@dataclass(frozen=True)
class StyleEffect:
    """What a status change means for closing and capacity.

    close_now: close the ticket in the same write. close_at: when the clock should close it; None means
    no close is due, so the caller replaces any close time stored earlier (a reopened ticket keeps none).
    capacity_delta: +1/-1/0 units of the ticket's claimed weight on its assignee's load.
    """

    close_at: datetime | None
    close_now: bool
    capacity_delta: int = 0


def on_status_change(
    style_settings: StyleSettings | Mapping[str, Any] | None,
    ticket: Mapping[str, Any],
    new_status: str,
    now: datetime,
) -> StyleEffect:
    """What the ticket's conversation style does when its status changes to new_status."""
    settings = _settings(style_settings)
    old_status = _status(ticket.get("status") or "new")
    new_status = _status(new_status)
    delta = capacity_delta(old_status, new_status)
    if new_status != "solved":
        return StyleEffect(None, False, delta)
    if old_status == "solved":
        return StyleEffect(to_moment(ticket.get("close_at"), "close_at"), False, delta)
    delay = settings.close_delay(settings.style_for(ticket))
    if delay is None:
        return StyleEffect(None, False, delta)
    if delay == timedelta(0):
        return StyleEffect(None, True, delta)
    return StyleEffect(now + delay, False, delta)


@dataclass(frozen=True)
class Decision:
    """What a customer's new message does to their latest ticket in the conversation.

    append: add it to ticket_id as it is; reopen: add it to ticket_id and set it open (back to its agent);
    new_ticket: start a new ticket, linked to linked_ticket_id (its via_followup_source_id) when set.
    """

    action: str
    linked_ticket_id: int | None = None
    ticket_id: int | None = None


def _closed_by_now(settings: StyleSettings, style: str | None, ticket: Mapping[str, Any], now: datetime) -> bool:
    """True when a solved ticket should already count as closed (the clock may run late)."""
    delay = settings.close_delay(style)
    if delay is None:
        return False
    due = to_moment(ticket.get("close_at"), "close_at")
    if due is None:
        solved_at = to_moment(ticket.get("solved_at"), "solved_at")
        due = solved_at + delay if solved_at else None
    if delay == timedelta(0):
        return True
    return due is not None and now >= due


def on_customer_message(
    style_settings: StyleSettings | Mapping[str, Any] | None,
    ticket: Mapping[str, Any] | None,
    now: datetime,
) -> Decision:
    """Whether a customer's message joins their latest ticket, reopens it, or starts a new one."""
    if ticket is None:
        return Decision("new_ticket")
    settings = _settings(style_settings)
    style = settings.style_for(ticket)
    status = _status(ticket.get("status") or "new")
    ticket_id = ticket.get("id")
    if status in ("new", "open"):
        return Decision("append", ticket_id=ticket_id)
    if status in ("pending", "on_hold"):
        return Decision("reopen", ticket_id=ticket_id)
    if status == "solved" and not _closed_by_now(settings, style, ticket, now):
        return Decision("reopen", ticket_id=ticket_id)
    if style in ("chat", "returning_chat"):
        return Decision("new_ticket")
    return Decision("new_ticket", linked_ticket_id=ticket_id)
