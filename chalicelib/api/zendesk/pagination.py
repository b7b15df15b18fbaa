"""Zendesk's two pagination styles.

Cursor: ``?page[size]=2&page[after]=…`` → ``{"meta": {"has_more", "after_cursor", "before_cursor"},
"links": {"next", "prev"}}``. Offset: ``?per_page=2&page=3`` → ``{"next_page", "previous_page", "count"}``;
Parley walks cursors to reach an offset, so offsets stop at MAX_OFFSET (as Zendesk limits them too).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import quote

from chalicelib.api.zendesk.http import BadRequestError

MAX_PAGE_SIZE = 100
MAX_OFFSET = 10_000


@dataclass(frozen=True)
class PageRequest:
    """What page the client asked for."""

    cursor: bool
    size: int
    after: str | None = None
    page: int = 1


def page_request(params: dict[str, str], default_size: int = MAX_PAGE_SIZE) -> PageRequest:
    """Read page[size]/page[after] (cursor) or per_page/page (offset) with errors a person can act on."""
    if any(key.startswith("page[") for key in params):
        size = _whole(params.get("page[size]"), "page[size]", default_size, MAX_PAGE_SIZE)
        return PageRequest(cursor=True, size=size, after=params.get("page[after]") or None)
    size = _whole(params.get("per_page"), "per_page", default_size, MAX_PAGE_SIZE)
    page = _whole(params.get("page"), "page", 1, MAX_OFFSET)
    if (page - 1) * size >= MAX_OFFSET:
        raise BadRequestError(f"offset pagination stops at {MAX_OFFSET} records; use page[size] and page[after]")
    return PageRequest(cursor=False, size=size, page=page)


def _whole(raw: str | None, name: str, default: int, highest: int) -> int:
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= highest:
        raise BadRequestError(f"{name} must be a whole number from 1 to {highest}")
    return int(raw)


def cursor_body(key: str, items: list[Any], after: str | None, url: str, size: int) -> dict[str, Any]:
    """A cursor-paginated response: the items, meta and links (next is the URL to call for more)."""
    return {key: items,
            "meta": {"has_more": after is not None, "after_cursor": after, "before_cursor": None},
            "links": {"next": f"{url}{_join(url)}page[size]={size}&page[after]={quote(after)}" if after else None,
                      "prev": None}}


def offset_body(key: str, items: list[Any], has_more: bool, url: str, page: PageRequest,
                count: int | None = None) -> dict[str, Any]:
    """An offset-paginated response; count is exact on the last page, a lower bound before it."""
    def link(number: int) -> str:
        return f"{url}{_join(url)}page={number}&per_page={page.size}"

    seen = (page.page - 1) * page.size + len(items)
    return {key: items, "next_page": link(page.page + 1) if has_more else None,
            "previous_page": link(page.page - 1) if page.page > 1 else None,
            "count": count if count is not None else seen + (1 if has_more else 0)}


def walk_to_offset(fetch: Callable[[int, str | None], tuple[list[Any], str | None]],
                   page: PageRequest) -> tuple[list[Any], bool]:
    """The items of an offset page, reached by following cursors (fetch(limit, cursor) → (items, next))."""
    skip, cursor = (page.page - 1) * page.size, None
    while skip > 0:
        batch, cursor = fetch(min(MAX_PAGE_SIZE, skip), cursor)
        skip -= len(batch)
        if cursor is None:
            return [], False
    items, cursor = fetch(page.size, cursor)
    return items, cursor is not None


def _join(url: str) -> str:
    return "&" if "?" in url else "?"
