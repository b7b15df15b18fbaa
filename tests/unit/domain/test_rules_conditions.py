"""The condition language: Zendesk fields and operators over a ticket snapshot and its update."""
from datetime import timedelta

import pytest

from chalicelib.domain.business_hours import weekly
from chalicelib.domain.rules.conditions import compile_conditions, matches
from chalicelib.errors import ValidationError
from tests.unit.domain.rule_fixtures import NOW, cond, ticket, update


def test_all_conditions_must_hold():
    conditions = {"all": [cond("status", "is", "open"), cond("priority", "is", "high")]}
    assert not matches(conditions, ticket(priority="normal"))
    assert matches(conditions, ticket(priority="high"))


def test_one_any_condition_is_enough_when_any_is_given():
    conditions = {"all": [cond("status", "is", "open")],
                  "any": [cond("channel", "is", "chat"), cond("current_tags", "includes", "vip")]}
    assert matches(conditions, ticket(tags=["vip"]))
    assert not matches(conditions, ticket(tags=["other"]))


def test_empty_conditions_match_every_ticket():
    assert matches({"all": [], "any": []}, ticket())


def test_status_and_priority_compare_in_their_natural_order():
    assert matches({"all": [cond("status", "less_than", "solved")]}, ticket(status="pending"))
    assert not matches({"all": [cond("status", "less_than", "solved")]}, ticket(status="closed"))
    assert matches({"all": [cond("priority", "greater_than", "normal")]}, ticket(priority="urgent"))
    assert not matches({"all": [cond("priority", "greater_than", "normal")]}, ticket(priority="low"))


def test_zendesk_hold_status_means_on_hold():
    assert matches({"all": [cond("status", "is", "hold")]}, ticket(status="on_hold"))


def test_changed_to_holds_only_on_the_update_that_made_the_change():
    conditions = {"all": [cond("status", "changed_to", "solved")]}
    solved = ticket(status="solved")
    assert matches(conditions, solved, update({"status": ("open", "solved")}))
    assert not matches(conditions, solved, update({"priority": ("normal", "high")}))


def test_zendesk_value_previous_means_changed_from():
    conditions = {"all": [cond("status", "value_previous", "solved")]}
    assert matches(conditions, ticket(status="open"), update({"status": ("solved", "open")}))
    assert not matches(conditions, ticket(status="open"), update({"status": ("pending", "open")}))


def test_not_changed_and_not_changed_to():
    assert matches({"all": [cond("priority", "not_changed")]}, ticket(), update({"status": ("new", "open")}))
    assert matches({"all": [cond("status", "not_changed_to", "solved")]}, ticket(), update({"status": ("new", "open")}))
    assert not matches({"all": [cond("status", "changed")]}, ticket(), update({"status": ("open", "open")}))


def test_department_matches_by_name_or_zendesk_group_id():
    assert matches({"all": [cond("group_id", "is", "Support")]}, ticket(department="Support"))
    assert matches({"all": [cond("group_id", "is", "20455932")]}, ticket(department="Billing", department_id=20455932))
    assert matches({"all": [cond("department", "is", "")]}, ticket(department=None))


def test_assignee_is_current_user_uses_the_person_acting():
    conditions = {"all": [cond("assignee_id", "is_not", "current_user")]}
    assert not matches(conditions, ticket(assignee_id="agt-1"), update(actor_id="agt-1"))
    assert matches(conditions, ticket(assignee_id="agt-1"), update(actor_id="agt-2"))


def test_channel_accepts_zendesk_via_ids_and_types():
    assert matches({"all": [cond("via_id", "is", 4)]}, ticket(channel="email"))
    assert matches({"all": [cond("via_id", "is", "chat")]}, ticket(channel="chat"))
    assert matches({"all": [cond("via_id", "is_not", "whatsapp")]}, ticket(channel="chat"))


def test_update_via_reads_the_channel_of_this_update():
    conditions = {"all": [cond("current_via_id", "is", "whatsapp")]}
    assert matches(conditions, ticket(channel="email"), update(via="whatsapp"))
    assert not matches(conditions, ticket(channel="whatsapp"), update(via="email"))


def test_tags_includes_any_not_includes_none_is_all():
    tagged = ticket(tags=["vip", "refund"])
    assert matches({"all": [cond("current_tags", "includes", "gold vip")]}, tagged)
    assert not matches({"all": [cond("current_tags", "not_includes", "gold vip")]}, tagged)
    assert matches({"all": [cond("current_tags", "is", "vip refund")]}, tagged)
    assert not matches({"all": [cond("current_tags", "is", "vip gold")]}, tagged)


def test_subject_words_are_whole_words_and_case_insensitive():
    refund = ticket(subject="REFUND for order #12")
    assert matches({"all": [cond("subject_includes_word", "includes", "refund return")]}, refund)
    assert not matches({"all": [cond("subject_includes_word", "includes", "fund")]}, refund)
    assert matches({"all": [cond("subject_includes_word", "is", "fund for")]}, refund)
    assert matches({"all": [cond("subject_includes_word", "not_includes", "invoice")]}, refund)


def test_quoted_phrases_match_as_phrases():
    conditions = {"all": [cond("subject_includes_word", "includes", '"cancel my account"')]}
    assert matches(conditions, ticket(subject="Please cancel my account today"))
    assert not matches(conditions, ticket(subject="My account: please cancel"))


def test_comment_words_read_this_update_comment():
    conditions = {"all": [cond("comment_includes_word", "includes", "urgent")]}
    assert matches(conditions, ticket(), update(comment="This is URGENT, please!"))
    assert not matches(conditions, ticket(), update(comment="No rush"))
    assert not matches(conditions, ticket(), update())


def test_comment_words_on_create_read_the_first_message():
    conditions = {"all": [cond("comment_includes_word", "includes", "lamp")]}
    assert matches(conditions, ticket(), update(event="created"))


def test_comment_is_public_tells_replies_from_internal_notes():
    public = {"all": [cond("comment_is_public", "is", "true")]}
    private = {"all": [cond("comment_is_public", "is", "false")]}
    assert matches(public, ticket(), update(comment="hi", public=True))
    assert not matches(public, ticket(), update(comment="note", public=False))
    assert matches(private, ticket(), update(comment="note", public=False))
    assert not matches(public, ticket(), update())


def test_update_type_create_or_change():
    assert matches({"all": [cond("update_type", "is", "Create")]}, ticket(), update(event="created"))
    assert not matches({"all": [cond("update_type", "is", "Create")]}, ticket(), update(event="updated"))
    assert matches({"all": [cond("update_type", "is", "Change")]}, ticket(), update(event="updated"))


def test_role_is_who_wrote_the_comment():
    conditions = {"all": [cond("role", "is", "end_user")]}
    assert matches(conditions, ticket(), update(comment="hello", author="customer"))
    assert not matches(conditions, ticket(), update(comment="hello", author="agent"))


def test_custom_fields_by_zendesk_id_and_by_name():
    with_fields = ticket(custom_fields={"360001": "gold", "plan": "pro", "seats": 12, "products": ["lamp", "desk"]})
    assert matches({"all": [cond("custom_fields_360001", "is", "gold")]}, with_fields)
    assert matches({"all": [cond("custom_fields.plan", "is", "Pro")]}, with_fields)
    assert matches({"all": [cond("custom_fields.seats", "greater_than", "10")]}, with_fields)
    assert matches({"all": [cond("custom_fields.products", "includes", "desk")]}, with_fields)
    assert matches({"all": [cond("custom_fields.missing", "not_present")]}, with_fields)


def test_custom_field_changed_to():
    conditions = {"all": [cond("custom_fields.plan", "changed_to", "enterprise")]}
    assert matches(conditions, ticket(custom_fields={"plan": "enterprise"}),
                   update({"custom_fields.plan": ("pro", "enterprise")}))
    assert matches(conditions, ticket(custom_fields={"plan": "enterprise"}),
                   update({"custom_fields": ({"plan": "pro"}, {"plan": "enterprise"})}))


def test_zendesk_hours_since_solved_form():
    conditions = {"all": [cond("SOLVED", "greater_than", "24")]}
    solved = ticket(status="solved", solved_at=(NOW - timedelta(hours=25)).isoformat())
    assert matches(conditions, solved, now=NOW)
    assert not matches(conditions, ticket(status="solved", solved_at=(NOW - timedelta(hours=2)).isoformat()), now=NOW)
    assert not matches(conditions, ticket(status="open", solved_at=None), now=NOW)


def test_hours_since_is_means_within_that_whole_hour():
    conditions = {"all": [cond("hours_since_pending", "is", 48)]}
    assert matches(conditions, ticket(pending_at=(NOW - timedelta(hours=48, minutes=30)).isoformat()), now=NOW)
    assert not matches(conditions, ticket(pending_at=(NOW - timedelta(hours=49, minutes=1)).isoformat()), now=NOW)


def test_hours_since_in_business_hours_skip_the_weekend():
    office = weekly("Europe/Berlin", {"mon-fri": "09:00-17:00"})
    friday_3pm = "2024-06-14T13:00:00+00:00"  # 15:00 in Berlin
    monday_10am = NOW.replace(day=17, hour=8)  # 10:00 in Berlin
    waiting = ticket(last_customer_message_at=friday_3pm)
    business = {"all": [{"field": "hours_since_last_customer_message", "operator": "greater_than", "value": 4,
                         "business_hours": True}]}
    calendar = {"all": [cond("requester_updated_at", "greater_than", 4)]}
    assert not matches(business, waiting, now=monday_10am, schedule=office)  # 3 business hours
    assert matches(calendar, waiting, now=monday_10am)
    assert matches({"all": [cond("requester_updated_at", "greater_than_business_hours", 2)]}, waiting,
                   now=monday_10am, schedule=office)


def test_sla_conditions():
    due_soon = ticket(sla={"breached": False, "next_due_at": (NOW + timedelta(minutes=30)).isoformat()})
    assert matches({"all": [cond("sla_next_breach_within", "less_than", 1)]}, due_soon, now=NOW)
    assert not matches({"all": [cond("sla_breached", "is", True)]}, due_soon, now=NOW)
    assert matches({"all": [cond("sla_breached", "is", "true")]}, ticket(sla={"breached": True}))


def test_unknown_field_is_refused_with_the_allowed_fields():
    with pytest.raises(ValidationError) as error:
        compile_conditions({"all": [cond("mood", "is", "angry")]})
    assert "mood" in error.value.message and "subject_includes_word" in error.value.message


def test_unknown_operator_is_refused_with_the_allowed_operators():
    with pytest.raises(ValidationError) as error:
        compile_conditions({"all": [cond("status", "resembles", "open")]})
    message = error.value.message
    assert "resembles" in message and "status" in message and "changed_to" in message


def test_unknown_status_value_is_refused_with_the_statuses():
    with pytest.raises(ValidationError) as error:
        compile_conditions({"all": [cond("status", "is", "exploded")]})
    assert error.value.message == "status 'exploded' is not one of new, open, pending, on_hold, solved, closed"


def test_non_numeric_hours_are_refused():
    with pytest.raises(ValidationError, match="number of hours"):
        compile_conditions({"all": [cond("SOLVED", "greater_than", "a day")]})


def test_real_email_subjects_match_their_own_words():
    import csv

    from tests.corpus import EMAIL_DIR

    manifest = EMAIL_DIR / "MANIFEST.tsv"
    if not manifest.exists():
        pytest.skip("shared corpus not present")
    import re

    checked = 0
    with manifest.open(encoding="utf-8") as rows:
        for row in csv.DictReader(rows, delimiter="\t"):
            subject = row["subject_decoded"].replace("\\n", " ").replace("\\t", " ")
            words = re.findall(r"\w+", subject)
            if not words:
                continue
            word = max(words, key=len)
            snapshot = ticket(subject=subject)
            assert matches({"all": [cond("subject_includes_word", "includes", word.upper())]}, snapshot), subject
            assert not matches({"all": [cond("subject_includes_word", "includes", word + "zzq")]}, snapshot)
            checked += 1
    assert checked > 0


def test_empty_assignee_means_unassigned():
    unassigned = {"all": [cond("assignee_id", "is", "")]}
    assert matches(unassigned, ticket(assignee_id=None))
    assert not matches(unassigned, ticket(assignee_id="agt-1"))


def test_within_business_hours_uses_the_schedule():
    office = weekly("Europe/Berlin", {"mon-fri": "09:00-17:00"})
    conditions = {"all": [cond("within_business_hours", "is", "true")]}
    assert matches(conditions, ticket(), now=NOW, schedule=office)  # Wednesday 14:00 in Berlin
    assert not matches(conditions, ticket(), now=NOW.replace(hour=20), schedule=office)
