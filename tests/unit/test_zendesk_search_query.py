"""Zendesk's ticket search syntax: parsing, and which tickets a query matches."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from chalicelib.domain.search_query import (allowed_statuses, created_range, matches, parse, via_channel,
                                            with_resolved)
from chalicelib.errors import ValidationError

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=timezone.utc)


def _ticket(**fields):
    return {"id": 7, "subject": "Refund for broken toaster", "description": "It sparks when I plug it in.",
            "status": "open", "priority": "normal", "type": "incident", "tags": ["refund", "kitchen"],
            "channel": "email", "requester_id": "c_mia", "assignee_id": None, "department": "Billing",
            "organization_id": None, "created_at": "2026-03-10T09:00:00.000Z",
            "updated_at": "2026-03-12T09:00:00.000Z", **fields}


def _matches(query: str, ticket=None, **resolved) -> bool:
    terms = [with_resolved(t, resolved[t.field]) if t.field in resolved else t for t in parse(query)]
    return matches(ticket or _ticket(), terms, NOW)


def test_a_query_splits_into_properties_words_and_quoted_phrases():
    terms = parse('type:ticket status<solved -tags:spam "broken toaster" created>=2026-01-01 refund')

    assert [(t.field, t.op, t.value, t.negated) for t in terms] == [
        ("type", ":", "ticket", False), ("status", "<", "solved", False), ("tags", ":", "spam", True),
        (None, ":", "broken toaster", False), ("created", ">=", "2026-01-01", False), (None, ":", "refund", False)]


def test_an_unknown_property_names_the_known_ones():
    with pytest.raises(ValidationError) as caught:
        parse("flavour:vanilla")
    assert "flavour" in caught.value.message and "status" in caught.value.message


@pytest.mark.parametrize("query", ["status:exploded", "priority:whenever", "created>yesterday-ish",
                                   "type:user", "tags>refund"])
def test_values_parley_cannot_search_are_refused_with_a_reason(query):
    with pytest.raises(ValidationError):
        parse(query)


@pytest.mark.parametrize("query, expected", [
    ("status:open", True), ("status:pending", False), ("status:open status:pending", True),
    ("status<solved", True), ("status>=solved", False), ("-status:open", False), ("status:hold", False),
    ("tags:refund", True), ("tags:vip", False), ("tags:vip tags:refund", True), ("-tags:kitchen", False),
    ("priority>low", True), ("priority:urgent", False), ("ticket_type:incident", True),
    ("toast", True), ("oaster", False), ('"broken toaster"', True), ('"toaster broken"', False),
    ("sparks", True), ("subject:sparks", False), ("description:sparks", True),
    ("via:email", True), ("via:chat", False),
    ("created>2026-03-09", True), ("created>2026-03-10", False), ("created:2026-03-10", True),
    ("created<2026-03-10", False), ("created<=2026-03-10", True), ("updated>2026-03-11", True),
    ("created>7days", True), ("created>2days", False), ("solved>2026-01-01", False),
    ("type:ticket status:open tags:refund toaster", True), ("type:ticket status:open tags:vip", False),
])
def test_which_tickets_a_query_matches(query, expected):
    assert _matches(query) is expected


def test_lookups_match_the_parley_ids_they_were_resolved_to():
    assert _matches("requester:mia@example.com", requester=["c_mia"])
    assert not _matches("requester:jonas@example.com", requester=["c_jonas"])
    assert not _matches("requester:nobody@example.com", requester=[])
    assert _matches("assignee:none", assignee=[None])
    assert _matches("group:billing", group=["billing"])
    assert not _matches("-group:billing", group=["billing"])


def test_status_terms_narrow_to_the_index_partitions_to_read():
    assert allowed_statuses(parse("status<solved")) == {"new", "open", "pending", "on_hold"}
    assert allowed_statuses(parse("status:open status:hold")) == {"open", "on_hold"}
    assert allowed_statuses(parse("status:open -status:open")) == set()
    assert allowed_statuses(parse("tags:refund")) is None


def test_created_terms_become_a_sort_key_range():
    window = created_range(parse("created>2026-01-01 created<2026-02-01"), NOW)
    assert (window.lower, window.upper) == ("2026-01-02T00:00:00.000Z", "2026-02-01T00:00:00.000Z")
    assert created_range(parse("created>=2026-01-01T10:30:00Z"), NOW).lower == "2026-01-01T10:30:00.000Z"
    assert created_range(parse("created>4hours"), NOW).lower == "2026-03-15T08:00:00.001Z"
    assert created_range(parse("tags:refund"), NOW).lower is None


def test_parley_channels_have_zendesk_via_names():
    assert [via_channel(c) for c in ("sdk", "phone", "messenger", "email", None)] == \
        ["mobile_sdk", "voice", "facebook", "email", "api"]
