"""The Zendesk-compatible API under /api/v2/: existing Zendesk tooling works against Parley unchanged.

Tickets (create with a comment, show, show_many, update with a comment, list, delete, comments), users
(list with a role filter, show, show_many, me, search by email, phone or external id, create and update
end-users, update agents' names, delete end-users as Zendesk's soft delete), organizations, ticket search (sort_by, sort_order),
groups (Parley's departments: list, show, create, describe, delete; a ticket's group_id is its
department), API tokens; side-loading (?include=users,groups,organizations) on ticket lists, show
and search; Zendesk's JSON, pagination and error shapes; Basic auth (email:password, email/token:API_TOKEN) or a Bearer agent token.
Rules (/api/v2/triggers, /automations, /macros) live beside these under the same prefix.
"""
from chalicelib.api.zendesk import api_tokens, groups, organizations, search, tickets, users

__all__ = ["api_tokens", "groups", "organizations", "search", "tickets", "users"]
