"""Live chat over REST: rating, availability, the offline form, page views and proactive rules."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.http import endpoint, read_json
from chalicelib.api.tokens import Principal
from chalicelib.errors import ValidationError

MAX_MESSAGE_CHARS = 20_000


class RatingRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: Literal["good", "bad"]
    comment: str | None = Field(default=None, max_length=2000)


class OfflineMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=200)
    email: str = Field(min_length=3, max_length=254)
    message: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)
    department: str | None = Field(default=None, max_length=100)


class PageView(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=2000)
    seconds_on_page: int = Field(default=0, ge=0, le=24 * 60 * 60)


class ProactiveRuleRequest(BaseModel):
    model_config = ConfigDict(extra="allow")


@endpoint(auth="customer", cors=True)
def rate_conversation(request: Any, principal: Principal, conversation_id: str) -> dict[str, Any]:
    """The customer rates a solved conversation good or bad, with an optional comment."""
    from chalicelib.services.live_chat import rate_conversation as rate

    body = read_json(request, RatingRequest)
    return rate(principal.id, conversation_id, body.score, body.comment)


@endpoint(auth=None, cors=True)
def availability(request: Any) -> dict[str, Any]:
    """Whether a chat started now reaches an agent at once (?department= narrows it to one department).

    {"online": true} when an agent who takes chats is online and the department is open; otherwise
    {"online": false, "reason": "no_agent_online"} or, outside the department's business hours (in its time
    zone, holidays closed), {"online": false, "reason": "outside_business_hours", "opens_at": "<ISO-8601 UTC>"}.
    A chat started while offline is not lost: it waits in the department's queue until it opens and an agent
    is free. A department without business hours is always open.
    """
    from chalicelib.services.live_chat import availability as check

    department = (request.query_params or {}).get("department") or None
    if department and len(department) > 100:
        raise ValidationError("department must be at most 100 characters")
    return check(department)


@endpoint(auth="customer", cors=True)
def offline_message(request: Any, principal: Principal) -> tuple[int, dict[str, Any]]:
    """The widget's offline form: becomes an email ticket for the address given."""
    from chalicelib.services.live_chat import leave_offline_message

    body = read_json(request, OfflineMessage)
    left = leave_offline_message(name=body.name, email=body.email, message=body.message,
                                 department=body.department)
    return 201, {"ticket_id": left["ticket_id"], "conversation_id": left["conversation_id"]}


@endpoint(auth="customer", cors=True)
def page_view(request: Any, principal: Principal) -> dict[str, Any]:
    """The widget reports a page view; the answer says whether to open the chat with a message."""
    from chalicelib.services.live_chat import record_page_view

    body = read_json(request, PageView)
    return record_page_view(principal.id, body.url, body.seconds_on_page)


@endpoint(auth="agent")
def list_proactive_rules(request: Any, principal: Principal) -> dict[str, Any]:
    """Every proactive chat rule."""
    from chalicelib.services.live_chat import proactive_rules

    return {"rules": proactive_rules()}


@endpoint(auth="agent", roles=("admin",))
def save_proactive_rule(request: Any, principal: Principal) -> tuple[int, dict[str, Any]]:
    """Admins create or replace a proactive chat rule."""
    from chalicelib.services.live_chat import save_proactive_rule as save

    return 201, {"rule": save(read_json(request, ProactiveRuleRequest).model_dump())}
