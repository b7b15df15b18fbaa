"""Demo data for the local stack: agent logins, departments and a few conversations."""
from __future__ import annotations

import os
import uuid
from typing import Any

DEMO_PASSWORDS = {
    "admin": os.environ.get("PARLEY_DEMO_ADMIN_PASSWORD", "Parley-admin-1"),
    "agent": os.environ.get("PARLEY_DEMO_AGENT_PASSWORD", "Parley-agent-1"),
}

DEMO_AGENTS = [
    {"id": "a_admin", "email": "admin@parley.test", "name": "Ada Admin", "role": "admin"},
    {"id": "a_agent1", "email": "agent1@parley.test", "name": "Sam Support", "role": "agent"},
    {"id": "a_agent2", "email": "agent2@parley.test", "name": "Billie Billing", "role": "agent"},
    {"id": "a_agent3", "email": "agent3@parley.test", "name": "Lee Light", "role": "light_agent"},
]

DEMO_DEPARTMENTS = [
    {"name": "Support", "strategy": "least_busy", "include_offline": False},
    {"name": "Billing", "strategy": "round_robin", "max_per_agent": 10, "include_offline": False},
]

DEMO_CONVERSATIONS = [
    ("Mia Chen", "Hi! I can't log in to my account since this morning. It says my password is wrong.", "Support"),
    ("Jonas Weber", "I was charged twice for my November invoice — can you refund one of them?", "Billing"),
    ("Priya Natarajan", "Does the Pro plan include phone support? Thinking about upgrading.", None),
]


def seed_logins(cognito: Any, user_pool_id: str) -> None:
    """Create the demo agents' Cognito users (idempotent: existing users get their password reset)."""
    for agent in DEMO_AGENTS:
        password = DEMO_PASSWORDS["admin" if agent["role"] == "admin" else "agent"]
        try:
            cognito.admin_create_user(
                UserPoolId=user_pool_id, Username=agent["email"], MessageAction="SUPPRESS",
                UserAttributes=[{"Name": "email", "Value": agent["email"]}, {"Name": "email_verified", "Value": "true"},
                                {"Name": "name", "Value": agent["name"]}])
        except cognito.exceptions.UsernameExistsException:
            pass
        cognito.admin_set_user_password(UserPoolId=user_pool_id, Username=agent["email"], Password=password,
                                        Permanent=True)
        cognito.admin_add_user_to_group(UserPoolId=user_pool_id, Username=agent["email"], GroupName=agent["role"])


def seed_profiles() -> bool:
    """Create agent profiles, departments and demo conversations unless they exist; True if seeded."""
    from chalicelib.bootstrap import agent_store
    from chalicelib.services.ingest import Contact, receive

    agents = agent_store()
    if agents.get_agent(DEMO_AGENTS[0]["id"]):
        return False
    for department in DEMO_DEPARTMENTS:
        agents.put_department(department)
    for agent in DEMO_AGENTS:
        agents.create_agent({**agent, "presence": "offline", "departments": ["Support", "Billing"], "skills": {},
                             "capacity": {"chat": 3, "messaging": 5, "email": 10, "sms": 5, "phone": 1},
                             "load": {}})
    for name, message, department in DEMO_CONVERSATIONS:  # ingested directly: ready means seeded
        email = name.lower().replace(" ", ".") + "@example.com"
        receive(Contact(channel="chat", message_id=uuid.uuid4().hex, body=message, identity=["email", email],
                        customer_name=name, customer_email=email, department=department, new_ticket_only=True))
    return True
