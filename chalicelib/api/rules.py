"""Parley's admin API for business rules: /api/triggers, /api/automations, /api/macros, /api/sla-policies,
/api/schedules, /api/assignment-rules, /api/shortcuts and /api/settings/conversation-styles.

Admins create, list, show, change (PUT replaces, PATCH merges: {"active": false} disables,
{"position": 3} moves), delete, reorder ({"ids": [...]}) and test ("which recent tickets would match?")
rules. Agents may list and read macros and shortcuts and use them on tickets. A rule the domain refuses
is a 400 carrying the domain's explanation.
"""
from __future__ import annotations

from typing import Any

from chalice import Response
from pydantic import BaseModel, ConfigDict

from chalicelib.api.http import endpoint, if_match_version, read_json
from chalicelib.api.tokens import Principal
from chalicelib.errors import ForbiddenError, NotFoundError

AGENT_READABLE = ("macro", "shortcut")


class _Anything(BaseModel):
    model_config = ConfigDict(extra="allow")


def _body(request: Any) -> dict[str, Any]:
    return read_json(request, _Anything).model_dump()


def _admin(principal: Principal, what: str) -> None:
    if principal.role != "admin":
        raise ForbiddenError(f"only admins can {what}; you are {principal.role}")


def _readable(principal: Principal, kind: str) -> None:
    if kind not in AGENT_READABLE:
        _admin(principal, f"see {kind.replace('_', ' ')}s")


def _ticket_id(raw: str) -> int:
    if not raw.isdigit():
        raise NotFoundError(f"ticket {raw} not found")
    return int(raw)


@endpoint(auth="agent")
def rules_collection(request: Any, principal: Principal, kind: str) -> Any:
    """GET: every rule of a kind by position; POST (admins): create one (201)."""
    from chalicelib.services import rule_admin

    spec = rule_admin.kind_of(kind)
    if request.method == "POST":
        _admin(principal, f"create {kind.replace('_', ' ')}s")
        return 201, {spec.singular: rule_admin.create_rule(kind, _body(request))}
    _readable(principal, kind)
    rules = rule_admin.list_rules(kind)
    return {spec.plural: rules, "count": len(rules)}


@endpoint(auth="agent")
def rule_item(request: Any, principal: Principal, kind: str, rule_id: str) -> Any:
    """GET one rule; PUT replaces it, PATCH changes what the body names, DELETE removes it (admins)."""
    from chalicelib.services import rule_admin

    spec = rule_admin.kind_of(kind)
    if request.method == "GET":
        _readable(principal, kind)
        return {spec.singular: rule_admin.find_rule(kind, rule_id)}
    _admin(principal, f"change {kind.replace('_', ' ')}s")
    if request.method == "DELETE":
        rule_admin.delete_rule(kind, rule_id)
        return Response(body="", status_code=204)
    updated = rule_admin.update_rule(kind, rule_id, _body(request), replace=request.method == "PUT")
    return {spec.singular: updated}


@endpoint(auth="agent", roles=("admin",))
def reorder_rules(request: Any, principal: Principal, kind: str) -> dict[str, Any]:
    """Run the rules in the order given: {"ids": [first, second, ...]}."""
    from chalicelib.services import rule_admin

    spec = rule_admin.kind_of(kind)
    rules = rule_admin.reorder(kind, _body(request).get("ids"))
    return {spec.plural: rules, "count": len(rules)}


@endpoint(auth="agent", roles=("admin",))
def test_rule(request: Any, principal: Principal, kind: str) -> dict[str, Any]:
    """Which of the newest tickets (?limit=, at most 200) a draft or stored trigger/automation would act on."""
    from chalicelib.services import rule_admin

    return rule_admin.test_rule(kind, _body(request), (request.query_params or {}).get("limit"))


@endpoint(auth="agent")
def conversation_styles(request: Any, principal: Principal) -> dict[str, Any]:
    """GET: the conversation style settings; PUT (admins): change the windows and each channel's style."""
    from chalicelib.services import rule_admin

    if request.method == "PUT":
        _admin(principal, "change conversation styles")
        return {"conversation_styles": rule_admin.save_style_settings(_body(request))}
    return {"conversation_styles": rule_admin.style_settings()}


@endpoint(auth="agent")
def macro_on_ticket(request: Any, principal: Principal, ticket_id: str, macro_id: str) -> dict[str, Any]:
    """GET: what the macro would do to the ticket; POST: apply it (one update; If-Match: <version> guards it)."""
    from chalicelib.services import rule_admin

    if request.method == "GET":
        return rule_admin.macro_preview(principal, _ticket_id(ticket_id), macro_id)
    return rule_admin.apply_macro(principal, _ticket_id(ticket_id), macro_id, if_match_version(request))


@endpoint(auth="agent")
def shortcut_on_ticket(request: Any, principal: Principal, ticket_id: str, name: str) -> dict[str, Any]:
    """A chat shortcut's text rendered for the ticket ({{customer.name}} and the like filled in)."""
    from chalicelib.services import rule_admin

    return rule_admin.render_shortcut(principal, _ticket_id(ticket_id), name)

