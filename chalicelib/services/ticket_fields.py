"""Custom ticket fields: admins define them (name, type, options); values are checked wherever they are set.

Agents and API clients may only set defined fields, with values of the field's type. Metadata a
widget or SDK sends with a new conversation is kept as it is, except that values for defined fields
must fit their type (a value that does not is dropped and logged, never a lost conversation).
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any

from chalicelib.errors import ValidationError
from chalicelib.observability import logger

TYPES = ("text", "number", "checkbox", "date", "dropdown")
_NAME = re.compile(r"^([a-z][a-z0-9_]{0,62}|[0-9]{1,20})$")  # a name, or a Zendesk numeric field id


def save_field(body: dict[str, Any]) -> dict[str, Any]:
    """Validate and store a field definition ({"name", "title", "type", "options"?})."""
    from chalicelib.bootstrap import config_store

    name = body.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValidationError("name must be lowercase letters, digits and _ (starting with a letter), "
                              "e.g. product_code, or a numeric Zendesk field id")
    kind = body.get("type")
    if kind not in TYPES:
        raise ValidationError(f"type '{kind}' is not one of {', '.join(TYPES)}")
    options = body.get("options")
    if kind == "dropdown" and (not isinstance(options, list) or not options
                               or not all(isinstance(o, str) and o for o in options)):
        raise ValidationError("a dropdown field needs options: a non-empty list of texts")
    field = {"id": name, "name": name, "title": str(body.get("title") or name.replace("_", " ").capitalize()),
             "type": kind, "position": int(body.get("position") or 0)}
    if kind == "dropdown":
        field["options"] = options
    return config_store().put("ticket_field", field)


def definitions() -> dict[str, dict[str, Any]]:
    """Field definitions by name."""
    from chalicelib.bootstrap import config_store

    return {f["name"]: f for f in config_store().list("ticket_field")}


def validate_values(values: dict[str, Any]) -> dict[str, Any]:
    """Values an agent or API client sets: only defined fields, each of its type (None clears a field)."""
    fields = definitions()
    unknown = sorted(set(values) - set(fields))
    if unknown:
        known = ", ".join(sorted(fields)) or "none yet (an admin adds them at /api/ticket-fields)"
        raise ValidationError(f"custom field {', '.join(unknown)} is not defined; defined fields: {known}")
    return {name: _coerce(fields[name], value) for name, value in values.items()}


def clean_metadata(values: dict[str, Any]) -> dict[str, Any]:
    """Metadata sent with a new conversation: defined fields must fit their type; the rest is kept."""
    fields = definitions()
    kept: dict[str, Any] = {}
    for name, value in values.items():
        if name not in fields:
            kept[name] = value
            continue
        try:
            kept[name] = _coerce(fields[name], value)
        except ValidationError as error:
            logger.info("metadata value dropped", extra={"field": name, "reason": error.message})
    return kept


def _coerce(field: dict[str, Any], value: Any) -> Any:
    name, kind = field["name"], field["type"]
    if value is None:
        return None
    if kind == "text" and isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    if kind == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if kind == "number" and isinstance(value, str):
        try:
            return float(value) if "." in value else int(value)
        except ValueError:
            pass
    if kind == "checkbox" and isinstance(value, bool):
        return value
    if kind == "date" and isinstance(value, str):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    if kind == "dropdown" and value in field.get("options", []):
        return value
    expected = {"text": "a text", "number": "a number", "checkbox": "true or false",
                "date": "a date like 2026-11-24", "dropdown": f"one of {', '.join(field.get('options', []))}"}[kind]
    raise ValidationError(f"custom field {name} must be {expected}, got {value!r}")
