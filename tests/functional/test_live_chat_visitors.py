"""Visitors on the local stack: a session writes no customer until the first conversation, a stored token
stays one customer across page loads, identified users resolve to their customer, and no visitor reaches
another's conversations."""
from __future__ import annotations

import time
import uuid

import jwt
import pytest
import requests

from local.resources import LOCAL_PARAMETERS
from tests.functional.rules_helpers import customer_tickets, wait_ticket


def _session(stack, **body) -> dict[str, str]:
    response = requests.post(stack.api("/sdk/sessions"), json=body, timeout=10)
    assert response.status_code == 201, response.text
    session = response.json()
    return {"customer_id": session["customer_id"], "Authorization": f"Bearer {session['visitor_token']}"}


def _page_view(stack, visitor, url: str) -> dict:
    response = requests.post(stack.api("/sdk/page-views"), json={"url": url}, timeout=10,
                             headers={"Authorization": visitor["Authorization"]})
    assert response.status_code == 200, response.text
    return response.json()


def _start(stack, visitor, message: str) -> dict:
    response = requests.post(stack.api("/sdk/conversations"), json={"message": message}, timeout=10,
                             headers={"Authorization": visitor["Authorization"]})
    assert response.status_code == 201, response.text
    return response.json()


def _customer(stack, customer_id: str) -> requests.Response:
    return requests.get(stack.api(f"/customers/{customer_id}"), headers=stack.auth(), timeout=10)


def test_page_loads_with_the_stored_token_are_one_visitor_written_on_the_first_conversation(stack):
    visitor = _session(stack, name="Pat Pageview")
    page = f"https://shop.example/boots-{uuid.uuid4().hex[:6]}"

    loads = [_page_view(stack, visitor, page) for _ in range(2)]
    before = _customer(stack, visitor["customer_id"])
    listed = requests.get(stack.api("/sdk/conversations"), headers={"Authorization": visitor["Authorization"]},
                          timeout=10)
    first = _start(stack, visitor, "Do these boots run small?")
    second = _start(stack, visitor, "And do you ship to Iceland?")
    tickets = [wait_ticket(stack, s["ticket_id"])["ticket"] for s in (first, second)]
    after = _customer(stack, visitor["customer_id"])

    assert all(load["open"] is False for load in loads)
    assert before.status_code == 404, "a session and page views alone write no customer"
    assert listed.status_code == 200 and listed.json()["conversations"] == []
    assert {t["requester_id"] for t in tickets} == {visitor["customer_id"]}
    assert after.status_code == 200 and after.json()["customer"]["name"] == "Pat Pageview"
    assert {t["id"] for t in customer_tickets(stack, visitor["customer_id"])} == {t["id"] for t in tickets}


def test_a_new_visitor_never_reaches_another_visitors_conversation(stack):
    owner, stranger = _session(stack), _session(stack)
    started = _start(stack, owner, "My order number is 5521")
    wait_ticket(stack, started["ticket_id"])
    path = f"/sdk/conversations/{started['conversation_id']}"
    as_stranger = {"Authorization": stranger["Authorization"]}

    read = requests.get(stack.api(f"{path}/messages?after=0"), headers=as_stranger, timeout=10)
    write = requests.post(stack.api(f"{path}/messages"), json={"body": "hi"}, headers=as_stranger, timeout=10)
    listed = requests.get(stack.api("/sdk/conversations"), headers=as_stranger, timeout=10).json()

    assert owner["customer_id"] != stranger["customer_id"]
    assert read.status_code == 404 and write.status_code == 404
    assert listed["conversations"] == []
    assert _customer(stack, stranger["customer_id"]).status_code == 404


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")  # the local stack's short secret
def test_an_identified_user_is_the_same_customer_on_every_session_and_their_page_views_count(stack):
    external_id = f"user-{uuid.uuid4().hex[:8]}"
    user_token = jwt.encode({"external_id": external_id, "name": "Iris Identified", "exp": int(time.time()) + 600},
                            LOCAL_PARAMETERS["SdkSharedSecret"], algorithm="HS256")
    page = f"/plans-{uuid.uuid4().hex[:6]}"
    requests.post(stack.api("/proactive-rules"), headers=stack.auth(), timeout=10, json={
        "name": f"plans{page}", "url_contains": page, "min_visits": 2, "message": "Which plan fits you?"}
    ).raise_for_status()

    first, second = _session(stack, user_token=user_token), _session(stack, user_token=user_token)
    views = [_page_view(stack, v, f"https://shop.example{page}")["open"] for v in (first, second)]
    found = requests.get(stack.api("/customers"), params={"external_id": external_id}, headers=stack.auth(),
                         timeout=10)

    assert first["customer_id"] == second["customer_id"]
    assert found.status_code == 200 and found.json()["customer"]["id"] == first["customer_id"]
    assert found.json()["customer"]["name"] == "Iris Identified"
    assert views == [False, True], "visits from both sessions count for the one customer"
