"""Views (/api/views): saved ticket filters with counts."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from chalicelib.api.http import endpoint, read_json
from chalicelib.api.tokens import Principal


class ViewBody(BaseModel):
    model_config = ConfigDict(extra="allow")


@endpoint(auth="agent")
def list_views(request: Any, principal: Principal) -> dict[str, Any]:
    """Built-in and saved views with their ticket counts."""
    from chalicelib.services.views import all_views

    return {"views": all_views(principal.id)}


@endpoint(auth="agent")
def view_tickets(request: Any, principal: Principal, view_id: str) -> dict[str, Any]:
    """The tickets of one view."""
    from chalicelib.services.views import view_tickets as tickets

    return tickets(view_id, principal.id)


@endpoint(auth="agent", roles=("admin",))
def create_view(request: Any, principal: Principal) -> tuple[int, dict[str, Any]]:
    """Admins save a view: {"name", "filter": {"status", "assignee", "department", "tags", "channel", ...}}."""
    from chalicelib.services.views import save_view

    return 201, {"view": save_view(read_json(request, ViewBody).model_dump())}
