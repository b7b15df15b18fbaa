"""Zendesk-compatible groups: Parley's routing departments, with stable whole-number ids.

List, show (any agent), create, update the description, delete (admins). A ticket's group_id is its
department (tickets.py), so tickets created or updated with a group_id are routed in that department.
"""
from __future__ import annotations

from typing import Any

from chalicelib.api.tokens import Principal
from chalicelib.api.zendesk.http import base_url, numeric_id, query_params, read_object, zendesk_view
from chalicelib.api.zendesk.pagination import cursor_body, offset_body, page_request, walk_to_offset
from chalicelib.api.zendesk.shapes import Presenter
from chalicelib.errors import NotFoundError
from chalicelib.services import zendesk

ADMINS = ("admin",)


@zendesk_view()
def list_groups(request: Any, principal: Principal) -> dict[str, Any]:
    """Groups (departments) by name, by cursor or offset pagination."""
    from chalicelib.bootstrap import agent_store

    page = page_request(query_params(request))
    url = f"{base_url(request)}/api/v2/groups.json"
    departments = sorted(agent_store().list_departments(), key=lambda d: d["name"].lower())

    def fetch(limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
        after = [d for d in departments if cursor is None or d["name"].lower() > cursor]
        return after[:limit], (after[limit - 1]["name"].lower() if len(after) > limit else None)

    presenter = Presenter(base_url(request))
    if page.cursor:
        groups, after = fetch(page.size, page.after)
        return cursor_body("groups", presenter.groups(groups), after, url, page.size)
    groups, more = walk_to_offset(fetch, page)
    return offset_body("groups", presenter.groups(groups), more, url, page, count=len(departments))


@zendesk_view()
def show_group(request: Any, principal: Principal, group_id: str) -> dict[str, Any]:
    """One group."""
    return {"group": Presenter(base_url(request)).group(_department(group_id))}


@zendesk_view(roles=ADMINS)
def create_group(request: Any, principal: Principal) -> tuple[int, dict[str, Any]]:
    """A group: a new department (least-busy routing; tune it in Parley's department settings)."""
    body = read_object(request, "group")
    department = zendesk.create_group(body.get("name"), body.get("description"))
    return 201, {"group": Presenter(base_url(request)).group(department)}


@zendesk_view(roles=ADMINS)
def update_group(request: Any, principal: Principal, group_id: str) -> dict[str, Any]:
    """Change a group's description (its name is its department's key and stays)."""
    body = read_object(request, "group")
    department = zendesk.update_group(_department(group_id), body)
    return {"group": Presenter(base_url(request)).group(department)}


@zendesk_view(roles=ADMINS)
def delete_group(request: Any, principal: Principal, group_id: str) -> tuple[int, None]:
    """Delete a group nobody is in and no ticket waits in (204)."""
    zendesk.delete_group(_department(group_id))
    return 204, None


def _department(group_id: str) -> dict[str, Any]:
    """The department behind a group id in a path; 404 when there is none (any more)."""
    from chalicelib.bootstrap import agent_store, zendesk_id_store
    from chalicelib.store.zendesk_ids import GROUP

    name = zendesk_id_store().ref_for(GROUP, numeric_id(group_id))
    department = agent_store().get_department(name) if name else None
    if department is None:
        raise NotFoundError(f"group {group_id} not found")
    return department


__all__ = ["create_group", "delete_group", "list_groups", "show_group", "update_group"]
