"""The Zendesk-compatible API under /api/v2/: existing Zendesk tooling works against Parley unchanged.

Tickets (create with a comment, show, show_many, update with a comment, list, delete, comments), users
(create end-users, show, me, search by email), organizations, ticket search, API tokens; Zendesk's JSON,
pagination and error shapes; Basic auth (email:password, email/token:API_TOKEN) or a Bearer agent token.
Rules (/api/v2/triggers, /automations, /macros) live beside these under the same prefix.
"""
from chalicelib.api.zendesk import api_tokens, organizations, search, tickets, users

__all__ = ["api_tokens", "organizations", "search", "tickets", "users"]
