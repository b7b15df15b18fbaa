"""Placeholders put ticket and people data into text, and never run customer data as a template."""
from chalicelib.domain.placeholders import placeholder_values, render, unknown_placeholders
from tests.unit.domain.rule_fixtures import ticket

AGENT = {"name": "Grace Hopper", "email": "grace@help.example.com"}


def values_for(**customer):
    return placeholder_values(ticket(), customer=customer or {"name": "Ada Lovelace"}, agent=AGENT,
                              base_url="https://help.example.com/")


def test_common_placeholders_render():
    text = render("#{{ticket.id}} {{ticket.subject}} is {{ticket.status}}; {{customer.name}} "
                  "<{{ticket.requester.email}}>, {{agent.name}}/{{current_user.first_name}} {{ ticket.url }}",
                  values_for(name="Ada Lovelace", email="ada@example.com"))
    assert text == ("#42 Where is my order? is Open; Ada Lovelace <ada@example.com>, Grace Hopper/Grace "
                    "https://help.example.com/tickets/42")


def test_customer_named_like_a_placeholder_stays_literal():
    text = render("Hello {{customer.name}}", values_for(name="{{agent.email}}"))
    assert text == "Hello {{agent.email}}"


def test_template_syntax_other_than_names_is_not_evaluated():
    attempts = "{{ ticket.__class__ }} {{7*7}} {% if x %}{{ticket.id|upcase}}"
    assert render(attempts, values_for()) == " {{7*7}} {% if x %}{{ticket.id|upcase}}"


def test_unknown_placeholders_render_empty_and_can_be_listed():
    assert render("Hi {{ticket.nope}}!", values_for()) == "Hi !"
    assert unknown_placeholders("{{ticket.id}} {{ticket.nope}} {{customer.name}}") == ["ticket.nope"]


def test_html_mode_escapes_inserted_values_only():
    text = render("<p>{{customer.name}}</p>", values_for(name="<script>alert(1)</script>"), html=True)
    assert text == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"


def test_custom_fields_by_zendesk_id():
    values = placeholder_values(ticket(custom_fields={"360001": "Gold"}))
    assert render("Plan: {{ticket.ticket_field_360001}}", values) == "Plan: Gold"


def test_customer_name_falls_back_to_the_requester_email():
    values = placeholder_values(ticket(requester_email="bob@example.com"))
    assert render("Hi {{customer.name}}", values) == "Hi bob@example.com"
