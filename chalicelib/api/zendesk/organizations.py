"""Zendesk-compatible organizations: create, show, list (customers join by email domain)."""
from __future__ import annotations

from typing import Any

from chalicelib.api.tokens import Principal
from chalicelib.api.zendesk.http import base_url, numeric_id, query_params, read_object, zendesk_view
from chalicelib.api.zendesk.pagination import cursor_body, offset_body, page_request, walk_to_offset
from chalicelib.api.zendesk.shapes import Presenter
from chalicelib.errors import NotFoundError
from chalicelib.services.organizations import create_organization as create


@zendesk_view(roles=("admin", "agent"))
def create_organization(request: Any, principal: Principal) -> tuple[int, dict[str, Any]]:
    """An organization with a unique name and the email domains whose new customers join it."""
    body = read_object(request, "organization")
    organization = create(
        name=body.get("name"), domain_names=body.get("domain_names"), details=body.get("details"),
        notes=body.get("notes"), tags=body.get("tags"), external_id=body.get("external_id"))
    return 201, {"organization": Presenter(base_url(request)).organization(organization)}


@zendesk_view()
def show_organization(request: Any, principal: Principal, organization_id: str) -> dict[str, Any]:
    """One organization."""
    from chalicelib.bootstrap import organization_store

    organization = organization_store().get(numeric_id(organization_id))
    if organization is None:
        raise NotFoundError(f"organization {organization_id} not found")
    return {"organization": Presenter(base_url(request)).organization(organization)}


@zendesk_view()
def list_organizations(request: Any, principal: Principal) -> dict[str, Any]:
    """Organizations by name, by cursor or offset pagination."""
    from chalicelib.bootstrap import organization_store

    page = page_request(query_params(request))
    url = f"{base_url(request)}/api/v2/organizations.json"
    presenter = Presenter(base_url(request))
    fetch = organization_store().list
    if page.cursor:
        organizations, after = fetch(page.size, page.after)
        return cursor_body("organizations", [presenter.organization(o) for o in organizations], after, url,
                           page.size)
    organizations, more = walk_to_offset(fetch, page)
    return offset_body("organizations", [presenter.organization(o) for o in organizations], more, url, page)
