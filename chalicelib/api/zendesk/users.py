"""Zendesk-compatible users: end-users are Parley customers, agents and admins are Parley agents."""
from __future__ import annotations

from typing import Any

from chalicelib.api.tokens import Principal
from chalicelib.api.zendesk.http import (BadRequestError, RecordInvalidError, base_url, numeric_id, query_params,
                                         read_object, zendesk_view)
from chalicelib.api.zendesk.shapes import Presenter
from chalicelib.services import zendesk

CREATING_ROLES = ("admin", "agent")


def present(presenter: Presenter, kind: str, record: dict[str, Any]) -> dict[str, Any]:
    """A customer or an agent in Zendesk's user shape."""
    return presenter.customer(record) if kind == "customer" else presenter.agent(record)


@zendesk_view()
def me(request: Any, principal: Principal) -> dict[str, Any]:
    """The authenticated agent as a Zendesk user."""
    from chalicelib.bootstrap import agent_store

    agent = agent_store().get_agent(principal.id) or {"id": principal.id, "email": principal.email,
                                                      "role": principal.role}
    return {"user": Presenter(base_url(request)).agent(agent)}


@zendesk_view()
def show_user(request: Any, principal: Principal, user_id: str) -> dict[str, Any]:
    """One user by id."""
    kind, record = zendesk.user_for_number(numeric_id(user_id))
    return {"user": present(Presenter(base_url(request)), kind, record)}


@zendesk_view()
def search_users(request: Any, principal: Principal) -> dict[str, Any]:
    """Users by email: ?query=mia@example.com or ?query=email:mia@example.com (one get per kind of user)."""
    query = (query_params(request).get("query") or "").strip()
    email = query.removeprefix("email:").strip().strip('"')
    if "@" not in email or " " in email:
        raise BadRequestError("query must be an email address (query=mia@example.com or query=email:mia@example.com)")
    presenter = Presenter(base_url(request))
    users = [present(presenter, kind, record) for kind, record in zendesk.users_by_email(email)]
    return {"users": users, "next_page": None, "previous_page": None, "count": len(users)}


@zendesk_view(roles=CREATING_ROLES)
def create_user(request: Any, principal: Principal) -> tuple[int, dict[str, Any]]:
    """An end-user (a customer with an email identity); agents are added in Parley's admin settings."""
    body = read_object(request, "user")
    role = body.get("role") or "end-user"
    if role != "end-user":
        raise RecordInvalidError({"role": f"'{role}' cannot be created here; this API creates end-users, and an "
                                          "admin adds agents in Parley's agent settings"})
    if not body.get("email"):
        raise RecordInvalidError({"email": "is required: Parley finds end-users by their email address"})
    organization_id = body.get("organization_id")
    if organization_id is not None and (isinstance(organization_id, bool) or not str(organization_id).isdigit()):
        raise RecordInvalidError({"organization_id": f"must be a whole number, got {organization_id!r}"})
    customer = zendesk.create_end_user(
        name=body.get("name") if isinstance(body.get("name"), str) else None, email=body["email"],
        organization_id=int(organization_id) if organization_id is not None else None,
        details=_text(body.get("details")), notes=_text(body.get("notes")), external_id=_text(body.get("external_id")))
    return 201, {"user": Presenter(base_url(request)).customer(customer)}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
