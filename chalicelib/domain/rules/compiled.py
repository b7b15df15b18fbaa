"""What triggers and automations share: a compiled rule with conditions, ordered actions and a position."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from chalicelib.domain.rules.actions import Action, compile_actions
from chalicelib.domain.rules.conditions import ConditionSet, compile_conditions
from chalicelib.errors import ValidationError

R = TypeVar("R", bound="CompiledRule")


@dataclass(frozen=True)
class CompiledRule:
    """A rule compiled from its JSON: conditions, ordered actions, position and whether it is active."""

    KIND: ClassVar[str] = "rule"

    id: str
    title: str
    conditions: ConditionSet
    actions: tuple[Action, ...]
    position: int = 0
    active: bool = True

    @classmethod
    def from_dict(cls: type[R], data: Mapping[str, Any]) -> R:
        """Compile from its JSON (Zendesk's, optionally wrapped in ``{"<kind>": ...}``)."""
        if cls.KIND in data and isinstance(data[cls.KIND], Mapping):
            data = data[cls.KIND]
        title = str(data.get("title") or data.get("id") or f"untitled {cls.KIND}")
        try:
            conditions = compile_conditions(data.get("conditions"))
            actions = compile_actions(data.get("actions"))
        except ValidationError as error:
            raise ValidationError(f"{cls.KIND} '{title}': {error.message}") from None
        return cls(id=str(data.get("id") if data.get("id") is not None else title), title=title,
                   conditions=conditions, actions=actions, position=int(data.get("position") or 0),
                   active=bool(data.get("active", True)))
