"""Live chat over REST on the local stack: rating, availability, the offline form and proactive chat."""
from __future__ import annotations

import uuid

import requests

from tests.conftest import wait_for
from tests.functional.test_live_chat import agent_chat, customer_chat, follow, is_type, new_visitor, start_chat


def _rate(stack, visitor, conversation_id, **body):
    return requests.post(stack.api(f"/sdk/conversations/{conversation_id}/rating"), json=body,
                         headers={"Authorization": visitor["Authorization"]}, timeout=10)


def _ticket(stack, ticket_id):
    return requests.get(stack.api(f"/tickets/{ticket_id}"), headers=stack.auth(), timeout=10).json()


def _solve(stack, ticket_id):
    response = requests.patch(stack.api(f"/tickets/{ticket_id}"), json={"status": "solved"},
                              headers=stack.auth("agent1@parley.test"), timeout=10)
    assert response.status_code == 200, response.text


def test_a_solved_chat_asks_for_a_rating_and_stores_it_on_the_ticket_and_the_customer(stack):
    visitor = new_visitor(stack)
    started = start_chat(stack, visitor, "My invoice is wrong")
    customer = customer_chat(stack, visitor)
    agent = agent_chat(stack)
    try:
        follow(agent, started["conversation_id"])
        too_early = _rate(stack, visitor, started["conversation_id"], score="good")
        _solve(stack, started["ticket_id"])
        status = customer.expect(lambda f: f.get("type") == "status" and f["status"] in ("solved", "closed"))
        rated = _rate(stack, visitor, started["conversation_id"], score="good", comment="Quick and kind")
        at_agent = agent.expect(is_type("rated"))
    finally:
        customer.close()
        agent.close()

    assert too_early.status_code == 400 and "once it is solved" in too_early.json()["message"]
    assert status["rating_requested"] is True
    assert rated.status_code == 200, rated.text
    shown = _ticket(stack, started["ticket_id"])
    assert shown["ticket"]["rating"]["score"] == "good"
    assert shown["ticket"]["rating"]["comment"] == "Quick and kind"
    assert shown["customer"]["csat_good"] == 1 and shown["customer"]["last_rating"]["score"] == "good"
    assert "ticket_rated" in [a["action"] for a in shown["audit"]]
    assert requests.get(stack.api("/monitor"), headers=stack.auth(), timeout=10).json()["csat_today"]["good"] >= 1
    assert at_agent["rating"]["score"] == "good"


def test_changing_a_rating_moves_the_customers_csat_count(stack):
    visitor = new_visitor(stack)
    started = start_chat(stack, visitor, "Shipping question")
    _solve(stack, started["ticket_id"])

    assert _rate(stack, visitor, started["conversation_id"], score="good").status_code == 200
    assert _rate(stack, visitor, started["conversation_id"], score="bad", comment="Actually not solved").ok

    customer = _ticket(stack, started["ticket_id"])["customer"]
    assert customer.get("csat_good", 0) == 0 and customer["csat_bad"] == 1


def test_a_rating_must_be_good_or_bad_and_only_for_ones_own_conversation(stack):
    visitor = new_visitor(stack)
    started = start_chat(stack, visitor, "Rate me")
    _solve(stack, started["ticket_id"])

    wrong_score = _rate(stack, visitor, started["conversation_id"], score="great")
    someone_else = _rate(stack, new_visitor(stack), started["conversation_id"], score="good")

    assert wrong_score.status_code == 400 and "good" in wrong_score.json()["message"]
    assert someone_else.status_code == 404


def test_availability_says_whether_an_agent_can_take_a_chat(stack):
    requests.put(stack.api("/agents/me/presence"), json={"status": "online"},
                 headers=stack.auth("agent1@parley.test"), timeout=10).raise_for_status()

    support = requests.get(stack.api("/sdk/availability?department=Support"), timeout=10).json()
    nobody = requests.get(stack.api(f"/sdk/availability?department=Night-{uuid.uuid4().hex[:6]}"), timeout=10).json()

    assert support["online"] is True
    assert nobody["online"] is False


def test_the_offline_form_becomes_an_email_ticket_for_the_email_address(stack, visitor):
    email = f"offline-{uuid.uuid4().hex[:8]}@example.com"
    headers = {"Authorization": visitor["Authorization"]}

    first = requests.post(stack.api("/sdk/offline-messages"), headers=headers, timeout=10,
                          json={"name": "Olga Offline", "email": email, "message": "Call me back about my order"})
    second = requests.post(stack.api("/sdk/offline-messages"), headers=headers, timeout=10,
                           json={"name": "Olga Offline", "email": email.upper(), "message": "Second note"})
    bad = requests.post(stack.api("/sdk/offline-messages"), headers=headers, timeout=10,
                        json={"name": "X", "email": "not-an-address", "message": "hi"})

    assert first.status_code == 201, first.text
    tickets = [wait_for(lambda r=r: _ticket(stack, r.json()["ticket_id"]).get("ticket"), message="the ticket")
               for r in (first, second)]
    assert [t["channel"] for t in tickets] == ["email", "email"]
    assert tickets[0]["requester_id"] == tickets[1]["requester_id"] != visitor["customer_id"]
    shown = _ticket(stack, first.json()["ticket_id"])
    assert shown["customer"]["email"] == email and shown["customer"]["name"] == "Olga Offline"
    assert shown["messages"][0]["body"] == "Call me back about my order"
    assert bad.status_code == 400 and "not an email address" in bad.json()["message"]


def test_proactive_rules_are_admin_only_and_listed(stack):
    unique = uuid.uuid4().hex[:6]
    rule = {"name": f"checkout-{unique}", "url_contains": f"/checkout/{unique}", "min_seconds": 30,
            "min_visits": 1, "message": "Need help checking out?"}

    as_agent = requests.post(stack.api("/proactive-rules"), json=rule, headers=stack.auth("agent1@parley.test"),
                             timeout=10)
    as_admin = requests.post(stack.api("/proactive-rules"), json=rule, headers=stack.auth(), timeout=10)
    invalid = requests.post(stack.api("/proactive-rules"), json={**rule, "min_seconds": -1}, headers=stack.auth(),
                            timeout=10)
    listed = requests.get(stack.api("/proactive-rules"), headers=stack.auth("agent1@parley.test"), timeout=10).json()

    assert as_agent.status_code == 403
    assert as_admin.status_code == 201, as_admin.text
    assert invalid.status_code == 400 and "min_seconds" in invalid.json()["message"]
    assert rule in listed["rules"]


def test_a_visitor_lingering_on_a_page_gets_the_proactive_message_once(stack, visitor):
    page = f"/basket-{uuid.uuid4().hex[:6]}"
    requests.post(stack.api("/proactive-rules"), headers=stack.auth(), timeout=10, json={
        "name": f"linger{page}", "url_contains": page, "min_seconds": 30, "message": "Stuck in your basket?"}
    ).raise_for_status()

    def view(seconds):
        response = requests.post(stack.api("/sdk/page-views"), timeout=10,
                                 json={"url": f"https://shop.example{page}?step=2", "seconds_on_page": seconds},
                                 headers={"Authorization": visitor["Authorization"]})
        assert response.status_code == 200, response.text
        return response.json()

    arrived, lingered, again = view(0), view(30), view(45)

    assert arrived == {"open": False, "check_after_seconds": 30}
    assert lingered == {"open": True, "message": "Stuck in your basket?", "rule": f"linger{page}"}
    assert again["open"] is False


def test_the_third_visit_to_a_page_opens_the_chat(stack, visitor):
    page = f"/pricing-{uuid.uuid4().hex[:6]}"
    requests.post(stack.api("/proactive-rules"), headers=stack.auth(), timeout=10, json={
        "name": f"third{page}", "url_contains": page, "min_visits": 3, "message": "Questions about plans?"}
    ).raise_for_status()

    opened = [requests.post(stack.api("/sdk/page-views"), json={"url": f"https://parley.example{page}"},
                            headers={"Authorization": visitor["Authorization"]}, timeout=10).json()["open"]
              for _ in range(3)]

    assert opened == [False, False, True]
