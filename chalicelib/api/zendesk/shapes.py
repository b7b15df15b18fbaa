"""Parley's records in Zendesk's JSON: tickets, comments, users, organizations, audits.

Parley ids that Zendesk shows as integers (customers, agents, departments) are numbered through the
id registry in one batch per response (see store/zendesk_ids.py).
"""
from __future__ import annotations

import html
from typing import Any, Iterable

from chalicelib.domain.search_query import via_channel

USER, GROUP = "user", "group"  # number spaces of the id registry (store/zendesk_ids.py)
SYSTEM_USER = -1
COMMENT_SEQ_SPAN = 10_000_000  # comment id = ticket id × span + message sequence
MESSAGING_CHANNELS = ("whatsapp", "messenger", "instagram", "telegram", "sms", "sdk", "chat", "web")


def zendesk_time(moment: str | None) -> str | None:
    """Parley's ISO time (milliseconds) in Zendesk's form, "2026-01-31T09:00:00Z"."""
    return f"{moment[:19]}Z" if moment else None


def zendesk_status(status: str) -> str:
    """Parley's status as Zendesk says it (on_hold → hold)."""
    return "hold" if status == "on_hold" else status


def customer_ref(customer_id: str) -> str:
    return f"customer:{customer_id}"


def agent_ref(agent_id: str) -> str:
    return f"agent:{agent_id}"


def comment_id(ticket_id: int, seq: int) -> int:
    """A comment's id: unique across tickets, derived from the ticket and the message's sequence."""
    return int(ticket_id) * COMMENT_SEQ_SPAN + int(seq)


def custom_fields_out(fields: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Parley's custom fields keyed by a numeric field id, as Zendesk's [{"id", "value"}]."""
    return [{"id": int(k), "value": v} for k, v in sorted((fields or {}).items(), key=lambda kv: kv[0])
            if str(k).isdigit()]


class Presenter:
    """Renders records for one response; number lookups are batched across everything rendered."""

    def __init__(self, base: str, ids: Any = None):
        from chalicelib.bootstrap import zendesk_id_store

        self.base = base
        self._ids = ids or zendesk_id_store()

    # numbers -------------------------------------------------------------------------------------
    def user_numbers(self, refs: Iterable[str | None]) -> dict[str, int]:
        """Numbers for user refs ("customer:…", "agent:…")."""
        return self._ids.numbers_for(USER, [r for r in refs if r])

    def group_numbers(self, departments: Iterable[str | None]) -> dict[str, int]:
        """Numbers for departments (by lowercase name)."""
        return self._ids.numbers_for(GROUP, [d.lower() for d in departments if d])

    # tickets -------------------------------------------------------------------------------------
    def tickets(self, tickets: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Zendesk tickets for Parley tickets (two batched number lookups for the whole list)."""
        users = self.user_numbers(r for t in tickets for r in _ticket_user_refs(t))
        groups = self.group_numbers(t.get("department") for t in tickets)
        return [self._ticket(t, users, groups) for t in tickets]

    def ticket(self, ticket: dict[str, Any]) -> dict[str, Any]:
        """One Zendesk ticket."""
        return self.tickets([ticket])[0]

    def _ticket(self, t: dict[str, Any], users: dict[str, int], groups: dict[str, int]) -> dict[str, Any]:
        requester = users.get(customer_ref(t["requester_id"]))
        submitter = users.get(agent_ref(t["submitter_id"])) if t.get("submitter_id") else requester
        fields = custom_fields_out(t.get("custom_fields"))
        return {
            "id": t["id"], "url": f"{self.base}/api/v2/tickets/{t['id']}.json", "external_id": t.get("external_id"),
            "via": {"channel": via_channel(t.get("channel")), "source": {"from": {}, "to": {}, "rel": None}},
            "created_at": zendesk_time(t["created_at"]), "updated_at": zendesk_time(t.get("updated_at")),
            "generated_timestamp": None, "type": t.get("type"), "subject": t.get("subject"),
            "raw_subject": t.get("subject"), "description": t.get("description") or "",
            "priority": t.get("priority"), "status": zendesk_status(t["status"]), "recipient": None,
            "requester_id": requester, "submitter_id": submitter,
            "assignee_id": users.get(agent_ref(t["assignee_id"])) if t.get("assignee_id") else None,
            "organization_id": t.get("organization_id"),
            "group_id": groups.get(t["department"].lower()) if t.get("department") else None,
            "collaborator_ids": [], "follower_ids": [], "email_cc_ids": [], "forum_topic_id": None,
            "problem_id": None, "has_incidents": False, "is_public": True, "due_at": None,
            "tags": list(t.get("tags") or []), "custom_fields": fields, "fields": fields,
            "satisfaction_rating": None, "sharing_agreement_ids": [], "followup_ids": [],
            "via_followup_source_id": t.get("via_followup_source_id"), "brand_id": None,
            "allow_channelback": False, "allow_attachments": True,
            "from_messaging_channel": t.get("channel") in MESSAGING_CHANNELS,
        }

    # comments ------------------------------------------------------------------------------------
    def comments(self, ticket: dict[str, Any], messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """A ticket's messages as Zendesk comments (public replies and internal notes)."""
        refs = {m.get("author_id") and agent_ref(m["author_id"]) for m in messages if m.get("author_type") == "agent"}
        users = self.user_numbers([customer_ref(ticket["requester_id"]), *refs])
        return [self.comment(ticket, m, users) for m in messages]

    def comment(self, ticket: dict[str, Any], m: dict[str, Any], users: dict[str, int]) -> dict[str, Any]:
        """One message as a Zendesk comment."""
        if m.get("author_type") == "customer":
            author = users.get(customer_ref(ticket["requester_id"]))
        elif m.get("author_type") == "agent" and m.get("author_id"):
            author = users.get(agent_ref(m["author_id"]))
        else:
            author = SYSTEM_USER
        body = m.get("body") or ""
        number = comment_id(ticket["id"], m["seq"])
        return {"id": number, "type": "Comment", "author_id": author, "body": body,
                "html_body": m.get("html") or "".join(f"<p>{html.escape(p)}</p>" for p in body.split("\n\n")),
                "plain_body": body, "public": bool(m.get("public", True)), "attachments": m.get("attachments") or [],
                "audit_id": number, "via": {"channel": via_channel(m.get("channel")), "source": {}},
                "created_at": zendesk_time(m.get("created_at")), "metadata": {"system": {}, "custom": {}}}

    def audit(self, ticket: dict[str, Any], author: str, events: list[dict[str, Any]], audit_id: int,
              at: str) -> dict[str, Any]:
        """The audit Zendesk returns with a create or update: who changed what."""
        number = self.user_numbers([author]).get(author)
        return {"id": audit_id, "ticket_id": ticket["id"], "created_at": zendesk_time(at), "author_id": number,
                "metadata": {}, "via": {"channel": "api", "source": {}},
                "events": [{"id": audit_id * 100 + i, **e} for i, e in enumerate(events, start=1)]}

    # users ---------------------------------------------------------------------------------------
    def users(self, people: Iterable[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
        """Customers and agents ("customer" | "agent", record) as Zendesk users, numbered in one batch."""
        people = list(people)
        refs = [customer_ref(r["id"]) if kind == "customer" else agent_ref(r["id"]) for kind, r in people]
        numbers = self.user_numbers(refs)
        groups = self.group_numbers((r.get("departments") or [None])[0] for kind, r in people if kind == "agent")
        return [self.customer(r, numbers[ref]) if kind == "customer" else self.agent(r, numbers[ref], groups)
                for (kind, r), ref in zip(people, refs)]

    def customer(self, customer: dict[str, Any], number: int | None = None) -> dict[str, Any]:
        """A customer as a Zendesk end-user (a deleted one is inactive)."""
        if number is None:
            number = self.user_numbers([customer_ref(customer["id"])])[customer_ref(customer["id"])]
        phones = [i["address"] for i in customer.get("identities") or [] if i.get("channel") in ("phone", "sms")]
        return {**self._user_base(number, customer), "role": "end-user", "role_type": None,
                "phone": phones[0] if phones else None, "organization_id": customer.get("organization_id"),
                "ticket_restriction": "requested", "restricted_agent": True, "only_private_comments": False,
                "default_group_id": None, "details": customer.get("details"), "notes": customer.get("notes"),
                "active": not customer.get("deleted_at"), "tags": list(customer.get("tags") or []),
                "user_fields": dict(customer.get("user_fields") or {})}

    def agent(self, agent: dict[str, Any], number: int | None = None,
              groups: dict[str, int] | None = None) -> dict[str, Any]:
        """An agent as a Zendesk agent or admin user (a light agent is an agent with role_type 1)."""
        if number is None:
            number = self.user_numbers([agent_ref(agent["id"])])[agent_ref(agent["id"])]
        role = agent.get("role") or "agent"
        departments = agent.get("departments") or []
        if groups is None:
            groups = self.group_numbers(departments[:1])
        return {**self._user_base(number, agent), "role": "admin" if role == "admin" else "agent",
                "role_type": {"admin": 4, "light_agent": 1}.get(role), "phone": None, "organization_id": None,
                "ticket_restriction": None, "restricted_agent": False,
                "only_private_comments": role == "light_agent",
                "default_group_id": groups.get(departments[0].lower()) if departments else None,
                "details": None, "notes": None}

    def _user_base(self, number: int, person: dict[str, Any]) -> dict[str, Any]:
        return {"id": number, "url": f"{self.base}/api/v2/users/{number}.json", "name": person.get("name"),
                "email": person.get("email"), "created_at": zendesk_time(person.get("created_at")),
                "updated_at": zendesk_time(person.get("updated_at") or person.get("created_at")),
                "time_zone": None, "iana_time_zone": None, "locale": "en-US", "locale_id": 1, "photo": None,
                "verified": bool(person.get("email")), "active": True, "suspended": False, "shared": False,
                "shared_agent": False, "external_id": person.get("external_id"), "tags": [], "alias": None,
                "last_login_at": None, "two_factor_auth_enabled": None, "signature": None, "moderator": False,
                "custom_role_id": None, "report_csv": False, "user_fields": {}}

    # groups --------------------------------------------------------------------------------------
    def groups(self, departments: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Departments as Zendesk groups, numbered in one batch."""
        numbers = self.group_numbers(d["name"] for d in departments)
        return [self.group(d, numbers[d["name"].lower()]) for d in departments]

    def group(self, department: dict[str, Any], number: int | None = None) -> dict[str, Any]:
        """A department as a Zendesk group."""
        if number is None:
            number = self.group_numbers([department["name"]])[department["name"].lower()]
        return {"id": number, "url": f"{self.base}/api/v2/groups/{number}.json", "name": department["name"],
                "description": department.get("description") or "", "default": False, "deleted": False,
                "is_public": True, "created_at": zendesk_time(department.get("created_at")),
                "updated_at": zendesk_time(department.get("updated_at") or department.get("created_at"))}

    # organizations -------------------------------------------------------------------------------
    def organization(self, org: dict[str, Any]) -> dict[str, Any]:
        """An organization in Zendesk's shape."""
        return {"id": org["id"], "url": f"{self.base}/api/v2/organizations/{org['id']}.json", "name": org["name"],
                "shared_tickets": False, "shared_comments": False, "external_id": org.get("external_id"),
                "created_at": zendesk_time(org.get("created_at")),
                "updated_at": zendesk_time(org.get("updated_at") or org.get("created_at")),
                "domain_names": list(org.get("domain_names") or []), "details": org.get("details"),
                "notes": org.get("notes"), "group_id": None, "tags": list(org.get("tags") or []),
                "organization_fields": {}}


def _ticket_user_refs(ticket: dict[str, Any]) -> list[str]:
    refs = [customer_ref(ticket["requester_id"])]
    if ticket.get("assignee_id"):
        refs.append(agent_ref(ticket["assignee_id"]))
    if ticket.get("submitter_id"):
        refs.append(agent_ref(ticket["submitter_id"]))
    return refs
