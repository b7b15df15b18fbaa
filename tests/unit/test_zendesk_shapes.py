"""Parley records in Zendesk's JSON, Zendesk's pagination, error shapes and Basic credentials."""
from __future__ import annotations

import base64

import pytest

from chalicelib.api.basic_auth import _decode, hash_api_token, new_api_token
from chalicelib.api.zendesk.http import RecordInvalidError, error_body, numeric_id
from chalicelib.api.zendesk.pagination import (PageRequest, cursor_body, offset_body, page_request,
                                               walk_to_offset)
from chalicelib.api.zendesk.shapes import Presenter, comment_id, custom_fields_out, zendesk_time
from chalicelib.errors import (ConflictError, ForbiddenError, NotFoundError, UnauthorizedError, ValidationError)


class FakeIds:
    """Numbers handed out in order of first use, as the registry does."""

    def __init__(self):
        self.numbers: dict[tuple[str, str], int] = {}

    def numbers_for(self, space, refs):
        for ref in refs:
            self.numbers.setdefault((space, ref), len(self.numbers) + 100)
        return {ref: self.numbers[(space, ref)] for ref in refs}


TICKET = {"id": 42, "subject": "Charged twice", "description": "Twice!", "status": "on_hold", "priority": "high",
          "type": "incident", "tags": ["refund"], "channel": "whatsapp", "requester_id": "c_mia",
          "assignee_id": "a_sam", "department": "Billing", "organization_id": 3,
          "custom_fields": {"360001": "gold", "order_ref": "A-1"}, "created_at": "2026-03-10T09:00:00.123Z",
          "updated_at": "2026-03-11T10:00:00.000Z", "conversation_id": "conv1", "version": 4}


def test_a_ticket_reads_as_zendesk_writes_it():
    presenter = Presenter("http://desk.test", ids=FakeIds())

    shown = presenter.ticket(TICKET)

    assert shown["status"] == "hold"
    assert shown["url"] == "http://desk.test/api/v2/tickets/42.json"
    assert shown["created_at"] == "2026-03-10T09:00:00Z"
    assert shown["requester_id"] == shown["submitter_id"] != shown["assignee_id"]
    assert isinstance(shown["group_id"], int) and shown["organization_id"] == 3
    assert shown["custom_fields"] == [{"id": 360001, "value": "gold"}]
    assert shown["via"]["channel"] == "whatsapp" and shown["from_messaging_channel"] is True


def test_the_same_person_keeps_the_same_number_across_a_list():
    presenter = Presenter("http://desk.test", ids=FakeIds())
    shown = presenter.tickets([TICKET, {**TICKET, "id": 43, "assignee_id": None}])
    assert shown[0]["requester_id"] == shown[1]["requester_id"] and shown[1]["assignee_id"] is None


def test_comments_have_whole_number_ids_and_authors():
    presenter = Presenter("http://desk.test", ids=FakeIds())
    messages = [{"seq": 1, "author_type": "customer", "body": "Help\n\nplease", "public": True, "channel": "email"},
                {"seq": 2, "author_type": "agent", "author_id": "a_sam", "body": "On it", "public": False},
                {"seq": 3, "author_type": "system", "body": "Closed by automation", "public": False}]

    comments = presenter.comments(TICKET, messages)

    assert [c["id"] for c in comments] == [comment_id(42, 1), comment_id(42, 2), comment_id(42, 3)]
    assert comments[0]["author_id"] == presenter.ticket(TICKET)["requester_id"]
    assert comments[1]["author_id"] == presenter.ticket(TICKET)["assignee_id"] and comments[1]["public"] is False
    assert comments[2]["author_id"] == -1
    assert comments[0]["html_body"] == "<p>Help</p><p>please</p>"


def test_light_agents_are_agents_who_may_only_write_private_comments():
    presenter = Presenter("http://desk.test", ids=FakeIds())
    light = presenter.agent({"id": "a_lee", "email": "lee@x.test", "name": "Lee", "role": "light_agent"})
    admin = presenter.agent({"id": "a_ada", "email": "ada@x.test", "name": "Ada", "role": "admin"})
    assert (light["role"], light["role_type"], light["only_private_comments"]) == ("agent", 1, True)
    assert (admin["role"], admin["role_type"]) == ("admin", 4)


def test_times_and_custom_fields_translate():
    assert zendesk_time("2026-01-31T09:00:00.999Z") == "2026-01-31T09:00:00Z" and zendesk_time(None) is None
    assert custom_fields_out({"2": "b", "10": "a", "name": "x"}) == [{"id": 10, "value": "a"}, {"id": 2, "value": "b"}]


# pagination ------------------------------------------------------------------------------------------------
def test_page_parameters_choose_cursor_or_offset_pagination():
    assert page_request({"page[size]": "2", "page[after]": "abc"}) == PageRequest(cursor=True, size=2, after="abc")
    assert page_request({"per_page": "5", "page": "3"}) == PageRequest(cursor=False, size=5, page=3)
    assert page_request({}) == PageRequest(cursor=False, size=100, page=1)


@pytest.mark.parametrize("params", [{"page[size]": "0"}, {"page[size]": "101"}, {"per_page": "x"},
                                    {"per_page": "100", "page": "101"}])
def test_page_parameters_out_of_range_are_refused(params):
    with pytest.raises(Exception) as caught:
        page_request(params)
    assert caught.value.status == 400


def test_a_cursor_page_links_to_the_next_one():
    body = cursor_body("tickets", [1, 2], "abc=", "http://desk.test/api/v2/tickets.json", 2)
    assert body["meta"] == {"has_more": True, "after_cursor": "abc=", "before_cursor": None}
    assert body["links"]["next"] == "http://desk.test/api/v2/tickets.json?page[size]=2&page[after]=abc%3D"
    last = cursor_body("tickets", [3], None, "http://desk.test/api/v2/tickets.json", 2)
    assert last["meta"]["has_more"] is False and last["links"]["next"] is None


def test_offset_pages_are_reached_by_following_cursors():
    items = list(range(7))

    def fetch(limit, cursor):
        start = int(cursor or 0)
        end = start + limit
        return items[start:end], (str(end) if end < len(items) else None)

    page = PageRequest(cursor=False, size=3, page=2)
    assert walk_to_offset(fetch, page) == ([3, 4, 5], True)
    assert walk_to_offset(fetch, PageRequest(cursor=False, size=3, page=3)) == ([6], False)
    body = offset_body("tickets", [3, 4, 5], True, "http://desk.test/api/v2/tickets.json", page)
    assert body["next_page"].endswith("?page=3&per_page=3") and body["previous_page"].endswith("?page=1&per_page=3")


# errors and credentials ----------------------------------------------------------------------------------
def test_errors_take_zendesks_shapes():
    assert error_body(UnauthorizedError("bad password")) == (401, {"error": "Couldn't authenticate you"})
    assert error_body(NotFoundError("ticket 9 not found")) == (404, {"error": "RecordNotFound",
                                                                      "description": "Not found"})
    assert error_body(ForbiddenError("admins only"))[1] == {"error": "Forbidden", "description": "admins only"}
    assert error_body(ConflictError("changed meanwhile"))[0] == 409
    status, body = error_body(ValidationError("priority 'x' is not one of low, normal, high, urgent"))
    assert status == 422 and body["error"] == "RecordInvalid" and list(body["details"]) == ["priority"]
    status, body = error_body(RecordInvalidError({"email": "is taken"}))
    assert body["details"] == {"email": [{"description": "email: is taken", "error": "InvalidValue"}]}


def test_basic_credentials_decode_for_passwords_and_tokens():
    def encoded(text):
        return base64.b64encode(text.encode()).decode()

    assert _decode(encoded("Ada@Parley.test:secret:with:colons")) == ("ada@parley.test", "secret:with:colons")
    assert _decode(encoded("ada@parley.test/token:abc")) == ("ada@parley.test/token", "abc")
    for bad in ("%%%", encoded("no-colon"), encoded(":nothing")):
        with pytest.raises(UnauthorizedError):
            _decode(bad)


def test_api_tokens_are_random_and_stored_as_a_hash():
    token = new_api_token()
    assert len(token) >= 40 and token != new_api_token()
    assert hash_api_token(token) == hash_api_token(token) != token and len(hash_api_token(token)) == 64


def test_path_ids_accept_the_json_suffix_only_on_numbers():
    assert numeric_id("42.json") == 42 and numeric_id("42") == 42
    with pytest.raises(NotFoundError):
        numeric_id("me.json")


def test_departments_read_as_zendesk_groups_numbered_by_lowercase_name():
    ids = FakeIds()
    presenter = Presenter("http://desk.test", ids=ids)

    groups = presenter.groups([{"name": "Billing", "description": "Invoices"}, {"name": "Support"}])

    assert [(g["id"], g["name"], g["description"]) for g in groups] == [(100, "Billing", "Invoices"),
                                                                       (101, "Support", "")]
    assert groups[0]["url"] == "http://desk.test/api/v2/groups/100.json" and groups[0]["deleted"] is False
    assert presenter.group({"name": "BILLING"})["id"] == 100, "a department's number follows its name in any case"


def test_users_of_both_kinds_are_numbered_together():
    presenter = Presenter("http://desk.test", ids=FakeIds())

    users = presenter.users([("customer", {"id": "c_mia", "name": "Mia", "email": "mia@example.com",
                                           "tags": ["vip"], "user_fields": {"plan": "pro"},
                                           "identities": [{"channel": "phone", "address": "+4930123"}]}),
                             ("agent", {"id": "a_sam", "name": "Sam", "role": "light_agent",
                                        "departments": ["Support"]}),
                             ("customer", {"id": "c_gone", "name": "Gone", "deleted_at": "2026-03-10T09:00:00Z"})])

    assert [(u["id"], u["role"], u["active"]) for u in users] == [(100, "end-user", True), (101, "agent", True),
                                                                 (102, "end-user", False)]
    assert users[0]["phone"] == "+4930123" and users[0]["tags"] == ["vip"] and users[0]["user_fields"] == {"plan": "pro"}
    assert users[1]["role_type"] == 1 and users[1]["default_group_id"] == 103


@pytest.mark.parametrize("raw, wanted", [
    (None, []), ("", []), ("users", ["users"]), ("organizations,users,groups", ["users", "groups", "organizations"]),
    ("tickets(users,groups)", ["users", "groups"]), ("users, last_audits,metric_sets", ["users"]),
    ("tickets(organizations),users", ["users", "organizations"]),
])
def test_the_side_loads_asked_for(raw, wanted):
    from chalicelib.api.zendesk.sideload import includes

    assert includes(raw) == wanted
