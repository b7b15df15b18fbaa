"""Macros: canned sets of actions an agent applies to a ticket (a reply plus field changes)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.errors import ValidationError
from chalicelib.domain.rules.actions import Action, ActionContext, AddComment, apply_actions, changed_fields, compile_actions


@dataclass(frozen=True)
class Macro:
    """A compiled macro: title, actions, active."""

    id: str
    title: str
    actions: tuple[Action, ...]
    active: bool = True

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Macro":
        """Compile a macro from its JSON (Zendesk's, optionally wrapped in ``{"macro": ...}``)."""
        if "macro" in data and isinstance(data["macro"], Mapping):
            data = data["macro"]
        title = str(data.get("title") or data.get("id") or "untitled macro")
        try:
            actions = compile_actions(data.get("actions"))
        except ValidationError as error:
            raise ValidationError(f"macro '{title}': {error.message}") from None
        return cls(id=str(data.get("id") if data.get("id") is not None else title), title=title,
                   actions=actions, active=bool(data.get("active", True)))


def apply_macro(macro: Mapping[str, Any] | Macro, ticket: Mapping[str, Any], *,
                agent: Mapping[str, Any], customer: Mapping[str, Any] | None = None,
                now: datetime | None = None, base_url: str = ""
                ) -> tuple[dict[str, Any], AddComment | None, dict[str, tuple[Any, Any]]]:
    """What applying ``macro`` as ``agent`` would do: (ticket after, comment to add or None, changes).

    Pure, so the agent app can preview a macro before submitting; ``current_user`` is ``agent``.
    """
    compiled = macro if isinstance(macro, Macro) else Macro.from_dict(macro)
    if not compiled.active:
        raise ValidationError(f"macro '{compiled.title}' is inactive; activate it before applying it")
    context = ActionContext(now=now, actor_id=_str_or_none(agent.get("id")), customer=customer,
                            agent=agent, base_url=base_url)
    after, effects = apply_actions(compiled.actions, ticket, context=context)
    comments = [e for e in effects if isinstance(e, AddComment)]
    comment = comments[0] if comments else None
    if len(comments) > 1:
        comment = AddComment("\n\n".join(c.body for c in comments), public=all(c.public for c in comments))
    return after, comment, changed_fields(ticket, after)


def _str_or_none(value: Any) -> str | None:
    return None if value in (None, "") else str(value)
