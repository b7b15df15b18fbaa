"""Custom ticket fields (/api/ticket-fields): admins define them; everyone sees the definitions."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from chalicelib.api.http import endpoint, read_json
from chalicelib.api.tokens import Principal


class FieldBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    title: str | None = None
    type: str
    options: list[str] | None = None
    position: int | None = None


@endpoint(auth="agent")
def list_fields(request: Any, principal: Principal) -> dict[str, Any]:
    """The custom ticket fields, in order, with their types and options."""
    from chalicelib.bootstrap import config_store

    return {"ticket_fields": config_store().list("ticket_field", fresh=True)}


@endpoint(auth="agent", roles=("admin",))
def create_field(request: Any, principal: Principal) -> tuple[int, dict[str, Any]]:
    """Define a field: {"name", "title", "type": text|number|checkbox|date|dropdown, "options"}."""
    from chalicelib.services.ticket_fields import save_field

    return 201, {"ticket_field": save_field(read_json(request, FieldBody).model_dump(exclude_none=True))}


@endpoint(auth="agent", roles=("admin",))
def delete_field(request: Any, principal: Principal, field_name: str) -> dict[str, Any]:
    """Remove a field definition (values already on tickets stay)."""
    from chalicelib.bootstrap import config_store

    config_store().delete("ticket_field", field_name)
    return {"deleted": field_name}
