"""Bad input gets a 4xx with {"error", "message"} a person can act on — never a 500."""
from __future__ import annotations

import requests


def test_invalid_json_is_a_400_with_a_message(stack, visitor):
    response = requests.post(stack.api("/sdk/conversations"), data="{not json", timeout=10,
                             headers={"Authorization": visitor["Authorization"], "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json() == {"error": "invalid", "message": "request body is not valid JSON"}


def test_a_missing_field_names_the_field(stack, visitor):
    response = requests.post(stack.api("/sdk/conversations"), json={"text": "hi"},
                             headers={"Authorization": visitor["Authorization"]}, timeout=10)
    assert response.status_code == 400
    assert "message" in response.json()["message"]


def test_a_form_body_is_refused_with_the_content_type_to_use(stack):
    response = requests.post(stack.api("/auth/login"), data={"email": "a"}, timeout=10)
    assert response.status_code == 415
    assert response.json()["error"] == "unsupported_media_type"
    assert "application/json" in response.json()["message"]


def test_an_oversized_message_is_refused(stack, visitor):
    response = requests.post(stack.api("/sdk/conversations"), json={"message": "x" * 300_000},
                             headers={"Authorization": visitor["Authorization"]}, timeout=10)
    assert response.status_code == 413


def test_an_unknown_ticket_is_a_404(stack):
    for ticket in ("999999", "abc"):
        response = requests.get(stack.api(f"/tickets/{ticket}"), headers=stack.auth(), timeout=10)
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"


def test_an_unknown_status_lists_the_allowed_ones(stack):
    response = requests.get(stack.api("/tickets?status=exploded"), headers=stack.auth(), timeout=10)
    assert response.status_code == 400
    assert response.json()["message"] == \
        "status 'exploded' is not one of new, open, pending, on_hold, solved, closed"


def test_a_tampered_cursor_is_a_400(stack):
    response = requests.get(stack.api("/tickets?cursor=%%%garbage"), headers=stack.auth(), timeout=10)
    assert response.status_code == 400
