"""The condition language shared by triggers, automations, SLA policies and assignment rules.

Conditions use Zendesk's JSON shape so exported Zendesk rules load unchanged::

    {"all": [{"field": "status", "operator": "is", "value": "open"}],
     "any": [{"field": "current_tags", "operator": "includes", "value": "vip gold"}]}

Every condition in ``all`` must hold, and at least one in ``any`` when ``any`` is not empty.
A plain list is read as ``all``. Conditions are compiled once into small predicates
(:func:`compile_conditions`); :func:`matches` compiles and evaluates in one call.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from chalicelib.errors import ValidationError
from chalicelib.domain.rules import vocabulary as vocab

# --------------------------------------------------------------------------- operators

EQUALITY = ("is", "is_not")
ORDER = ("less_than", "greater_than", "less_than_equal", "greater_than_equal")
CHANGE = ("changed", "changed_to", "changed_from", "not_changed", "not_changed_to", "not_changed_from")
PRESENCE = ("present", "not_present")
INCLUSION = ("includes", "not_includes")
TIME = ("is", "less_than", "greater_than",
        "is_business_hours", "less_than_business_hours", "greater_than_business_hours")

OPERATOR_ALIASES = {
    # Zendesk's spellings of the change operators.
    "value": "changed_to",
    "value_previous": "changed_from",
    "not_value": "not_changed_to",
    "not_value_previous": "not_changed_from",
    # Readable aliases.
    "equals": "is",
    "not_equals": "is_not",
    "contains": "includes",
    "not_contains": "not_includes",
    "less_than_or_equal": "less_than_equal",
    "greater_than_or_equal": "greater_than_equal",
}

HOURS_PER_BUSINESS_MINUTE = 1 / 60


class _Ctx:
    """What one evaluation looks at: the ticket snapshot, the update's changes, the time."""

    __slots__ = ("ticket", "changes", "fields", "now", "schedule", "cache")

    def __init__(self, ticket, changes, now, schedule):
        self.ticket = ticket
        self.changes = changes or {}
        self.fields = self.changes.get("fields") or {}
        self.now = now
        self.schedule = schedule
        self.cache: dict[str, Any] = {}

    def current_time(self) -> datetime:
        if self.now is None:
            self.now = datetime.now(timezone.utc)
        return self.now


Test = Callable[[_Ctx], bool]


@dataclass(frozen=True)
class Condition:
    """One compiled condition: its canonical field and operator, the value, and its test."""

    field: str
    operator: str
    value: Any
    test: Test = field(repr=False, compare=False)
    is_time: bool = False
    uses_changes: bool = False
    business_hours: bool = False
    anchor: str | None = None  # the ticket timestamp a time condition counts from


@dataclass(frozen=True)
class ConditionSet:
    """Compiled ``all``/``any`` conditions; evaluate with :meth:`matches`."""

    all: tuple[Condition, ...]
    any: tuple[Condition, ...]

    def matches(self, ticket: Mapping[str, Any], changes: Mapping[str, Any] | None = None, *,
                now: datetime | None = None, schedule: Any = None) -> bool:
        """True when every ``all`` condition holds and, if ``any`` is not empty, one of ``any``."""
        return self.matches_in(_Ctx(ticket, changes, now, schedule))

    def matches_in(self, ctx: "_Ctx") -> bool:
        """:meth:`matches` within an evaluation context shared by many rules (see :func:`evaluation`)."""
        for condition in self.all:
            if not condition.test(ctx):
                return False
        if not self.any:
            return True
        for condition in self.any:
            if condition.test(ctx):
                return True
        return False

    @property
    def conditions(self) -> tuple[Condition, ...]:
        """Every condition, ``all`` first."""
        return self.all + self.any

    @property
    def time_conditions(self) -> tuple[Condition, ...]:
        """The conditions that count hours since a ticket event (automations need one)."""
        return tuple(c for c in self.conditions if c.is_time)

    def __len__(self) -> int:
        return len(self.all) + len(self.any)


# --------------------------------------------------------------------------- public API


def matches(conditions: Mapping[str, Any] | list | None, ticket: Mapping[str, Any],
            changes: Mapping[str, Any] | None = None, *, now: datetime | None = None,
            schedule: Any = None) -> bool:
    """Whether ``ticket`` (with the update's ``changes``) satisfies ``conditions``.

    ``now`` is needed by time conditions; ``schedule`` (a business-hours schedule) by
    conditions counted in business hours, which use a 24x7 calendar when it is None.
    Raises ValidationError for unknown fields, operators or values.
    """
    return compile_conditions(conditions).matches(ticket, changes, now=now, schedule=schedule)


def evaluation(ticket: Mapping[str, Any], changes: Mapping[str, Any] | None = None, *,
               now: datetime | None = None, schedule: Any = None) -> _Ctx:
    """One evaluation context for checking many rules against the same ticket state.

    Words of the subject and comment, and the tag set, are worked out once per context;
    make a new context whenever the ticket or the changes change.
    """
    return _Ctx(ticket, changes, now, schedule)


def compile_conditions(conditions: Mapping[str, Any] | list | ConditionSet | None) -> ConditionSet:
    """Check and compile a conditions document once, for repeated evaluation."""
    if isinstance(conditions, ConditionSet):
        return conditions
    if conditions is None:
        return ConditionSet((), ())
    if isinstance(conditions, list | tuple):
        return ConditionSet(tuple(compile_condition(c) for c in conditions), ())
    if not isinstance(conditions, Mapping):
        raise ValidationError("conditions must be an object with 'all' and 'any' lists")
    unknown = set(conditions) - {"all", "any"}
    if unknown:
        raise ValidationError(
            f"conditions have unknown key(s) {', '.join(sorted(map(str, unknown)))}; use 'all' and 'any'")
    parts = []
    for key in ("all", "any"):
        items = conditions.get(key) or []
        if not isinstance(items, list | tuple):
            raise ValidationError(f"conditions '{key}' must be a list of {{field, operator, value}}")
        parts.append(tuple(compile_condition(item) for item in items))
    return ConditionSet(parts[0], parts[1])


def compile_condition(condition: Mapping[str, Any]) -> Condition:
    """Check and compile one ``{"field", "operator", "value"}`` condition."""
    if not isinstance(condition, Mapping) or "field" not in condition:
        raise ValidationError(f"a condition needs 'field', 'operator' and 'value'; got {condition!r}")
    raw_field = str(condition["field"])
    raw_operator = str(condition.get("operator", "is")).strip().lower()
    operator = OPERATOR_ALIASES.get(raw_operator, raw_operator)
    value = condition.get("value")
    spec = _field_spec(raw_field)
    if operator not in spec.operators:
        raise ValidationError(
            f"operator '{raw_operator}' does not apply to field '{raw_field}'; "
            f"use one of: {', '.join(spec.operators)}")
    return spec.build(raw_field, operator, value, condition)


def known_fields() -> list[str]:
    """The condition fields a person can use (canonical names), for error messages and UIs."""
    return sorted(_CANONICAL) + ["custom_fields_<id>", "custom_fields.<name>"]


# --------------------------------------------------------------------------- helpers


@lru_cache(maxsize=8192)
def parse_time(value: str) -> datetime:
    """An aware UTC datetime from an ISO-8601 string (a trailing Z is accepted)."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


def _as_time(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return parse_time(str(value))


def _as_bool(value: Any, field: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise ValidationError(f"{field} value {value!r} must be true or false")


def _as_number(value: Any, field: str) -> float:
    if isinstance(value, bool):
        raise ValidationError(f"{field} value {value!r} must be a number of hours")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{field} value {value!r} must be a number of hours") from None


def _change(ctx: _Ctx, keys: tuple[str, ...]) -> tuple[Any, Any] | None:
    """(old, new) of the first key the update changed, or None when none changed."""
    fields = ctx.fields
    if not fields:
        return None
    for key in keys:
        pair = fields.get(key)
        if pair is not None:
            old, new = pair
            if old != new:
                return old, new
    return None


def _change_test(operator: str, keys: tuple[str, ...], wanted: Callable[[Any], bool] | None) -> Test:
    """A test for the changed / changed_to / changed_from family."""
    if operator == "changed":
        return lambda ctx: _change(ctx, keys) is not None
    if operator == "not_changed":
        return lambda ctx: _change(ctx, keys) is None
    side = 1 if operator.endswith("_to") else 0
    negate = operator.startswith("not_")

    def test(ctx: _Ctx) -> bool:
        pair = _change(ctx, keys)
        hit = pair is not None and wanted(pair[side])
        return hit != negate

    return test


class _Spec:
    """How one condition field reads the ticket and which operators it accepts."""

    def __init__(self, operators: Iterable[str], builder):
        self.operators = tuple(dict.fromkeys(operators))
        self._builder = builder

    def build(self, field: str, operator: str, value: Any, raw: Mapping[str, Any]) -> Condition:
        return self._builder(field, operator, value, raw)


# --------------------------------------------------------------------------- field builders


def _enum_builder(canonical: str, keys: tuple[str, ...], normalize: Callable[[Any], Any],
                  rank: Mapping[str, int] | None = None):
    """Fields holding one value from a fixed list (status, priority, type, channel)."""
    key = keys[0]

    def normalize_values(value: Any) -> frozenset:
        values = value if isinstance(value, list | tuple | set) else [value]
        return frozenset(normalize(v) for v in values)

    def build(field, operator, value, raw):
        if operator in CHANGE:
            wanted = None
            if operator not in ("changed", "not_changed"):
                targets = normalize_values(value)

                def wanted(v, targets=targets):
                    try:
                        return normalize(v) in targets
                    except ValidationError:
                        return False
            return Condition(canonical, operator, value, _change_test(operator, keys, wanted),
                             uses_changes=True)
        if operator in EQUALITY:
            targets = normalize_values(value)
            if operator == "is":
                test = lambda ctx: ctx.ticket.get(key) in targets  # noqa: E731
            else:
                test = lambda ctx: ctx.ticket.get(key) not in targets  # noqa: E731
            return Condition(canonical, operator, value, test)
        if operator in PRESENCE:
            present = operator == "present"
            return Condition(canonical, operator, value,
                             lambda ctx: (ctx.ticket.get(key) not in (None, "")) == present)
        # ordered comparison (status, priority)
        target = normalize(value)
        if target is None:
            raise ValidationError(f"{field} '{operator}' needs a value to compare with")
        bound = rank[target]
        compare = _ORDER_COMPARE[operator]

        def ordered(ctx: _Ctx) -> bool:
            current = rank.get(ctx.ticket.get(key))
            return current is not None and compare(current, bound)

        return Condition(canonical, operator, value, ordered)

    return build


_ORDER_COMPARE = {
    "less_than": lambda a, b: a < b,
    "greater_than": lambda a, b: a > b,
    "less_than_equal": lambda a, b: a <= b,
    "greater_than_equal": lambda a, b: a >= b,
}


def _ref_value(ctx: _Ctx, ref: str) -> Any:
    """Resolve Zendesk's placeholders for ids: current_user, requester_id, assignee_id."""
    if ref == "current_user":
        return ctx.changes.get("actor_id") or ctx.changes.get("current_user_id")
    return ctx.ticket.get(ref)


_ID_REFS = {"current_user", "requester_id", "assignee_id"}


def _id_builder(canonical: str, keys: tuple[str, ...]):
    """Fields holding an id or a name (department, assignee, requester, organization)."""

    def read(ticket: Mapping[str, Any]) -> set[str]:
        found = set()
        for key in keys:
            current = ticket.get(key)
            if current not in (None, ""):
                found.add(str(current))
        return found

    def targets_of(value: Any) -> list:
        values = value if isinstance(value, list | tuple | set) else [value]
        return [None if v in (None, "", "-") else str(v) for v in values]

    def build(field, operator, value, raw):
        if operator in PRESENCE:
            present = operator == "present"
            return Condition(canonical, operator, value, lambda ctx: bool(read(ctx.ticket)) == present)
        targets = targets_of(value)
        plain = frozenset(t for t in targets if t is not None and t not in _ID_REFS)
        refs = tuple(t for t in targets if t in _ID_REFS and t != canonical)
        wants_none = None in targets

        def hit_value(ctx: _Ctx, current: Any) -> bool:
            if current in (None, ""):
                return wants_none
            text = str(current)
            if text in plain:
                return True
            return any(str(_ref_value(ctx, ref)) == text for ref in refs)

        if operator in CHANGE:
            test = _change_test(operator, keys, None)
            if operator not in ("changed", "not_changed"):
                side = 1 if operator.endswith("_to") else 0
                negate = operator.startswith("not_")

                def test(ctx: _Ctx) -> bool:
                    pair = _change(ctx, keys)
                    hit = pair is not None and hit_value(ctx, pair[side])
                    return hit != negate
            return Condition(canonical, operator, value, test, uses_changes=True)

        def is_test(ctx: _Ctx) -> bool:
            current = read(ctx.ticket)
            if not current:
                return wants_none
            return any(hit_value(ctx, c) for c in current)

        if operator == "is":
            return Condition(canonical, operator, value, is_test)
        return Condition(canonical, operator, value, lambda ctx: not is_test(ctx))

    return build


def _tags_builder(field, operator, value, raw):
    """current_tags: includes (any of), not_includes (none of), is (all of), is_not (not all of)."""
    wanted = frozenset(vocab.split_tags(value))
    if operator in PRESENCE:
        present = operator == "present"
        return Condition("current_tags", operator, value,
                         lambda ctx: bool(ctx.ticket.get("tags")) == present)
    if operator in ("changed", "not_changed"):
        return Condition("current_tags", operator, value,
                         _change_test(operator, ("tags",), None), uses_changes=True)
    if not wanted:
        raise ValidationError(f"{field} '{operator}' needs at least one tag in 'value'")

    def tags(ctx: _Ctx) -> set:
        cached = ctx.cache.get("tags")
        if cached is None:
            cached = {str(t).lower() for t in ctx.ticket.get("tags") or ()}
            ctx.cache["tags"] = cached
        return cached

    tests = {
        "includes": lambda ctx: not wanted.isdisjoint(tags(ctx)),
        "not_includes": lambda ctx: wanted.isdisjoint(tags(ctx)),
        "is": lambda ctx: wanted <= tags(ctx),
        "is_not": lambda ctx: not wanted <= tags(ctx),
    }
    return Condition("current_tags", operator, value, tests[operator])


_TERM = re.compile(r'"([^"]+)"|(\S+)')
_WORD = re.compile(r"\w+", re.UNICODE)


def _words(text: str) -> str:
    """Text reduced to its lower-case words separated by single spaces, padded for matching."""
    return " " + " ".join(_WORD.findall(text.lower())) + " "


def _terms(value: Any) -> tuple[str, ...]:
    """Words or "quoted phrases" from a condition value, each padded like :func:`_words`."""
    text = " ".join(value) if isinstance(value, list | tuple) else str(value or "")
    terms = []
    for phrase, word in _TERM.findall(text):
        normalized = " ".join(_WORD.findall((phrase or word).lower()))
        if normalized:
            terms.append(f" {normalized} ")
    return tuple(terms)


def _comment_text(ctx: _Ctx) -> str:
    comment = ctx.changes.get("comment")
    if comment:
        return str(comment.get("body") or "")
    if ctx.changes.get("event") == "created":
        return str(ctx.ticket.get("description") or "")
    return ""


def _text_builder(canonical: str, read: Callable[[_Ctx], str]):
    """Word conditions: includes (any word), not_includes (no word), is / is_not (the string)."""

    def build(field, operator, value, raw):
        if operator in ("is", "is_not"):
            needle = str(value or "").lower()
            if not needle:
                raise ValidationError(f"{field} '{operator}' needs the text to look for in 'value'")
            contains = lambda ctx: needle in read(ctx).lower()  # noqa: E731
            test = contains if operator == "is" else (lambda ctx: not contains(ctx))
            return Condition(canonical, operator, value, test)
        terms = _terms(value)
        if not terms:
            raise ValidationError(f"{field} '{operator}' needs at least one word in 'value'")

        def words(ctx: _Ctx) -> str:
            cached = ctx.cache.get(canonical)
            if cached is None:
                cached = _words(read(ctx))
                ctx.cache[canonical] = cached
            return cached

        def any_term(ctx: _Ctx) -> bool:
            text = words(ctx)
            return any(term in text for term in terms)

        test = any_term if operator == "includes" else (lambda ctx: not any_term(ctx))
        return Condition(canonical, operator, value, test, uses_changes=canonical == "comment_includes_word")

    return build


def _comment_public_builder(field, operator, value, raw):
    """comment_is_public: true (public), false (internal note), not_relevant (any comment)."""
    text = str(value).strip().lower()
    if text in ("not_relevant", "present", "any"):
        want = lambda comment: True  # noqa: E731
    elif text == "requester_can_see_comment":
        want = lambda comment: bool(comment.get("public", True))  # noqa: E731
    else:
        public = _as_bool(value, field)
        want = lambda comment: bool(comment.get("public", True)) == public  # noqa: E731

    def test(ctx: _Ctx) -> bool:
        comment = ctx.changes.get("comment")
        return bool(comment) and want(comment)

    final = test if operator == "is" else (lambda ctx: not test(ctx))
    return Condition("comment_is_public", operator, value, final, uses_changes=True)


def _author_builder(field, operator, value, raw):
    """role / comment_author: who made the update (customer, agent or system)."""
    values = value if isinstance(value, list | tuple) else [value]
    wanted = frozenset(vocab.normalize_author_type(v) for v in values)

    def author(ctx: _Ctx) -> str | None:
        comment = ctx.changes.get("comment")
        if comment and comment.get("author_type"):
            return AUTHORS.get(comment["author_type"], comment["author_type"])
        actor = ctx.changes.get("actor_type")
        return AUTHORS.get(actor, actor) if actor else None

    AUTHORS = vocab.AUTHOR_ALIASES
    test = (lambda ctx: author(ctx) in wanted) if operator == "is" else (lambda ctx: author(ctx) not in wanted)
    return Condition("role", operator, value, test, uses_changes=True)


_UPDATE_TYPES = {"create": "created", "created": "created", "change": "updated", "changed": "updated",
                 "update": "updated", "updated": "updated"}


def _ticket_is_public_builder(field, operator, value, raw):
    """ticket_is_public: public (the requester sees replies) or private."""
    text = str(value).strip().lower()
    if text in ("public", "private"):
        want = text == "public"
    else:
        want = _as_bool(value, field)
    if operator == "is_not":
        want = not want
    return Condition("ticket_is_public", operator, value,
                     lambda ctx: bool(ctx.ticket.get("is_public", True)) == want)


def _update_type_builder(field, operator, value, raw):
    """update_type: Create (the ticket is new) or Change (an update to an existing ticket)."""
    event = _UPDATE_TYPES.get(str(value).strip().lower())
    if event is None:
        raise ValidationError(f"update_type value {value!r} is not one of Create, Change")
    if operator == "is":
        test = lambda ctx: ctx.changes.get("event") == event  # noqa: E731
    else:
        test = lambda ctx: ctx.changes.get("event") != event  # noqa: E731
    return Condition("update_type", operator, value, test, uses_changes=True)


def _update_via_builder(field, operator, value, raw):
    """update_via: the channel the current update came through."""
    values = value if isinstance(value, list | tuple) else [value]
    wanted = frozenset(vocab.normalize_channel(v) for v in values)

    def via(ctx: _Ctx) -> str | None:
        raw_via = ctx.changes.get("via")
        if raw_via is None:
            return None
        try:
            return vocab.normalize_channel(raw_via)
        except ValidationError:
            return str(raw_via)

    test = (lambda ctx: via(ctx) in wanted) if operator == "is" else (lambda ctx: via(ctx) not in wanted)
    return Condition("update_via", operator, value, test, uses_changes=True)


def _schedule_of(ctx: _Ctx):
    from chalicelib.domain import business_hours

    return ctx.schedule if ctx.schedule is not None else business_hours.CALENDAR


def _within_business_hours_builder(field, operator, value, raw):
    """within_business_hours: whether now falls inside the schedule's open hours."""
    from chalicelib.domain import business_hours

    want = _as_bool(value, field)
    if operator == "is_not":
        want = not want

    def test(ctx: _Ctx) -> bool:
        return business_hours.is_open(_schedule_of(ctx), ctx.current_time()) == want

    return Condition("within_business_hours", operator, value, test)


def _sla_breached_builder(field, operator, value, raw):
    """sla_breached: whether any SLA target of the ticket has been missed."""
    want = _as_bool(True if value is None else value, field)
    if operator == "is_not":
        want = not want
    return Condition("sla_breached", operator, value,
                     lambda ctx: bool((ctx.ticket.get("sla") or {}).get("breached")) == want)


def _sla_next_breach_builder(field, operator, value, raw):
    """sla_next_breach_within (hours): the next SLA target falls due within that many hours."""
    hours = _as_number(value, field)

    def hours_left(ctx: _Ctx) -> float | None:
        due = _as_time((ctx.ticket.get("sla") or {}).get("next_due_at"))
        if due is None:
            return None
        return (due - ctx.current_time()).total_seconds() / 3600

    if operator == "greater_than":
        def test(ctx: _Ctx) -> bool:
            left = hours_left(ctx)
            return left is not None and left > hours
    else:
        def test(ctx: _Ctx) -> bool:
            left = hours_left(ctx)
            return left is not None and 0 <= left < hours if operator == "less_than" else (
                left is not None and 0 <= left <= hours)
    return Condition("sla_next_breach_within", operator, value, test, is_time=True)


def _time_builder(canonical: str, anchor: str):
    """Hours since a ticket event, in calendar hours or (business_hours: true) business hours."""

    def build(field, operator, value, raw):
        hours = _as_number(value, field)
        if hours < 0:
            raise ValidationError(f"{field} value {value!r} must be zero or more hours")
        in_business = operator.endswith("_business_hours") or bool(raw.get("business_hours"))
        base = operator.removesuffix("_business_hours")

        def elapsed(ctx: _Ctx) -> float | None:
            since = _as_time(ctx.ticket.get(anchor))
            if since is None:
                return None
            now = ctx.current_time()
            if in_business:
                from chalicelib.domain import business_hours

                return business_hours.business_minutes_between(_schedule_of(ctx), since, now) / 60
            return (now - since).total_seconds() / 3600

        if base == "greater_than":
            def test(ctx):
                spent = elapsed(ctx)
                return spent is not None and spent > hours
        elif base == "less_than":
            def test(ctx):
                spent = elapsed(ctx)
                return spent is not None and spent < hours
        else:  # "is": the whole hour equals the value, as Zendesk's hourly run sees it
            def test(ctx):
                spent = elapsed(ctx)
                return spent is not None and hours <= spent < hours + 1

        return Condition(canonical, base, value, test, is_time=True, business_hours=in_business,
                         anchor=anchor)

    return build


def _custom_field_builder(field, operator, value, raw):
    """custom_fields_<id> or custom_fields.<name>: compares the ticket's custom field value."""
    key = field.removeprefix("custom_fields.").removeprefix("custom_fields_")
    if not key:
        raise ValidationError(f"custom field condition '{field}' must name the field, e.g. custom_fields.plan")
    canonical = f"custom_fields.{key}"
    change_keys = (field, canonical, f"custom_fields_{key}")

    def read(ticket: Mapping[str, Any]) -> Any:
        fields = ticket.get("custom_fields") or {}
        if key in fields:
            return fields[key]
        return fields.get(int(key)) if key.isdigit() else None

    def change(ctx: _Ctx):
        pair = _change(ctx, change_keys)
        if pair is not None:
            return pair
        whole = ctx.fields.get("custom_fields")
        if whole:
            old, new = ((whole[0] or {}).get(key), (whole[1] or {}).get(key))
            if old != new:
                return old, new
        return None

    if operator in PRESENCE:
        present = operator == "present"
        return Condition(canonical, operator, value,
                         lambda ctx: (read(ctx.ticket) not in (None, "", [])) == present)
    if operator in ("changed", "not_changed"):
        changed = operator == "changed"
        return Condition(canonical, operator, value, lambda ctx: (change(ctx) is not None) == changed,
                         uses_changes=True)
    if operator in CHANGE:
        side = 1 if operator.endswith("_to") else 0
        negate = operator.startswith("not_")

        def test(ctx):
            pair = change(ctx)
            return (pair is not None and _custom_equal(pair[side], value)) != negate

        return Condition(canonical, operator, value, test, uses_changes=True)
    if operator in EQUALITY:
        want = operator == "is"
        return Condition(canonical, operator, value, lambda ctx: _custom_equal(read(ctx.ticket), value) == want)
    if operator in INCLUSION:
        want = operator == "includes"
        return Condition(canonical, operator, value,
                         lambda ctx: _custom_includes(read(ctx.ticket), value) == want)
    compare = _ORDER_COMPARE[operator]

    def ordered(ctx):
        current = read(ctx.ticket)
        pair = _comparable(current, value)
        return pair is not None and compare(*pair)

    return Condition(canonical, operator, value, ordered)


def _custom_equal(current: Any, value: Any) -> bool:
    if current is None or current == "":
        return value in (None, "", "-")
    if isinstance(current, bool):
        try:
            return current == _as_bool(value, "custom field")
        except ValidationError:
            return False
    if isinstance(current, list | tuple | set):
        wanted = {str(v).lower() for v in (value if isinstance(value, list | tuple) else vocab.split_tags(value))}
        return {str(v).lower() for v in current} == wanted
    if isinstance(current, int | float):
        try:
            return float(current) == float(value)
        except (TypeError, ValueError):
            return False
    return str(current).strip().lower() == str(value).strip().lower()


def _custom_includes(current: Any, value: Any) -> bool:
    if current is None:
        return False
    if isinstance(current, list | tuple | set):
        have = {str(v).lower() for v in current}
        wanted = value if isinstance(value, list | tuple) else vocab.split_tags(value)
        return any(str(v).lower() in have for v in wanted)
    text = _words(str(current))
    return any(term in text for term in _terms(value))


def _comparable(current: Any, value: Any):
    if current is None or current == "":
        return None
    try:
        return float(current), float(value)
    except (TypeError, ValueError):
        pass
    try:
        return _as_time(current), _as_time(value)
    except (TypeError, ValueError):
        return str(current), str(value)


# --------------------------------------------------------------------------- the field table

_STATUS_NORMALIZE = vocab.normalize_status
_SCALAR_OPS = EQUALITY + CHANGE + PRESENCE

_CANONICAL: dict[str, _Spec] = {
    "status": _Spec(EQUALITY + ORDER + CHANGE, _enum_builder(
        "status", ("status",), _STATUS_NORMALIZE, vocab.STATUS_RANK)),
    "priority": _Spec(EQUALITY + ORDER + CHANGE + PRESENCE, _enum_builder(
        "priority", ("priority",), vocab.normalize_priority, vocab.PRIORITY_RANK)),
    "type": _Spec(EQUALITY + CHANGE + PRESENCE, _enum_builder("type", ("type",), vocab.normalize_type)),
    "channel": _Spec(EQUALITY, _enum_builder("channel", ("channel",), vocab.normalize_channel)),
    "update_via": _Spec(EQUALITY, _update_via_builder),
    "department": _Spec(_SCALAR_OPS, _id_builder(
        "department", ("department", "department_id", "group_id"))),
    "assignee_id": _Spec(_SCALAR_OPS, _id_builder("assignee_id", ("assignee_id",))),
    "requester_id": _Spec(_SCALAR_OPS, _id_builder("requester_id", ("requester_id",))),
    "organization_id": _Spec(_SCALAR_OPS, _id_builder("organization_id", ("organization_id",))),
    "requester_email": _Spec(_SCALAR_OPS, _id_builder("requester_email", ("requester_email",))),
    "current_tags": _Spec(INCLUSION + EQUALITY + PRESENCE + ("changed", "not_changed"), _tags_builder),
    "subject_includes_word": _Spec(INCLUSION + EQUALITY, _text_builder(
        "subject_includes_word", lambda ctx: str(ctx.ticket.get("subject") or ""))),
    "description_includes_word": _Spec(INCLUSION + EQUALITY, _text_builder(
        "description_includes_word", lambda ctx: str(ctx.ticket.get("description") or ""))),
    "comment_includes_word": _Spec(INCLUSION + EQUALITY, _text_builder("comment_includes_word", _comment_text)),
    "comment_is_public": _Spec(EQUALITY, _comment_public_builder),
    "role": _Spec(EQUALITY, _author_builder),
    "update_type": _Spec(EQUALITY, _update_type_builder),
    "ticket_is_public": _Spec(EQUALITY, _ticket_is_public_builder),
    "within_business_hours": _Spec(EQUALITY, _within_business_hours_builder),
    "sla_breached": _Spec(EQUALITY, _sla_breached_builder),
    "sla_next_breach_within": _Spec(("less_than", "less_than_equal", "greater_than", "is"),
                                    _sla_next_breach_builder),
}

TIME_ANCHORS = {
    "hours_since_created": "created_at",
    "hours_since_open": "opened_at",
    "hours_since_pending": "pending_at",
    "hours_since_on_hold": "on_hold_at",
    "hours_since_solved": "solved_at",
    "hours_since_closed": "closed_at",
    "hours_since_updated": "updated_at",
    "hours_since_assigned": "assigned_at",
    "hours_since_last_customer_message": "last_customer_message_at",
    "hours_since_last_agent_message": "last_agent_message_at",
}
for _name, _anchor in TIME_ANCHORS.items():
    _CANONICAL[_name] = _Spec(TIME, _time_builder(_name, _anchor))

_ALIASES = {
    # Zendesk field names
    "group_id": "department", "group": "department", "department_id": "department",
    "via_id": "channel", "via": "channel", "ticket_channel": "channel",
    "current_via_id": "update_via",
    "tags": "current_tags",
    "ticket_type_id": "type", "ticket_type": "type",
    "requester": "requester_id", "assignee": "assignee_id", "organization": "organization_id",
    "comment_author": "role", "current_user_role": "role",
    "sla_next_breach_at": "sla_next_breach_within",
    "NEW": "hours_since_created", "OPEN": "hours_since_open", "PENDING": "hours_since_pending",
    "HOLD": "hours_since_on_hold", "SOLVED": "hours_since_solved", "CLOSED": "hours_since_closed",
    "updated_at": "hours_since_updated", "assigned_at": "hours_since_assigned",
    "requester_updated_at": "hours_since_last_customer_message",
    "assignee_updated_at": "hours_since_last_agent_message",
    "hours_since_new": "hours_since_created", "hours_since_hold": "hours_since_on_hold",
    "hours_since_update": "hours_since_updated",
    "hours_since_requester_update": "hours_since_last_customer_message",
    "hours_since_assignee_update": "hours_since_last_agent_message",
}
_CUSTOM = _Spec(EQUALITY + ORDER + CHANGE + PRESENCE + INCLUSION, _custom_field_builder)


def canonical_field(field: str) -> str:
    """The canonical name of a condition field, resolving Zendesk names and aliases."""
    if field in _CANONICAL:
        return field
    if field in _ALIASES:
        return _ALIASES[field]
    lowered = field.lower()
    if lowered in _CANONICAL:
        return lowered
    return _ALIASES.get(lowered, field)


def _field_spec(field: str) -> _Spec:
    if field.startswith("custom_fields"):
        return _CUSTOM
    spec = _CANONICAL.get(canonical_field(field))
    if spec is None:
        raise ValidationError(
            f"condition field '{field}' is not known; use one of: {', '.join(known_fields())}")
    return spec
