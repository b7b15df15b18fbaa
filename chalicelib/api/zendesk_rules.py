"""Zendesk-compatible rules API: /api/v2/triggers, /api/v2/automations, /api/v2/macros (create, list, show,
update, delete) and GET /api/v2/tickets/{ticket_id}/macros/{id}/apply.json, in Zendesk's JSON.

Rules exported from Zendesk load unchanged: conditions {"all": [...], "any": [...]} and actions
[{"field", "value"}]. Zendesk's numeric group and agent ids in rule values are read as Parley's
departments and agents, and shown back as numbers. Authentication is Zendesk's (Basic email:password,
email/token:API_TOKEN, or a Bearer agent token); errors take Zendesk's shapes (422 RecordInvalid...).
"""
from __future__ import annotations

from typing import Any

from chalice import Response

from chalicelib.api.tokens import Principal
from chalicelib.api.zendesk.http import base_url, numeric_id, query_params, read_object, zendesk_view
from chalicelib.errors import ForbiddenError, ValidationError

PLURAL = {"trigger": "triggers", "automation": "automations", "macro": "macros"}
PER_PAGE_MAX = 100
_GROUP_FIELDS = ("group_id", "group")
_AGENT_FIELDS = ("assignee_id", "assignee")


def _admin(principal: Principal, kind: str) -> None:
    if principal.role != "admin":
        raise ForbiddenError(f"only admins can manage {PLURAL[kind]}")


@zendesk_view()
def collection(request: Any, principal: Principal, kind: str) -> Any:
    """GET: the rules, offset-paginated (?per_page, ?page); POST: create one from {"<kind>": {...}} (201)."""
    from chalicelib.services import rule_admin

    if request.method == "POST":
        _admin(principal, kind)
        created = rule_admin.create_rule(kind, _from_zendesk(read_object(request, kind)))
        return 201, {kind: _to_zendesk(request, kind, created)}
    if kind != "macro":
        _admin(principal, kind)
    rules = rule_admin.list_rules(kind)
    params = query_params(request)
    if "active" in params:
        wanted = params["active"].lower() == "true"
        rules = [r for r in rules if bool(r.get("active", True)) == wanted]
    size, page = _page(params)
    shown = rules[(page - 1) * size: page * size]
    url = f"{base_url(request)}/api/v2/{PLURAL[kind]}.json"
    more = page * size < len(rules)
    return {PLURAL[kind]: [_to_zendesk(request, kind, r) for r in shown],
            "next_page": f"{url}?page={page + 1}&per_page={size}" if more else None,
            "previous_page": f"{url}?page={page - 1}&per_page={size}" if page > 1 else None,
            "count": len(rules)}


@zendesk_view()
def item(request: Any, principal: Principal, kind: str, rule_id: str) -> Any:
    """GET one rule; PUT changes what the body names; DELETE removes it (204)."""
    from chalicelib.services import rule_admin

    number = str(numeric_id(rule_id))
    if request.method == "GET":
        if kind != "macro":
            _admin(principal, kind)
        return {kind: _to_zendesk(request, kind, rule_admin.find_rule(kind, number))}
    _admin(principal, kind)
    if request.method == "DELETE":
        rule_admin.find_rule(kind, number)
        rule_admin.delete_rule(kind, number)
        return Response(body="", status_code=204)
    updated = rule_admin.update_rule(kind, number, _from_zendesk(read_object(request, kind)))
    return {kind: _to_zendesk(request, kind, updated)}


@zendesk_view()
def macro_apply(request: Any, principal: Principal, ticket_id: str, macro_id: str) -> dict[str, Any]:
    """What applying the macro would change on the ticket: {"result": {"ticket": {...}, "comment": {...}}}."""
    from chalicelib.services import rule_admin

    preview = rule_admin.macro_preview(principal, numeric_id(ticket_id), str(numeric_id(macro_id)))
    result: dict[str, Any] = {"ticket": _ticket(request, preview["ticket"])}
    comment = preview["comment"]
    if comment:
        result["comment"] = {"body": comment["body"], "html_body": comment["html_body"] or _html(comment["body"]),
                             "scoped_body": [["channel:all", comment["body"]]], "public": comment["public"]}
    return {"result": result}


# --------------------------------------------------------------------------- shapes


def _page(params: dict[str, str]) -> tuple[int, int]:
    size, page = params.get("per_page", str(PER_PAGE_MAX)), params.get("page", "1")
    if not size.isdigit() or not 1 <= int(size) <= PER_PAGE_MAX:
        raise ValidationError(f"per_page must be a whole number from 1 to {PER_PAGE_MAX}")
    if not page.isdigit() or int(page) < 1:
        raise ValidationError("page must be a whole number from 1")
    return int(size), int(page)


def _from_zendesk(body: dict[str, Any]) -> dict[str, Any]:
    """A Zendesk rule body in Parley's terms: numeric group and agent ids become departments and agents."""
    data = {k: v for k, v in body.items() if k not in ("id", "url", "created_at", "updated_at", "raw_title",
                                                          "default", "restriction_ids")}
    if isinstance(data.get("conditions"), dict):
        data["conditions"] = {part: [_value_in(c) for c in items] if isinstance(items, list) else items
                              for part, items in data["conditions"].items()}
    if isinstance(data.get("actions"), list):
        data["actions"] = [_value_in(a) for a in data["actions"]]
    return data


def _value_in(entry: Any) -> Any:
    if not isinstance(entry, dict):
        return entry
    from chalicelib.services import zendesk

    field, value = entry.get("field"), entry.get("value")
    if _is_number(value) and field in _GROUP_FIELDS:
        return {**entry, "value": zendesk.department_for_number(int(value))}
    if _is_number(value) and field in _AGENT_FIELDS:
        return {**entry, "value": zendesk.agent_for_number(int(value), str(field))}
    if field == "notification_group" and isinstance(value, list) and value and _is_number(value[0]):
        return {**entry, "value": [zendesk.department_for_number(int(value[0])), *value[1:]]}
    return entry


def _to_zendesk(request: Any, kind: str, rule: dict[str, Any]) -> dict[str, Any]:
    """A stored rule as Zendesk shows it (integer id, url, raw_title, Zendesk timestamps)."""
    rule_id = int(rule["id"]) if str(rule["id"]).isdigit() else rule["id"]
    shown: dict[str, Any] = {
        "id": rule_id, "url": f"{base_url(request)}/api/v2/{PLURAL[kind]}/{rule_id}.json",
        "title": rule.get("title"), "raw_title": rule.get("title"), "active": bool(rule.get("active", True)),
        "position": rule.get("position"), "description": rule.get("description"),
        "actions": [_value_out(a) for a in rule.get("actions") or []],
        "created_at": _time(rule.get("created_at")), "updated_at": _time(rule.get("updated_at")),
    }
    if kind == "macro":
        shown["restriction"] = rule.get("restriction")
    else:
        conditions = rule.get("conditions") or {}
        if isinstance(conditions, list):
            conditions = {"all": conditions, "any": []}
        shown["conditions"] = {"all": [_value_out(c) for c in conditions.get("all") or []],
                               "any": [_value_out(c) for c in conditions.get("any") or []]}
    if kind == "trigger":
        shown["category_id"] = rule.get("category_id")
        shown["default"] = False
    return shown


def _value_out(entry: Any) -> Any:
    if not isinstance(entry, dict):
        return entry
    field, value = entry.get("field"), entry.get("value")
    if field in _GROUP_FIELDS and isinstance(value, str) and value and not _is_number(value):
        number = _numbers("group", [value.lower()]).get(value.lower())
        return {**entry, "value": number} if number is not None else entry
    if field in _AGENT_FIELDS and isinstance(value, str) and value not in ("current_user", "") \
            and not _is_number(value):
        number = _numbers("user", [f"agent:{value}"]).get(f"agent:{value}")
        return {**entry, "value": number} if number is not None else entry
    return entry


def _numbers(space: str, refs: list[str]) -> dict[str, int]:
    from chalicelib.bootstrap import zendesk_id_store

    try:
        return zendesk_id_store().numbers_for(space, refs)
    except Exception:  # the registry is an optional nicety here; the rule reads the same with names
        return {}


def _ticket(request: Any, ticket: dict[str, Any]) -> dict[str, Any]:
    from chalicelib.api.zendesk.shapes import Presenter

    return Presenter(base_url(request)).ticket(ticket)


def _html(text: str) -> str:
    import html

    return "<p>" + html.escape(text).replace("\n", "<br>") + "</p>"


def _time(moment: str | None) -> str | None:
    return f"{moment[:19]}Z" if moment else None


def _is_number(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, str) and value.isdigit())

