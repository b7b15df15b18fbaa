"""The Zendesk-compatible API, driven by the real zenpy client as existing Zendesk tooling would drive it."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
import requests
from zenpy import Zenpy
from zenpy.lib.api_objects import Comment, Group, Organization, Ticket, User
from zenpy.lib.exception import APIException, RecordNotFoundException

ADMIN = "admin@parley.test"
AGENT = "agent1@parley.test"
LIGHT_AGENT = "agent3@parley.test"
PASSWORDS = {ADMIN: "Parley-admin-1", AGENT: "Parley-agent-1", LIGHT_AGENT: "Parley-agent-1"}


@pytest.fixture
def zendesk(stack, monkeypatch):
    """A factory of zenpy clients pointed at the local stack (password, API token or Bearer token)."""
    monkeypatch.setenv("ZENPY_FORCE_SCHEME", "http")
    monkeypatch.setenv("ZENPY_FORCE_NETLOC", stack.url.removeprefix("http://"))

    def client(email: str = ADMIN, *, token: str | None = None, bearer: str | None = None,
               password: str | None = None) -> Zenpy:
        if bearer:
            return Zenpy(subdomain="parley", oauth_token=bearer, disable_cache=True)
        if token:
            return Zenpy(subdomain="parley", email=email, token=token, disable_cache=True)
        return Zenpy(subdomain="parley", email=email, password=password or PASSWORDS[email], disable_cache=True)

    return client


def _email(name: str = "customer") -> str:
    return f"{name}.{uuid.uuid4().hex[:10]}@example.com"


def _new_ticket(client: Zenpy, requester_email: str, subject: str = "Where is my parcel?", **fields) -> Ticket:
    audit = client.tickets.create(Ticket(subject=subject, comment=Comment(body=f"{subject} Please help.", public=True),
                                         requester=User(name="Mia Chen", email=requester_email), **fields))
    return audit.ticket


def _error(caught: pytest.ExceptionInfo) -> tuple[int, dict]:
    return caught.value.response.status_code, caught.value.response.json()


# tickets -------------------------------------------------------------------------------------------------
def test_an_agent_creates_a_ticket_with_a_comment_and_a_new_requester(zendesk):
    client = zendesk()
    email = _email("mia")

    audit = client.tickets.create(Ticket(subject="Charged twice", priority="high", type="incident",
                                         tags=["Refund", "billing"], requester=User(name="Mia Chen", email=email),
                                         comment=Comment(body="My card was charged twice in November.", public=True)))

    created = audit.ticket
    assert created.id > 0 and created.status == "new" and created.priority == "high" and created.type == "incident"
    assert created.tags == ["refund", "billing"]
    assert created.via.channel == "api"
    assert any(e["type"] == "Comment" for e in audit.audit.events)
    shown = client.tickets(id=created.id)
    assert shown.subject == "Charged twice" and shown.description == "My card was charged twice in November."
    requester = client.users(id=shown.requester_id)
    assert requester.email == email and requester.name == "Mia Chen" and requester.role == "end-user"
    assert shown.submitter_id == client.users.me().id
    comments = list(client.tickets.comments(ticket=created.id))
    assert [(c.body, c.public, c.author_id) for c in comments] == \
        [("My card was charged twice in November.", True, client.users.me().id)]


def test_a_ticket_for_an_existing_requester_id_joins_their_history(zendesk):
    client = zendesk()
    first = _new_ticket(client, _email())

    audit = client.tickets.create(Ticket(subject="Another question", requester_id=first.requester_id,
                                         comment=Comment(body="And one more thing…")))

    assert audit.ticket.requester_id == first.requester_id
    found = list(client.search(type="ticket", requester=client.users(id=first.requester_id).email))
    assert {t.id for t in found} == {first.id, audit.ticket.id}


def test_an_update_changes_status_and_adds_a_comment_together(zendesk):
    client = zendesk()
    ticket = _new_ticket(client, _email())

    ticket.status = "hold"
    ticket.comment = Comment(body="Waiting for the warehouse to answer.", public=False)
    audit = client.tickets.update(ticket)

    assert audit.ticket.status == "hold"
    changes = [e for e in audit.audit.events if e["type"] == "Change"]
    assert changes == [{**changes[0], "field_name": "status", "value": "hold", "previous_value": "new"}]
    comments = list(client.tickets.comments(ticket=ticket.id))
    assert [(c.body, c.public) for c in comments][-1] == ("Waiting for the warehouse to answer.", False)
    assert client.tickets(id=ticket.id).status == "hold"


def test_a_public_comment_on_a_new_ticket_opens_it(zendesk):
    client = zendesk(AGENT)
    ticket = _new_ticket(client, _email())

    ticket.comment = Comment(body="Thanks, we are looking into it.", public=True)
    audit = client.tickets.update(ticket)

    assert audit.ticket.status == "open"


def test_additional_and_removed_tags_merge_with_the_tickets_tags(zendesk, stack):
    client = zendesk()
    ticket = _new_ticket(client, _email(), tags=["vip", "refund"])

    response = requests.put(f"{stack.url}/api/v2/tickets/{ticket.id}.json", auth=(ADMIN, PASSWORDS[ADMIN]),
                            json={"ticket": {"additional_tags": ["urgent"], "remove_tags": ["refund"]}}, timeout=10)

    assert response.status_code == 200, response.text
    assert response.json()["ticket"]["tags"] == ["vip", "urgent"]


def test_concurrent_tag_additions_are_all_kept(zendesk, stack):
    from concurrent.futures import ThreadPoolExecutor

    ticket = _new_ticket(zendesk(), _email())
    auth = (ADMIN, PASSWORDS[ADMIN])

    def add(i: int) -> int:
        return requests.put(f"{stack.url}/api/v2/tickets/{ticket.id}.json", auth=auth, timeout=30,
                            json={"ticket": {"additional_tags": [f"tag{i}"]}}).status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(add, range(10)))

    kept = set(zendesk().tickets(id=ticket.id).tags)
    written = {f"tag{i}" for i, status in enumerate(statuses) if status == 200}
    assert statuses == [200] * 10, "an update without safe_update is retried on fresh data, not refused"
    assert kept == written == {f"tag{i}" for i in range(10)}, "a concurrent update lost another's tag"


def test_cursor_pagination_walks_every_ticket_two_at_a_time(zendesk, stack):
    client = zendesk()
    mine = {_new_ticket(client, _email(), subject=f"Page test {i}").id for i in range(3)}

    first = requests.get(f"{stack.url}/api/v2/tickets.json?page[size]=2", auth=(ADMIN, PASSWORDS[ADMIN]),
                         timeout=10).json()
    walked = list(client.tickets(cursor_pagination=2))
    listed = [t.id for t in walked]

    assert len(first["tickets"]) == 2 and first["meta"]["has_more"] is True
    assert first["links"]["next"].startswith(f"{stack.url}/api/v2/tickets.json?page[size]=2&page[after]=")
    assert mine <= set(listed)
    assert len(listed) == len(set(listed)), "a ticket appeared on two pages"
    created = [t.created_at for t in walked]
    assert created == sorted(created, reverse=True)  # newest first (tickets created at once may not be in id order)


def test_offset_pagination_gives_next_and_previous_pages(zendesk, stack):
    client = zendesk()
    for i in range(3):
        _new_ticket(client, _email(), subject=f"Offset test {i}")
    auth = (ADMIN, PASSWORDS[ADMIN])

    page1 = requests.get(f"{stack.url}/api/v2/tickets.json?per_page=2&page=1", auth=auth, timeout=10).json()
    page2 = requests.get(page1["next_page"], auth=auth, timeout=10).json()

    assert len(page1["tickets"]) == 2 and page1["previous_page"] is None
    assert "page=2" in page1["next_page"] and "page=1" in page2["previous_page"]
    assert not {t["id"] for t in page1["tickets"]} & {t["id"] for t in page2["tickets"]}


def test_show_many_returns_the_tickets_asked_for(zendesk):
    client = zendesk()
    a, b = _new_ticket(client, _email()), _new_ticket(client, _email())

    shown = list(client.tickets(ids=[b.id, a.id, 99_999_999]))

    assert [t.id for t in shown] == [b.id, a.id]


def test_a_deleted_ticket_no_longer_shows(zendesk, stack):
    client = zendesk()
    email = _email()
    ticket = _new_ticket(client, email, subject="Delete me please")

    response = client.tickets.delete(ticket)

    assert response.status_code == 204
    with pytest.raises(RecordNotFoundException) as caught:
        client.tickets(id=ticket.id)
    assert _error(caught) == (404, {"error": "RecordNotFound", "description": "Not found"})
    assert list(client.tickets(ids=[ticket.id])) == []
    assert list(client.search(type="ticket", requester=email)) == []
    assert ticket.id not in [t.id for t in client.tickets(cursor_pagination=100)]


def test_safe_update_with_a_stale_stamp_is_a_conflict(zendesk, stack):
    client = zendesk()
    ticket = _new_ticket(client, _email())
    auth = (ADMIN, PASSWORDS[ADMIN])
    url = f"{stack.url}/api/v2/tickets/{ticket.id}.json"
    stamp = ticket.updated_at
    assert requests.put(url, auth=auth, json={"ticket": {"priority": "low"}}, timeout=10).status_code == 200

    stale = requests.put(url, auth=auth, json={"ticket": {"priority": "urgent", "safe_update": True,
                                                          "updated_stamp": "2000-01-01T00:00:00Z"}}, timeout=10)
    fresh_stamp = client.tickets(id=ticket.id).updated_at
    fresh = requests.put(url, auth=auth, json={"ticket": {"priority": "urgent", "safe_update": True,
                                                          "updated_stamp": fresh_stamp}}, timeout=10)

    assert stamp
    assert stale.status_code == 409 and stale.json()["error"] == "UpdateConflict"
    assert fresh.status_code == 200 and fresh.json()["ticket"]["priority"] == "urgent"


# search --------------------------------------------------------------------------------------------------
def test_search_by_status_requester_tags_words_and_dates(zendesk):
    client = zendesk()
    email = _email("searcher")
    refund = _new_ticket(client, email, subject="Refund for broken toaster", tags=["refund"])
    other = _new_ticket(client, email, subject="Question about delivery", tags=["delivery"])
    other.status = "solved"
    client.tickets.update(other)
    yesterday = (datetime.now(timezone.utc) - timedelta(days=1)).strftime("%Y-%m-%d")

    def ids(query: str) -> set[int]:
        return {t.id for t in client.search(query)}

    assert ids(f"type:ticket requester:{email}") == {refund.id, other.id}
    assert ids(f"type:ticket status:open requester:{email}") == set()
    assert ids(f"type:ticket status<solved requester:{email}") == {refund.id}
    assert ids(f"type:ticket status:solved requester:{email}") == {other.id}
    assert ids(f"type:ticket tags:refund requester:{email}") == {refund.id}
    assert ids(f"type:ticket -tags:refund requester:{email}") == {other.id}
    assert ids(f"type:ticket toast requester:{email}") == {refund.id}
    assert ids(f'type:ticket "broken toaster" requester:{email}') == {refund.id}
    assert ids(f"type:ticket created>{yesterday} requester:{email}") == {refund.id, other.id}
    assert ids(f"type:ticket created<2000-01-01 requester:{email}") == set()
    assert refund.id in ids(f"type:ticket status<solved tags:refund created>{yesterday}")


def test_search_results_carry_result_type_and_paging(zendesk, stack):
    client = zendesk()
    email = _email()
    for i in range(3):
        _new_ticket(client, email, subject=f"Paged search {i}")

    page = requests.get(f"{stack.url}/api/v2/search.json", params={"query": f"requester:{email}", "per_page": 2},
                        auth=(ADMIN, PASSWORDS[ADMIN]), timeout=10).json()
    everything = list(client.search(f"requester:{email}", type="ticket"))

    assert [r["result_type"] for r in page["results"]] == ["ticket", "ticket"]
    assert page["next_page"] and page["count"] >= 3
    assert len(everything) == 3


def test_search_with_an_unknown_property_says_which_ones_exist(zendesk):
    with pytest.raises(APIException) as caught:
        list(zendesk().search("flavour:vanilla"))
    status, body = _error(caught)
    assert status == 422 and body["error"] == "RecordInvalid"
    assert "status" in str(body["details"]) and "flavour" in str(body["details"])


# users and organizations --------------------------------------------------------------------------------
def test_users_create_show_search_and_me(zendesk):
    client = zendesk()
    email = _email("jonas")

    user = client.users.create(User(name="Jonas Weber", email=email))

    assert user.role == "end-user" and user.email == email
    assert client.users(id=user.id).name == "Jonas Weber"
    assert [u.id for u in client.users.search(query=email)] == [user.id]
    assert [u.id for u in client.users.search(query=f"email:{email}")] == [user.id]
    me = client.users.me()
    assert me.email == ADMIN and me.role == "admin"
    assert zendesk(LIGHT_AGENT).users.me().role == "agent"


def test_a_second_user_with_the_same_email_is_refused(zendesk):
    client = zendesk()
    email = _email()
    client.users.create(User(name="First", email=email))

    with pytest.raises(APIException) as caught:
        client.users.create(User(name="Second", email=email))

    status, body = _error(caught)
    assert status == 422 and body["error"] == "RecordInvalid" and "email" in body["details"]


def test_agents_are_not_created_through_the_users_api(zendesk):
    with pytest.raises(APIException) as caught:
        zendesk().users.create(User(name="New Agent", email=_email("agent"), role="agent"))
    status, body = _error(caught)
    assert status == 422 and "role" in body["details"]


def test_organizations_take_in_new_customers_by_email_domain(zendesk):
    client = zendesk()
    domain = f"acme-{uuid.uuid4().hex[:8]}.com"

    organization = client.organizations.create(Organization(name=f"Acme {domain}", domain_names=[domain],
                                                            details="Rocket skates"))
    user = client.users.create(User(name="Wile E. Coyote", email=f"wile@{domain}"))
    ticket = _new_ticket(client, f"road.runner@{domain}")

    assert organization.domain_names == [domain]
    assert client.organizations(id=organization.id).name == f"Acme {domain}"
    assert user.organization_id == organization.id
    assert ticket.organization_id == organization.id
    assert client.users(id=ticket.requester_id).organization_id == organization.id
    assert organization.id in [o.id for o in client.organizations()]
    assert client.users.create(User(name="Elsewhere", email=_email())).organization_id is None


def test_an_organization_name_or_domain_is_taken_only_once(zendesk):
    client = zendesk()
    domain = f"taken-{uuid.uuid4().hex[:8]}.com"
    client.organizations.create(Organization(name=f"Taken {domain}", domain_names=[domain]))

    with pytest.raises(APIException) as by_name:
        client.organizations.create(Organization(name=f"taken {domain}"))
    with pytest.raises(APIException) as by_domain:
        client.organizations.create(Organization(name=f"Other {domain}", domain_names=[domain]))

    assert _error(by_name)[0] == 422 and "name" in _error(by_name)[1]["details"]
    assert _error(by_domain)[0] == 422 and "domain_names" in _error(by_domain)[1]["details"]


# authentication and roles -------------------------------------------------------------------------------
def _issue_token(client: Zenpy, stack) -> dict:
    response = client.users.session.post(f"{stack.url}/api/v2/api_tokens.json",
                                         json={"api_token": {"description": "CI integration"}}, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()["api_token"]


def test_an_api_token_authenticates_any_agent_until_it_is_revoked(zendesk, stack):
    admin = zendesk()
    token = _issue_token(admin, stack)
    listed = admin.users.session.get(f"{stack.url}/api/v2/api_tokens.json", timeout=10).json()["api_tokens"]

    assert zendesk(AGENT, token=token["token"]).users.me().email == AGENT
    assert {"id": token["id"], "token_last_four": token["token"][-4:]}.items() <= \
        next(t for t in listed if t["id"] == token["id"]).items()
    assert all("token" not in t for t in listed), "a listed token shows its secret"

    revoked = admin.users.session.delete(f"{stack.url}/api/v2/api_tokens/{token['id']}.json", timeout=10)
    with pytest.raises(APIException) as caught:
        zendesk(AGENT, token=token["token"]).users.me()

    assert revoked.status_code == 204
    assert _error(caught) == (401, {"error": "Couldn't authenticate you"})


def test_only_admins_issue_api_tokens(zendesk, stack):
    response = zendesk(AGENT).users.session.post(f"{stack.url}/api/v2/api_tokens.json",
                                                 json={"api_token": {"description": "mine"}}, timeout=10)
    assert response.status_code == 403 and response.json()["error"] == "Forbidden"


def test_a_wrong_password_or_token_is_refused_in_zendesks_shape(zendesk):
    for client in (zendesk(AGENT, password="not-the-password"), zendesk(AGENT, token="not-a-token")):
        with pytest.raises(APIException) as caught:
            client.users.me()
        assert _error(caught) == (401, {"error": "Couldn't authenticate you"})


def test_an_agents_bearer_token_works_too(zendesk, stack):
    assert zendesk(bearer=stack.login(AGENT)).users.me().email == AGENT


def test_a_light_agent_may_add_a_note_but_not_a_public_comment(zendesk):
    ticket = _new_ticket(zendesk(), _email())
    light = zendesk(LIGHT_AGENT)

    ticket.comment = Comment(body="Customer sounds upset", public=False)
    noted = light.tickets.update(ticket)
    public = light.tickets(id=ticket.id)
    public.comment = Comment(body="Hello from a light agent", public=True)
    with pytest.raises(APIException) as caught:
        light.tickets.update(public)

    assert noted.ticket.id == ticket.id
    status, body = _error(caught)
    assert status == 403 and body["error"] == "Forbidden" and "internal notes" in body["description"]
    assert [c.body for c in zendesk().tickets.comments(ticket=ticket.id)][-1] == "Customer sounds upset"


# bad input ------------------------------------------------------------------------------------------------
def test_bad_input_gets_zendesks_422_shape(zendesk):
    client = zendesk()
    cases = [
        (Ticket(subject="x", comment=Comment(body="b"), requester=User(email=_email()), status="exploded"), "status"),
        (Ticket(subject="x", comment=Comment(body="b"), requester=User(email="not-an-email")), "requester"),
        (Ticket(subject="x", requester=User(email=_email())), "comment"),
        (Ticket(subject="x", comment=Comment(body="b"), requester=User(email=_email()), assignee_id=987654321),
         "assignee_id"),
    ]
    for ticket, field in cases:
        with pytest.raises(APIException) as caught:
            client.tickets.create(ticket)
        status, body = _error(caught)
        assert status == 422, body
        assert body["error"] == "RecordInvalid" and body["description"] == "Record validation errors"
        assert field in body["details"] and body["details"][field][0]["description"]


def test_an_unknown_ticket_is_zendesks_404(zendesk):
    with pytest.raises(RecordNotFoundException) as caught:
        zendesk().tickets(id=99_999_999)
    assert _error(caught) == (404, {"error": "RecordNotFound", "description": "Not found"})


# users: list, show_many, update, delete ---------------------------------------------------------------------
def test_users_are_listed_by_page_and_filtered_by_role(zendesk, stack):
    client = zendesk()
    mine = {client.users.create(User(name=f"Listed {i}", email=_email("listed"))).id for i in range(3)}
    auth = (ADMIN, PASSWORDS[ADMIN])

    walked = list(client.users(cursor_pagination=2))
    agents = list(client.users(role="agent"))
    admins = list(client.users(role="admin"))
    staff = list(client.users(role=["agent", "admin"]))
    end_users = list(client.users(role="end-user", cursor_pagination=100))
    page1 = requests.get(f"{stack.url}/api/v2/users.json?per_page=2&page=1", auth=auth, timeout=10).json()
    page2 = requests.get(page1["next_page"], auth=auth, timeout=10).json()
    bad = requests.get(f"{stack.url}/api/v2/users.json?role=owner", auth=auth, timeout=10)

    ids = [u.id for u in walked]
    assert mine <= set(ids) and len(ids) == len(set(ids)), "a user appeared on two pages"
    # other tests may have added agents: the demo ones are there, and each list holds its role only
    assert {AGENT, "agent2@parley.test", LIGHT_AGENT} <= {u.email for u in agents}
    assert {u.role for u in agents} == {"agent"} and {u.role for u in admins} == {"admin"}
    assert ADMIN in {u.email for u in admins}
    assert {u.id for u in staff} == {u.id for u in agents} | {u.id for u in admins}
    assert mine <= {u.id for u in end_users} and {u.role for u in end_users} == {"end-user"}
    assert len(page1["users"]) == 2 and page1["previous_page"] is None
    assert not {u["id"] for u in page1["users"]} & {u["id"] for u in page2["users"]}
    assert bad.status_code == 422 and "role" in bad.json()["details"]


def test_show_many_users_returns_the_users_asked_for(zendesk):
    client = zendesk()
    a = client.users.create(User(name="First", email=_email()))
    b = client.users.create(User(name="Second", email=_email()))
    me = client.users.me()

    shown = list(client.users(ids=[b.id, me.id, 99_999_999, a.id]))

    assert [(u.id, u.role) for u in shown] == [(b.id, "end-user"), (me.id, "admin"), (a.id, "end-user")]


def test_an_end_users_new_email_phone_and_external_id_replace_the_old_ones(zendesk, stack):
    client = zendesk(AGENT)
    old_email, new_email = _email("old"), _email("new")
    domain = f"moved-{uuid.uuid4().hex[:8]}.com"
    organization = zendesk().organizations.create(Organization(name=f"Moved {domain}", domain_names=[domain]))
    user = client.users.create(User(name="Nora Old", email=old_email))
    external = f"crm-{uuid.uuid4().hex[:8]}"

    user.name, user.email, user.phone, user.external_id = "Nora New", new_email, "+49 30 1234567", external
    user.organization_id, user.tags, user.user_fields = organization.id, ["VIP", "beta"], {"plan": "pro"}
    updated = client.users.update(user)
    agent_api = {"Authorization": f"Bearer {stack.login(AGENT)}"}

    def customer_by(**lookup) -> int:
        return requests.get(stack.api("/customers"), params=lookup, headers=agent_api, timeout=10).status_code

    assert (updated.id, updated.name, updated.email, updated.phone) == (user.id, "Nora New", new_email, "+49301234567")
    assert (updated.external_id, updated.organization_id) == (external, organization.id)
    assert updated.tags == ["vip", "beta"] and updated.user_fields == {"plan": "pro"}
    assert client.users(id=user.id).email == new_email
    assert [u.id for u in client.users.search(query=new_email)] == [user.id]
    assert list(client.users.search(query=old_email)) == []
    assert [u.id for u in client.users.search(external_id=external)] == [user.id]
    assert customer_by(email=new_email) == 200 and customer_by(email=old_email) == 404
    assert customer_by(phone="+49301234567") == 200 and customer_by(external_id=external) == 200
    assert client.users.create(User(name="Takes the old address", email=old_email)).email == old_email


def test_an_address_another_user_has_or_a_bad_one_is_refused(zendesk):
    client = zendesk()
    taken = client.users.create(User(name="Has it", email=_email())).email
    user = client.users.create(User(name="Wants it", email=_email()))

    for field, value in (("email", taken), ("email", "not-an-email"), ("phone", "call me"),
                         ("organization_id", 987654321), ("role", "admin")):
        changed = User(id=user.id)
        setattr(changed, field, value)
        with pytest.raises(APIException) as caught:
            client.users.update(changed)
        status, body = _error(caught)
        assert status == 422 and body["error"] == "RecordInvalid" and field in body["details"], (field, body)
    assert client.users(id=user.id).email == user.email


def test_only_admins_change_agents(zendesk):
    agent_id = next(iter(zendesk().users.search(query=AGENT))).id

    with pytest.raises(APIException) as by_agent:
        zendesk(AGENT).users.update(User(id=agent_id, name="Sam Renamed"))
    renamed = zendesk().users.update(User(id=agent_id, name="Sam Renamed"))
    zendesk().users.update(User(id=agent_id, name="Sam Support"))
    with pytest.raises(APIException) as new_email:
        zendesk().users.update(User(id=agent_id, email="someone.else@parley.test"))

    assert _error(by_agent)[0] == 403 and _error(by_agent)[1]["error"] == "Forbidden"
    assert renamed.name == "Sam Renamed" and renamed.role == "agent"
    assert _error(new_email)[0] == 422 and "email" in _error(new_email)[1]["details"]
    assert zendesk().users(id=agent_id).name == "Sam Support"


def test_deleting_an_end_user_is_zendesks_soft_delete(zendesk, stack):
    admin = zendesk()
    email = _email("leaving")
    ticket = _new_ticket(admin, email)
    user = admin.users(id=ticket.requester_id)

    with pytest.raises(APIException) as by_agent:
        zendesk(AGENT).users.delete(user)
    deleted = admin.users.delete(user)
    shown = admin.users(id=user.id)
    with pytest.raises(RecordNotFoundException) as again:
        admin.users.delete(user)
    with pytest.raises(APIException) as an_agent:
        admin.users.delete(admin.users.me())
    returning = admin.users.create(User(name="Back again", email=email))

    assert _error(by_agent)[0] == 403
    assert deleted.id == user.id and deleted.active is False
    assert shown.active is False and shown.name == user.name
    assert _error(again)[0] == 404
    assert _error(an_agent)[0] == 422
    assert admin.tickets(id=ticket.id).requester_id == user.id, "the deleted user's tickets stay theirs"
    assert [u.id for u in admin.users.search(query=email)] == [returning.id] and returning.id != user.id
    assert user.id not in {u.id for u in admin.users(role="end-user", cursor_pagination=100)}


# groups (departments) -------------------------------------------------------------------------------------
def test_groups_are_departments_created_shown_described_and_deleted(zendesk, stack):
    admin = zendesk()
    name = f"Returns {uuid.uuid4().hex[:6]}"

    created = admin.groups.create(Group(name=name, description="Parcels coming back"))
    shown = admin.groups(id=created.id)
    listed = list(zendesk(AGENT).groups())
    created.description = "Parcels and refunds"
    described = admin.groups.update(created)
    departments = requests.get(stack.api("/departments"), headers=stack.auth(ADMIN), timeout=10).json()
    deleted = admin.groups.delete(created)
    with pytest.raises(RecordNotFoundException) as gone:
        admin.groups(id=created.id)

    assert (shown.id, shown.name, shown.description) == (created.id, name, "Parcels coming back")
    assert {"Support", "Billing", name} <= {g.name for g in listed}
    assert next(g for g in listed if g.name == name).id == created.id
    assert described.description == "Parcels and refunds" and described.id == created.id
    assert name in [d["name"] for d in departments["departments"]], "a group is a routing department"
    assert deleted.status_code == 204 and _error(gone)[0] == 404
    assert name not in {g.name for g in admin.groups()}


def test_only_admins_change_groups_and_bad_ones_are_refused(zendesk):
    admin = zendesk()
    support = next(g for g in admin.groups() if g.name == "Support")

    with pytest.raises(APIException) as by_agent:
        zendesk(AGENT).groups.create(Group(name=f"Mine {uuid.uuid4().hex[:6]}"))
    with pytest.raises(APIException) as taken:
        admin.groups.create(Group(name="support"))
    with pytest.raises(APIException) as renamed:
        admin.groups.update(Group(id=support.id, name="Helpdesk"))
    with pytest.raises(APIException) as has_agents:
        admin.groups.delete(support)

    assert _error(by_agent)[0] == 403
    assert _error(taken)[0] == 422 and "name" in _error(taken)[1]["details"]
    assert _error(renamed)[0] == 422 and "name" in _error(renamed)[1]["details"]
    assert _error(has_agents)[0] == 422 and "agents" in str(_error(has_agents)[1]["details"])
    assert admin.groups(id=support.id).name == "Support"


def test_a_tickets_group_id_is_its_department(zendesk):
    admin = zendesk()
    groups = {g.name: g.id for g in admin.groups()}
    empty = admin.groups.create(Group(name=f"Night shift {uuid.uuid4().hex[:6]}"))

    ticket = _new_ticket(admin, _email(), group_id=groups["Billing"])
    ticket.group_id = empty.id
    audit = admin.tickets.update(ticket)
    with pytest.raises(APIException) as waiting:
        admin.groups.delete(empty)
    with pytest.raises(APIException) as unknown:
        _new_ticket(admin, _email(), group_id=987654321)

    assert admin.tickets(id=ticket.id).group_id == empty.id
    assert {"field_name": "group_id", "value": empty.id, "previous_value": groups["Billing"]}.items() <= \
        next(e for e in audit.audit.events if e.get("field_name") == "group_id").items()
    assert [t.id for t in admin.search(type="ticket", group=empty.id)] == [ticket.id]
    assert _error(waiting)[0] == 422 and "queue" in str(_error(waiting)[1]["details"])
    assert _error(unknown)[0] == 422 and "group_id" in _error(unknown)[1]["details"]


# side-loading -----------------------------------------------------------------------------------------------
def test_tickets_side_load_their_users_groups_and_organizations(zendesk, stack):
    admin = zendesk()
    domain = f"side-{uuid.uuid4().hex[:8]}.com"
    organization = admin.organizations.create(Organization(name=f"Side {domain}", domain_names=[domain]))
    billing = next(g for g in admin.groups() if g.name == "Billing")
    me = admin.users.me()
    ticket = _new_ticket(admin, f"mia@{domain}", group_id=billing.id, assignee_id=me.id)
    requests_made: list[str] = []
    cached = Zenpy(subdomain="parley", email=ADMIN, password=PASSWORDS[ADMIN])  # zenpy's cache, as users have it
    cached.tickets.session.hooks["response"].append(lambda response, **_: requests_made.append(response.url))

    shown = cached.tickets(id=ticket.id, include=["users", "groups", "organizations"])
    seen = (shown.requester.email, shown.assignee.name, shown.submitter.id, shown.group.name, shown.organization.name)
    listed = requests.get(f"{stack.url}/api/v2/tickets.json", params={"include": "users,groups", "per_page": 5},
                          auth=(ADMIN, PASSWORDS[ADMIN]), timeout=10).json()
    found = requests.get(f"{stack.url}/api/v2/search.json", auth=(ADMIN, PASSWORDS[ADMIN]), timeout=10,
                         params={"query": f"requester:mia@{domain}", "include": "tickets(users,organizations)"}).json()
    many = requests.get(f"{stack.url}/api/v2/tickets/show_many.json", auth=(ADMIN, PASSWORDS[ADMIN]), timeout=10,
                        params={"ids": str(ticket.id), "include": "organizations"}).json()

    assert seen == (f"mia@{domain}", me.name, me.id, "Billing", organization.name)
    assert [url.split("?")[0].removeprefix(stack.url) for url in requests_made] == [f"/api/v2/tickets/{ticket.id}.json"], \
        "zenpy fetched what the side-loads should have given it"
    listed_users = {u["id"] for u in listed["users"]}
    assert all({t["requester_id"], t["submitter_id"]} <= listed_users for t in listed["tickets"])
    assert {t["group_id"] for t in listed["tickets"] if t["group_id"]} == {g["id"] for g in listed["groups"]}
    assert "organizations" not in listed
    assert {u["id"] for u in found["users"]} == {ticket.requester_id, me.id}
    assert [o["id"] for o in found["organizations"]] == [organization.id] and "groups" not in found
    assert [o["id"] for o in many["organizations"]] == [organization.id] and "users" not in many


# search sort --------------------------------------------------------------------------------------------------
def test_search_results_sort_by_priority_status_type_and_dates(zendesk, stack):
    client = zendesk()
    email = _email("sorted")
    made = {name: _new_ticket(client, email, subject=f"Sorted {name}", priority=priority, type=kind)
            for name, priority, kind in (("a", "high", "task"), ("b", "low", "question"),
                                         ("c", "urgent", None), ("d", "normal", "incident"))}
    made["b"].status = "pending"
    client.tickets.update(made["b"])
    made["c"].status = "solved"
    client.tickets.update(made["c"])  # c, then b, are the most recently updated
    names = {t.id: name for name, t in made.items()}

    def order(**sort) -> str:
        return "".join(names[t.id] for t in client.search(f"requester:{email}", type="ticket", **sort))

    auth = (ADMIN, PASSWORDS[ADMIN])
    page1 = requests.get(f"{stack.url}/api/v2/search.json", auth=auth, timeout=10, params={
        "query": f"requester:{email}", "sort_by": "priority", "sort_order": "asc", "per_page": 3}).json()
    page2 = requests.get(page1["next_page"], auth=auth, timeout=10).json()
    with pytest.raises(APIException) as bad:
        list(client.search(f"requester:{email}", type="ticket", sort_by="flavour"))

    assert order(sort_by="priority", sort_order="asc") == "bdac"
    assert order(sort_by="priority", sort_order="desc") == "cadb"
    assert order(sort_by="priority") == "cadb", "desc when sort_order is left out, as Zendesk"
    assert order(sort_by="status", sort_order="asc") == "adbc"  # new, new (older first), pending, solved
    assert order(sort_by="ticket_type", sort_order="asc") == "cbda"  # none, question, incident, task
    assert order(sort_by="created_at", sort_order="asc") == "abcd"
    assert order(sort_by="updated_at", sort_order="desc")[:2] == "cb"
    assert [names[r["id"]] for r in page1["results"] + page2["results"]] == list("bdac")
    assert page1["count"] == 4 and "sort_by=priority" in page1["next_page"] and page2["next_page"] is None
    assert _error(bad)[0] == 400 and "sort_by" in _error(bad)[1]["description"]
