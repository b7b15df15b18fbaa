"""Proactive chat rules: open the widget with a message when a visitor lingers on, or returns to, a page.

Pages are compared by host and path ("shop.example/checkout"), lower-cased, without scheme or query,
so a rule's ``url_contains`` of "/checkout" matches every checkout page of every allowed site.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Iterable
from urllib.parse import urlsplit

from chalicelib.errors import ValidationError

MAX_SECONDS = 24 * 60 * 60
MAX_MESSAGE_CHARS = 1000


@dataclass(frozen=True)
class ProactiveRule:
    """Open the chat with ``message`` once a visitor has been on a matching page for ``min_seconds``
    seconds and has visited matching pages at least ``min_visits`` times."""

    name: str
    url_contains: str
    message: str
    min_seconds: int = 0
    min_visits: int = 1

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ProactiveRule":
        """Validate an admin's rule, with errors that say what to fix."""
        known = {"name", "url_contains", "min_seconds", "min_visits", "message"}
        unknown = set(data) - known
        if unknown:
            raise ValidationError(f"unknown rule fields {', '.join(sorted(unknown))}; "
                                  f"known ones are {', '.join(sorted(known))}")
        name = data.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 100:
            raise ValidationError("name must be 1 to 100 characters")
        url_contains = data.get("url_contains", "")
        if not isinstance(url_contains, str) or len(url_contains) > 500:
            raise ValidationError("url_contains must be text of at most 500 characters (\"\" matches every page)")
        message = data.get("message")
        if not isinstance(message, str) or not message.strip() or len(message) > MAX_MESSAGE_CHARS:
            raise ValidationError(f"message must be 1 to {MAX_MESSAGE_CHARS} characters")
        min_seconds = _whole("min_seconds", data.get("min_seconds", 0), 0, MAX_SECONDS)
        min_visits = _whole("min_visits", data.get("min_visits", 1), 1, 10_000)
        return cls(name=name.strip(), url_contains=url_contains.strip().lower(), message=message.strip(),
                   min_seconds=min_seconds, min_visits=min_visits)

    def to_dict(self) -> dict[str, Any]:
        """The stored and listed form."""
        return asdict(self)

    def matches(self, page: str) -> bool:
        """True when the page (host and path) contains url_contains."""
        return self.url_contains in page

    def visits(self, visits_by_page: dict[str, int]) -> int:
        """How many times the visitor has been on pages this rule matches."""
        return sum(count for page, count in visits_by_page.items() if self.matches(page))


def _whole(name: str, raw: Any, low: int, high: int) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
        raise ValidationError(f"{name} must be a whole number from {low} to {high}")
    return raw


def page_of(url: str) -> str:
    """The host and path of a URL, lower-cased ("shop.example/pricing"); ValidationError if it is no URL."""
    if not isinstance(url, str) or len(url) > 2000:
        raise ValidationError("url must be the page's address, at most 2000 characters")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(f"url '{url[:80]}' is not an http(s) address")
    return (parts.netloc + (parts.path or "/")).lower()


@dataclass(frozen=True)
class ProactiveDecision:
    """What the widget should do after a page view: open with a message, or ask again later."""

    rule: ProactiveRule | None = None
    check_after_seconds: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The page-view response."""
        if self.rule:
            return {"open": True, "message": self.rule.message, "rule": self.rule.name}
        return {"open": False, "check_after_seconds": self.check_after_seconds}


def decide(rules: Iterable[ProactiveRule], page: str, seconds_on_page: int, visits_by_page: dict[str, int],
           already_fired: set[str]) -> ProactiveDecision:
    """The first rule (by name) that fires now; otherwise when the next one could fire on this page."""
    waiting: list[int] = []
    for rule in sorted(rules, key=lambda r: r.name):
        if rule.name in already_fired or not rule.matches(page) or rule.visits(visits_by_page) < rule.min_visits:
            continue
        if seconds_on_page >= rule.min_seconds:
            return ProactiveDecision(rule=rule)
        waiting.append(rule.min_seconds - seconds_on_page)
    return ProactiveDecision(check_after_seconds=min(waiting) if waiting else None)
