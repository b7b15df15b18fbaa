"""Pure live chat rules: proactive chat decisions and the presence grace period."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain.proactive import ProactiveRule, decide, page_of
from chalicelib.errors import ValidationError
from chalicelib.realtime.presence import GRACE_SECONDS, in_department, is_available

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


def _rule(**overrides):
    return ProactiveRule.from_dict({"name": "checkout", "url_contains": "/checkout", "message": "Need help?",
                                    **overrides})


def _iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_a_rule_fires_after_the_visitor_has_lingered_long_enough():
    rule = _rule(min_seconds=30)
    page = page_of("https://shop.example/Checkout/step-2?coupon=x")

    early = decide([rule], page, 10, {page: 1}, set())
    late = decide([rule], page, 30, {page: 1}, set())

    assert early.rule is None and early.check_after_seconds == 20
    assert late.rule == rule and late.to_dict() == {"open": True, "message": "Need help?", "rule": "checkout"}


def test_a_rule_counts_visits_to_every_matching_page():
    rule = _rule(url_contains="/pricing", min_visits=3)
    visits = {"shop.example/pricing": 1, "shop.example/pricing/teams": 1, "shop.example/about": 5}

    assert decide([rule], "shop.example/pricing", 0, visits, set()).rule is None
    assert decide([rule], "shop.example/pricing", 0, {**visits, "shop.example/pricing": 2}, set()).rule == rule


def test_a_rule_that_fired_once_does_not_fire_again_and_other_pages_are_ignored():
    rule = _rule()
    assert decide([rule], "shop.example/checkout", 99, {"shop.example/checkout": 1}, {"checkout"}).rule is None
    assert decide([rule], "shop.example/cart", 99, {"shop.example/cart": 1}, set()).to_dict() == {
        "open": False, "check_after_seconds": None}


@pytest.mark.parametrize("field, value, complaint", [
    ("min_seconds", -1, "min_seconds must be a whole number"),
    ("min_visits", 0, "min_visits must be a whole number"),
    ("message", "", "message must be"),
    ("colour", "red", "unknown rule fields colour"),
])
def test_a_bad_rule_is_refused_with_what_to_fix(field, value, complaint):
    with pytest.raises(ValidationError, match=complaint):
        _rule(**{field: value})


def test_a_page_must_be_a_web_address():
    with pytest.raises(ValidationError, match="is not an http"):
        page_of("javascript:alert(1)")


def test_an_agent_who_closed_every_tab_stays_available_for_the_grace_period_only():
    left = NOW - timedelta(seconds=GRACE_SECONDS - 1)
    agent = {"presence": "online", "connected_at": _iso(left - timedelta(minutes=5)), "disconnected_at": _iso(left)}

    assert is_available(agent, NOW) is True
    assert is_available(agent, NOW + timedelta(seconds=2)) is False
    assert is_available({**agent, "connected_at": _iso(NOW)}, NOW + timedelta(hours=1)) is True


def test_away_offline_and_light_agents_do_not_take_chats():
    assert is_available({"presence": "online"}, NOW) is True
    assert is_available({"presence": "away"}, NOW) is False
    assert is_available({"presence": "online", "role": "light_agent"}, NOW) is False


def test_department_membership_ignores_case():
    assert in_department({"departments": ["Support"]}, "support") is True
    assert in_department({"departments": ["Billing"]}, "Support") is False
    assert in_department({"departments": []}, None) is True
