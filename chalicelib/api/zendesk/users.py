"""Zendesk-compatible users: end-users are Parley customers, agents and admins are Parley agents.

List (role filter, cursor or offset pages: agents by email, then customers oldest first), show, show_many,
me, search, create end-users, update (agents change end-users; only admins change agents) and delete
(admins; a soft delete, as Zendesk's: the user turns inactive and their identities are freed).
"""
from __future__ import annotations

from typing import Any

from chalicelib.api.tokens import Principal
from chalicelib.api.zendesk.http import (BadRequestError, RecordInvalidError, base_url, numeric_id, query_params,
                                         read_object, show_many_ids, zendesk_view)
from chalicelib.api.zendesk.pagination import cursor_body, offset_body, page_request, walk_to_offset
from chalicelib.api.zendesk.shapes import Presenter
from chalicelib.domain import zendesk_users
from chalicelib.errors import ForbiddenError, NotFoundError, ValidationError
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
def list_users(request: Any, principal: Principal) -> dict[str, Any]:
    """Users, agents and admins first (by email), then end-users oldest first; ?role= (end-user, agent, admin;
    role[]= for several) narrows them. Cursor (page[size], page[after]) or offset (per_page, page) pages."""
    params = query_params(request)
    roles = zendesk_users.wanted_roles(_multi(request, params, "role"))
    page = page_request(params)
    url = f"{base_url(request)}/api/v2/users.json"
    fetch = _user_pages(roles)
    presenter = Presenter(base_url(request))
    if page.cursor:
        people, after = fetch(page.size, page.after)
        return cursor_body("users", presenter.users(people), after, url, page.size)
    people, more = walk_to_offset(fetch, page)
    return offset_body("users", presenter.users(people), more, url, page)


def _multi(request: Any, params: dict[str, str], name: str) -> dict[str, Any]:
    """A parameter that may repeat (role[]=agent&role[]=admin) as {name: [values]} or {name: value}."""
    multi = request.query_params
    listed: list[str] = []
    for key in (f"{name}[]", name):
        if multi is not None and hasattr(multi, "getlist") and key in multi:
            listed += list(multi.getlist(key))
    return {name: listed} if len(listed) > 1 else {name: params.get(f"{name}[]", params.get(name))}


def _user_pages(roles: set[str]) -> Any:
    """fetch(limit, cursor) → (people, next cursor) over agents then customers; cursors say which and where."""
    from chalicelib.bootstrap import agent_store, ticket_store

    def fetch(limit: int, cursor: str | None) -> tuple[list[tuple[str, dict[str, Any]]], str | None]:
        phase, _, position = (cursor or "agents:").partition(":")
        if phase not in ("agents", "customers"):
            raise BadRequestError("page[after] is not valid; pass the after_cursor of the previous page unchanged")
        people: list[tuple[str, dict[str, Any]]] = []
        if phase == "agents":
            agents = sorted((a for a in agent_store().list_agents()
                             if zendesk_users.zendesk_role(a.get("role")) in roles
                             and (a.get("email") or "").lower() > position),
                            key=lambda a: (a.get("email") or "").lower())
            people = [("agent", a) for a in agents[:limit]]
            if len(agents) > limit:
                return people, "agents:" + (people[-1][1].get("email") or "").lower()
            position = ""
        if "end-user" not in roles:
            return people, None
        room = limit - len(people)
        if room == 0:
            return people, "customers:"
        customers, after = ticket_store().list_customers(room, position or None)
        people += [("customer", c) for c in customers if not c.get("merged_into") and not c.get("deleted_at")]
        return people, f"customers:{after}" if after else None

    return fetch


@zendesk_view()
def show_many_users(request: Any, principal: Principal) -> dict[str, Any]:
    """Up to 100 users by id (?ids=1,2,3), in the order asked; unknown ids are left out."""
    people = []
    for number in show_many_ids(request, "user"):
        try:
            people.append(zendesk.user_for_number(number))
        except NotFoundError:
            continue
    people = list({(kind, r["id"]): (kind, r) for kind, r in people}.values())  # two ids of one merged customer
    users = Presenter(base_url(request)).users(people)
    return {"users": users, "next_page": None, "previous_page": None, "count": len(users)}


@zendesk_view()
def search_users(request: Any, principal: Principal) -> dict[str, Any]:
    """Users by email (?query=mia@example.com or email:…), phone (phone:+4930…) or external id
    (?external_id=… or query=external_id:…); one get per kind of user."""
    params = query_params(request)
    query = (params.get("query") or "").strip()
    presenter = Presenter(base_url(request))
    external = params.get("external_id")
    if external is None and query.startswith("external_id:"):
        external = query.removeprefix("external_id:").strip().strip('"')
    if external is not None or query.startswith("phone:"):
        from chalicelib.bootstrap import ticket_store

        if external is not None:
            channel, address = "external", external.strip()
        else:
            try:
                channel, address = "phone", zendesk_users.normalize_phone(query.removeprefix("phone:").strip())
            except ValidationError as error:
                raise BadRequestError(error.message) from None
        found = ticket_store().customer_for_identity(channel, address) if address else None
        customer = ticket_store().get_customer(found) if found else None
        users = [presenter.customer(customer)] if customer else []
        return {"users": users, "next_page": None, "previous_page": None, "count": len(users)}
    email = query.removeprefix("email:").strip().strip('"')
    if "@" not in email or " " in email:
        raise BadRequestError("query must be an email address (query=mia@example.com or query=email:mia@example.com), "
                              "phone:+4930123456 or external_id:…; Parley does not search users by name")
    users = presenter.users(zendesk.users_by_email(email))
    return {"users": users, "next_page": None, "previous_page": None, "count": len(users)}


@zendesk_view(roles=CREATING_ROLES)
def update_user(request: Any, principal: Principal, user_id: str) -> dict[str, Any]:
    """Change a user: an end-user's name, email, phone, external_id, organization_id, details, notes, tags and
    user_fields (agents and admins may); an agent's or admin's name (admins only). A new email, phone or
    external_id replaces the old one in every lookup."""
    body = read_object(request, "user")
    kind, record = _live_user(user_id)
    presenter = Presenter(base_url(request))
    if kind == "agent":
        if principal.role != "admin":
            raise ForbiddenError("only admins can change agents and admins; agents can change end-users")
        return {"user": presenter.agent(zendesk.update_agent_user(record, body))}
    if "role" in body and body["role"] != "end-user":
        raise RecordInvalidError({"role": f"an end-user cannot become '{body['role']}' here; an admin adds agents "
                                          "in Parley's agent settings"})
    return {"user": presenter.customer(zendesk.update_end_user(record, body))}


@zendesk_view(roles=("admin",))
def delete_user(request: Any, principal: Principal, user_id: str) -> dict[str, Any]:
    """Delete an end-user as Zendesk does: a soft delete. They turn inactive (active: false), leave the user
    list, and their email and other identities are freed; their tickets stay. Permanent erasure is
    DELETE /api/customers/{id}. Agents are removed in Parley's agent settings."""
    kind, record = _live_user(user_id)
    if kind == "agent":
        raise RecordInvalidError({"role": "agents and admins are removed in Parley's agent settings, not here"})
    return {"user": Presenter(base_url(request)).customer(zendesk.delete_end_user(principal.key, record))}


def _live_user(user_id: str) -> tuple[str, dict[str, Any]]:
    """The user behind a path id; a deleted end-user is not found (404), as for any change."""
    kind, record = zendesk.user_for_number(numeric_id(user_id))
    if kind == "customer" and record.get("deleted_at"):
        raise NotFoundError(f"user {user_id} was deleted")
    return kind, record


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
