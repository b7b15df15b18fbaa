"""Zendesk's search sort on Parley's tickets."""
from __future__ import annotations

import pytest

from chalicelib.domain.search_sort import SortError, sort_request, sorted_tickets

TICKETS = [
    {"id": 1, "created_at": "2026-03-01T09:00:00.000Z", "updated_at": "2026-03-05T09:00:00.000Z", "priority": "high",
     "status": "open", "type": "task"},
    {"id": 2, "created_at": "2026-03-02T09:00:00.000Z", "updated_at": "2026-03-02T09:00:00.000Z", "priority": "low",
     "status": "on_hold", "type": "question"},
    {"id": 3, "created_at": "2026-03-03T09:00:00.000Z", "updated_at": None, "priority": None,
     "status": "new", "type": None},
    {"id": 4, "created_at": "2026-03-03T09:00:00.000Z", "updated_at": "2026-03-04T09:00:00.000Z",
     "priority": "urgent", "status": "solved", "type": "incident"},
]


@pytest.mark.parametrize("field, descending, ids", [
    ("created_at", False, [1, 2, 3, 4]),
    ("created_at", True, [4, 3, 2, 1]),  # equal times: ids in the same direction
    ("updated_at", True, [1, 4, 3, 2]),  # no updated_at: its creation time
    ("priority", False, [2, 3, 1, 4]),  # no priority counts as normal
    ("status", False, [3, 1, 2, 4]),  # new < open < pending < hold < solved < closed
    ("ticket_type", False, [3, 2, 4, 1]),  # none < question < incident < problem < task
])
def test_tickets_sort_as_zendesk_orders_each_field(field, descending, ids):
    assert [t["id"] for t in sorted_tickets(TICKETS, field, descending)] == ids


def test_sort_parameters_default_to_descending_and_name_the_known_values():
    assert sort_request(None, None) is None
    assert sort_request("priority", None) == ("priority", True)
    assert sort_request(None, "asc") == ("created_at", False)
    assert sort_request("UPDATED_AT", "DESC") == ("updated_at", True)
    with pytest.raises(SortError, match="created_at, updated_at, priority, status, ticket_type"):
        sort_request("flavour", "asc")
    with pytest.raises(SortError, match="asc, desc"):
        sort_request("status", "sideways")
