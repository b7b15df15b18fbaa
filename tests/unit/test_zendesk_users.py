"""Zendesk users in Parley's terms: roles, phone numbers and the identities a profile change moves."""
from __future__ import annotations

import pytest

from chalicelib.domain import zendesk_users as zu
from chalicelib.errors import ValidationError


def test_parley_roles_are_zendesk_agents_or_admins():
    assert [zu.zendesk_role(r) for r in ("admin", "agent", "light_agent", None)] == ["admin", "agent", "agent", "agent"]


@pytest.mark.parametrize("params, roles", [
    ({}, {"end-user", "agent", "admin"}),
    ({"role": "agent"}, {"agent"}),
    ({"role[]": "end-user"}, {"end-user"}),
    ({"role": ["agent", "admin"]}, {"agent", "admin"}),
    ({"role": "agent,admin"}, {"agent", "admin"}),
    ({"role[]": "agent&role[]=admin"}, {"agent", "admin"}),  # how zenpy sends role=["agent", "admin"]
])
def test_the_roles_a_users_list_asks_for(params, roles):
    assert zu.wanted_roles(params) == roles


def test_an_unknown_role_names_the_ones_that_exist():
    with pytest.raises(ValidationError, match="owner.*end-user, agent, admin"):
        zu.wanted_roles({"role": "owner"})


def test_phone_numbers_are_kept_in_international_form():
    assert zu.normalize_phone("+49 (30) 123-4567") == "+49301234567"
    for bad in ("030 1234567", "call me", "+0123456789", 4930123456, None):
        with pytest.raises(ValidationError, match="phone"):
            zu.normalize_phone(bad)


def test_a_new_email_replaces_the_old_identity_and_leaves_the_others():
    identities = [{"channel": "email", "address": "old@example.com"}, {"channel": "phone", "address": "+4930123"},
                  {"channel": "email", "address": "merged@example.com"}]

    removed, added, after = zu.identity_moves(identities, {"email": ("old@example.com", "new@example.com")})

    assert removed == [("email", "old@example.com")] and added == [("email", "new@example.com")]
    assert after == [{"channel": "phone", "address": "+4930123"}, {"channel": "email", "address": "merged@example.com"},
                     {"channel": "email", "address": "new@example.com"}]


def test_identity_moves_add_remove_and_leave_unchanged_ones_alone():
    identities = [{"channel": "email", "address": "a@example.com"}, {"channel": "external", "address": "crm-1"}]

    assert zu.identity_moves(identities, {"email": ("a@example.com", "a@example.com")}) == ([], [], identities)
    assert zu.identity_moves(identities, {"external": ("crm-1", None)})[:2] == ([("external", "crm-1")], [])
    assert zu.identity_moves(identities, {"phone": (None, "+4930123")})[:2] == ([], [("phone", "+4930123")])
    # an old address the customer does not have (external_id kept on the profile only) is not removed
    assert zu.identity_moves(identities, {"external": ("crm-0", "crm-2")})[:2] == ([], [("external", "crm-2")])


def test_first_address_on_a_channel():
    identities = [{"channel": "email", "address": "a@example.com"}, {"channel": "phone", "address": "+4930123"}]
    assert zu.first_address(identities, "phone") == "+4930123" and zu.first_address(identities, "telegram") is None
