"""The agent's ticket work: replies, notes, roles, optimistic locking, customers, views, privacy."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests

from tests.conftest import wait_for


def _new_ticket(stack, visitor, text="Where is my parcel?"):
    started = requests.post(stack.api("/sdk/conversations"), json={"message": text},
                            headers={"Authorization": visitor["Authorization"]}, timeout=10).json()
    return wait_for(lambda: (r := requests.get(stack.api(f"/tickets/{started['ticket_id']}"), headers=stack.auth(),
                                               timeout=10)).ok and r.json()["ticket"])


def _reply(stack, ticket_id, body, public, who="agent1@parley.test"):
    return requests.post(stack.api(f"/tickets/{ticket_id}/messages"), json={"body": body, "public": public},
                         headers=stack.auth(who), timeout=10)


def test_agent_replies_publicly_and_notes_stay_internal(stack, visitor):
    ticket = _new_ticket(stack, visitor)
    assert _reply(stack, ticket["id"], "It left our warehouse today.", True).status_code == 201
    assert _reply(stack, ticket["id"], "Carrier is slow this week", False).status_code == 201

    shown = requests.get(stack.api(f"/tickets/{ticket['id']}"), headers=stack.auth(), timeout=10).json()
    assert [(m["author_type"], m["public"]) for m in shown["messages"]] == \
        [("customer", True), ("agent", True), ("agent", False)]
    assert shown["ticket"]["status"] == "open", "a public reply opens a new ticket"
    seen = requests.get(stack.api(f"/sdk/conversations/{ticket['conversation_id']}/messages"),
                        headers={"Authorization": visitor["Authorization"]}, timeout=10).json()["messages"]
    assert [m["body"] for m in seen] == ["Where is my parcel?", "It left our warehouse today."]


def test_a_light_agent_may_only_add_internal_notes(stack, visitor):
    ticket = _new_ticket(stack, visitor)
    refused = _reply(stack, ticket["id"], "Hello!", True, who="agent3@parley.test")
    assert refused.status_code == 403 and "internal notes" in refused.json()["message"]
    assert _reply(stack, ticket["id"], "FYI", False, who="agent3@parley.test").status_code == 201
    change = requests.patch(stack.api(f"/tickets/{ticket['id']}"), json={"priority": "high"},
                            headers=stack.auth("agent3@parley.test"), timeout=10)
    assert change.status_code == 403


def test_a_stale_version_is_refused_with_409_and_nothing_is_lost(stack, visitor):
    ticket = _new_ticket(stack, visitor)
    first = requests.patch(stack.api(f"/tickets/{ticket['id']}"), json={"priority": "urgent"},
                           headers={**stack.auth(), "If-Match": str(ticket["version"])}, timeout=10)
    assert first.status_code == 200 and first.json()["ticket"]["version"] == ticket["version"] + 1
    stale = requests.patch(stack.api(f"/tickets/{ticket['id']}"), json={"priority": "low"},
                           headers={**stack.auth(), "If-Match": str(ticket["version"])}, timeout=10)
    assert stale.status_code == 409 and "reload" in stale.json()["message"]
    shown = requests.get(stack.api(f"/tickets/{ticket['id']}"), headers=stack.auth(), timeout=10).json()["ticket"]
    assert shown["priority"] == "urgent"


def test_fifty_concurrent_tag_updates_end_with_all_fifty_tags(stack, visitor):
    ticket = _new_ticket(stack, visitor)
    headers = stack.auth()

    def add_tag(n: int) -> int:
        conflicts = 0
        while True:
            current = requests.get(stack.api(f"/tickets/{ticket['id']}"), headers=headers, timeout=30).json()["ticket"]
            response = requests.patch(stack.api(f"/tickets/{ticket['id']}"),
                                      json={"tags": current["tags"] + [f"tag{n}"]},
                                      headers={**headers, "If-Match": str(current["version"])}, timeout=30)
            if response.status_code == 200:
                return conflicts
            assert response.status_code == 409, response.text
            conflicts += 1

    with ThreadPoolExecutor(max_workers=5) as pool:
        conflicts = sum(pool.map(add_tag, range(50)))
    final = requests.get(stack.api(f"/tickets/{ticket['id']}"), headers=headers, timeout=10).json()["ticket"]
    assert sorted(final["tags"]) == sorted(f"tag{n}" for n in range(50))
    assert conflicts > 0, "the test must actually race"


def test_closed_is_final(stack, visitor):
    ticket = _new_ticket(stack, visitor)
    closed = requests.patch(stack.api(f"/tickets/{ticket['id']}"), json={"status": "closed"}, headers=stack.auth(),
                            timeout=10)
    assert closed.status_code == 200
    reopened = requests.patch(stack.api(f"/tickets/{ticket['id']}"), json={"status": "open"}, headers=stack.auth(),
                              timeout=10)
    assert reopened.status_code == 400 and "closed is final" in reopened.json()["message"]


def test_merging_customers_joins_their_histories(stack, visitor):
    other = requests.post(stack.api("/sdk/sessions"), json={"name": "Same Person"}, timeout=10).json()
    other_visitor = {"customer_id": other["customer_id"], "Authorization": f"Bearer {other['visitor_token']}"}
    mine, theirs = _new_ticket(stack, visitor, "From the laptop"), _new_ticket(stack, other_visitor, "From the phone")

    merged = requests.post(stack.api(f"/customers/{visitor['customer_id']}/merge"),
                           json={"customer_id": other["customer_id"]}, headers=stack.auth(), timeout=10)
    assert merged.status_code == 200, merged.text
    open_ids = {t["id"] for t in merged.json()["open_tickets"]}
    assert {mine["id"], theirs["id"]} <= open_ids
    still_works = requests.get(stack.api("/sdk/conversations"), headers={"Authorization": other_visitor["Authorization"]},
                               timeout=10).json()["conversations"]
    assert {c["ticket_id"] for c in still_works} >= {mine["id"], theirs["id"]}


def test_an_admin_exports_then_erases_a_customer(stack, visitor):
    ticket = _new_ticket(stack, visitor, "Please delete my data afterwards")
    assert requests.get(stack.api(f"/customers/{visitor['customer_id']}/export"),
                        headers=stack.auth("agent1@parley.test"), timeout=10).status_code == 403
    export = requests.get(stack.api(f"/customers/{visitor['customer_id']}/export"), headers=stack.auth(), timeout=10)
    assert export.status_code == 200
    assert export.json()["tickets"][0]["messages"][0]["body"] == "Please delete my data afterwards"

    erased = requests.delete(stack.api(f"/customers/{visitor['customer_id']}"), headers=stack.auth(), timeout=10)
    assert erased.status_code == 200 and erased.json()["tickets_deleted"] == 1
    assert requests.get(stack.api(f"/tickets/{ticket['id']}"), headers=stack.auth(), timeout=10).status_code == 404
    assert requests.get(stack.api(f"/customers/{visitor['customer_id']}"), headers=stack.auth(),
                        timeout=10).status_code == 404
    assert requests.get(stack.api("/sdk/conversations"), headers={"Authorization": visitor["Authorization"]},
                        timeout=10).status_code == 401


def test_views_count_their_tickets(stack, visitor):
    ticket = _new_ticket(stack, visitor, "Count me in the unassigned view")
    views = {v["id"]: v for v in requests.get(stack.api("/views"), headers=stack.auth(), timeout=10).json()["views"]}
    assert views["unassigned"]["count"] >= 1
    listed = requests.get(stack.api("/views/unassigned/tickets"), headers=stack.auth(), timeout=10).json()
    assert ticket["id"] in [t["id"] for t in listed["tickets"]] and listed["count"] == views["unassigned"]["count"]
    saved = requests.post(stack.api("/views"), json={"name": "Urgent chats", "filter": {"channel": "chat",
                                                                                         "status": ["new"]}},
                          headers=stack.auth(), timeout=10)
    assert saved.status_code == 201
    bad = requests.post(stack.api("/views"), json={"name": "Bad", "filter": {"colour": "red"}}, headers=stack.auth(),
                        timeout=10)
    assert bad.status_code == 400 and "colour" in bad.json()["message"]


def test_agents_filter_the_ticket_list_by_channel_tag_and_words(stack, visitor):
    ticket = _new_ticket(stack, visitor, "The zebra-striped mug arrived broken")
    requests.patch(stack.api(f"/tickets/{ticket['id']}"), json={"tags": ["breakage"]}, headers=stack.auth(),
                   timeout=10)
    found = requests.get(stack.api("/tickets?q=zebra-striped&channel=chat&tag=breakage"), headers=stack.auth(),
                         timeout=10).json()["tickets"]
    assert [t["id"] for t in found] == [ticket["id"]]
    assert requests.get(stack.api("/tickets?q=zebra-striped&channel=email"), headers=stack.auth(),
                        timeout=10).json()["tickets"] == []


def test_custom_fields_are_defined_by_admins_and_typed(stack, visitor):
    ticket = _new_ticket(stack, visitor, "Which plan am I on?")
    field = {"name": "plan_tier", "type": "dropdown", "options": ["free", "pro", "enterprise"]}
    assert requests.post(stack.api("/ticket-fields"), json=field, headers=stack.auth("agent1@parley.test"),
                         timeout=10).status_code == 403
    assert requests.post(stack.api("/ticket-fields"), json=field, headers=stack.auth(), timeout=10).status_code == 201

    wrong = requests.patch(stack.api(f"/tickets/{ticket['id']}"), json={"custom_fields": {"plan_tier": "gold"}},
                           headers=stack.auth(), timeout=10)
    assert wrong.status_code == 400 and "one of free, pro, enterprise" in wrong.json()["message"]
    unknown = requests.patch(stack.api(f"/tickets/{ticket['id']}"), json={"custom_fields": {"colour": "red"}},
                             headers=stack.auth(), timeout=10)
    assert unknown.status_code == 400 and "plan_tier" in unknown.json()["message"]
    right = requests.patch(stack.api(f"/tickets/{ticket['id']}"), json={"custom_fields": {"plan_tier": "pro"}},
                           headers=stack.auth(), timeout=10)
    assert right.status_code == 200 and right.json()["ticket"]["custom_fields"]["plan_tier"] == "pro"


def test_a_transfer_to_another_department_carries_a_note(stack, visitor):
    ticket = _new_ticket(stack, visitor, "I need an invoice copy")
    moved = requests.patch(stack.api(f"/tickets/{ticket['id']}"),
                           json={"department": "Billing", "note": "Invoices are Billing's"},
                           headers=stack.auth("agent1@parley.test"), timeout=10)
    assert moved.status_code == 200 and moved.json()["ticket"]["department"] == "Billing"
    shown = requests.get(stack.api(f"/tickets/{ticket['id']}"), headers=stack.auth(), timeout=10).json()
    assert (shown["messages"][-1]["body"], shown["messages"][-1]["public"]) == ("Invoices are Billing's", False)
