"""Zendesk-compatible ticket search: /api/v2/search.json?query=type:ticket status<solved tags:refund ..."""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

from chalicelib.api.tokens import Principal
from chalicelib.api.zendesk.http import BadRequestError, base_url, query_params, zendesk_view
from chalicelib.api.zendesk.pagination import page_request
from chalicelib.api.zendesk.shapes import Presenter
from chalicelib.api.zendesk.sideload import includes, sideloaded
from chalicelib.domain import search_query
from chalicelib.services import zendesk

MAX_RESULTS = 1000  # as Zendesk: a search pages through at most 1,000 results


@zendesk_view()
def search(request: Any, principal: Principal) -> dict[str, Any]:
    """Tickets matching the query newest first, with Zendesk's offset pages (next_page carries a cursor)."""
    params = query_params(request)
    query = params.get("query") or ""
    filter_type = params.get("filter[type]")
    if filter_type and filter_type != "ticket":
        raise BadRequestError(f"filter[type]={filter_type} is not searchable here; this search finds tickets")
    terms = search_query.parse(query)
    page = page_request({k: v for k, v in params.items() if k in ("page", "per_page")})
    if page.page * page.size > MAX_RESULTS:
        raise BadRequestError(f"search returns at most {MAX_RESULTS} results; narrow the query")
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
    base = f"{base_url(request)}/api/v2/search.json?query={quote(query)}&per_page={page.size}"
    for name in ("include",):
        if params.get(name):
            base += f"&{name}={quote(params[name])}"
    presenter = Presenter(base_url(request))
    results = [{**t, "result_type": "ticket"} for t in presenter.tickets(tickets)]
    seen = (page.page - 1) * page.size + len(results)
    return {"results": results, "facets": None,
            "next_page": f"{base}&page={page.page + 1}&after={quote(after)}" if after else None,
            "previous_page": f"{base}&page={page.page - 1}" if page.page > 1 else None,
            "count": seen + (1 if after else 0), **sideloaded(presenter, tickets, includes(params.get("include")))}
