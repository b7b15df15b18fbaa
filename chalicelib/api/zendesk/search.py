"""Zendesk-compatible ticket search: /api/v2/search.json?query=type:ticket status<solved tags:refund ..."""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

from chalicelib.api.tokens import Principal
from chalicelib.api.zendesk.http import BadRequestError, base_url, query_params, zendesk_view
from chalicelib.api.zendesk.pagination import page_request
from chalicelib.api.zendesk.shapes import Presenter
from chalicelib.api.zendesk.sideload import includes, sideloaded
from chalicelib.domain import search_query, search_sort
from chalicelib.services import zendesk

MAX_RESULTS = 1000  # as Zendesk: a search pages through at most 1,000 results


@zendesk_view()
def search(request: Any, principal: Principal) -> dict[str, Any]:
    """Tickets matching the query, newest first with Zendesk's offset pages (next_page carries a cursor), or
    ordered by sort_by (created_at, updated_at, priority, status, ticket_type) and sort_order (asc, desc)."""
    params = query_params(request)
    query = params.get("query") or ""
    filter_type = params.get("filter[type]")
    if filter_type and filter_type != "ticket":
        raise BadRequestError(f"filter[type]={filter_type} is not searchable here; this search finds tickets")
    terms = search_query.parse(query)
    page = page_request({k: v for k, v in params.items() if k in ("page", "per_page")})
    if page.page * page.size > MAX_RESULTS:
        raise BadRequestError(f"search returns at most {MAX_RESULTS} results; narrow the query")
    try:
        order = search_sort.sort_request(params.get("sort_by"), params.get("sort_order"))
    except search_sort.SortError as error:
        raise BadRequestError(str(error)) from None
    if order is not None:  # every match, sorted, then the page: no cursor to continue from
        tickets, total = zendesk.search_tickets_sorted(terms, field=order[0], descending=order[1],
                                                       offset=(page.page - 1) * page.size, limit=page.size)
        more = page.page * page.size < min(total, MAX_RESULTS)
        return {**_body(request, tickets, None, query, page, terms), "count": min(total, MAX_RESULTS),
                "next_page": _page_link(request, query, page, page.page + 1) if more else None}
    after = params.get("after") or None
    if after is None and page.page > 1:  # a page number without our cursor: walk to it
        for _ in range(page.page - 1):
            skipped = zendesk.search_tickets(terms, limit=page.size, after=after)
            after = skipped.next_after
            if after is None:
                break
        if after is None:
            return _body(request, [], None, query, page, [])
    result = zendesk.search_tickets(terms, limit=page.size, after=after)
    return _body(request, result.tickets, result.next_after, query, page, terms)


def _body(request: Any, tickets: list[dict[str, Any]], after: str | None, query: str, page: Any,
          terms: list[Any]) -> dict[str, Any]:
    params = query_params(request)
    base = _page_link(request, query, page, 0).removesuffix("&page=0")
    presenter = Presenter(base_url(request))
    results = [{**t, "result_type": "ticket"} for t in presenter.tickets(tickets)]
    seen = (page.page - 1) * page.size + len(results)
    return {"results": results, "facets": None,
            "next_page": f"{base}&page={page.page + 1}&after={quote(after)}" if after else None,
            "previous_page": f"{base}&page={page.page - 1}" if page.page > 1 else None,
            "count": seen + (1 if after else 0), **sideloaded(presenter, tickets, includes(params.get("include")))}


def _page_link(request: Any, query: str, page: Any, number: int) -> str:
    """The URL of another page of the same search (same query, page size, side-loads and sort)."""
    params = query_params(request)
    url = f"{base_url(request)}/api/v2/search.json?query={quote(query)}&per_page={page.size}"
    for name in ("include", "sort_by", "sort_order"):
        if params.get(name):
            url += f"&{name}={quote(params[name])}"
    return f"{url}&page={number}"
