"""Zendesk users in Parley's terms, without I/O: roles, the identities a profile change moves, phone numbers.

End-users are Parley customers; agents and admins are Parley agents (a light agent is a Zendesk agent).
A customer's contact details are identities (channel, address) that each resolve to one customer, so
changing a user's email, phone or external_id moves the identity as well as the profile field.
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from chalicelib.errors import ValidationError

ZENDESK_ROLES = ("end-user", "agent", "admin")
IDENTITY_CHANNELS = {"email": "email", "phone": "phone", "external_id": "external"}  # user field → identity channel
_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def zendesk_role(parley_role: str | None) -> str:
    """The Zendesk role of a Parley agent role (admin → admin; agent and light_agent → agent)."""
    return "admin" if parley_role == "admin" else "agent"


def wanted_roles(params: Mapping[str, Any]) -> set[str]:
    """The roles a users list asks for (?role=agent, ?role[]=agent&role[]=admin, or several comma-separated);
    every role when none is given. ValidationError naming the roles that exist for anything else."""
    raw = params.get("role[]", params.get("role"))
    if raw is None or raw == "" or raw == []:
        return set(ZENDESK_ROLES)
    values = raw if isinstance(raw, (list, tuple)) else [raw]
    # "agent,admin", and zenpy's "agent&role[]=admin" (it joins several roles into one value)
    roles = {part.strip().removeprefix("role[]=").removeprefix("role=") for v in values
             for part in re.split(r"[,&]", str(v)) if part.strip()}
    unknown = sorted(roles - set(ZENDESK_ROLES))
    if unknown or not roles:
        raise ValidationError(f"role {', '.join(unknown) or repr(raw)} is not one of {', '.join(ZENDESK_ROLES)}")
    return roles


def normalize_phone(raw: Any) -> str:
    """A phone number in E.164 (+4930123456), as Parley's phone identities hold them; spaces, dashes, dots and
    parentheses are dropped. ValidationError for anything else."""
    if not isinstance(raw, str) or not _E164.match(_PHONE_SEPARATORS.sub("", raw)):
        raise ValidationError(f"phone {raw!r} is not a phone number in international form, e.g. +4930123456")
    return _PHONE_SEPARATORS.sub("", raw)


def identity_moves(identities: Iterable[Mapping[str, str]], replace: Mapping[str, tuple[str | None, str | None]]
                   ) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[dict[str, str]]]:
    """What changing contact details does to a customer's identities.

    replace maps an identity channel to (old address, new address): the old one goes (when the customer has
    it), the new one comes (when it has not). Returns (removed, added, the identities afterwards); the other
    identities — other channels, a second email from a merge — stay as they are, in their order.
    """
    current = [{"channel": i["channel"], "address": i["address"]} for i in identities]
    have = {(i["channel"], i["address"]) for i in current}
    removed: list[tuple[str, str]] = []
    added: list[tuple[str, str]] = []
    for channel, (old, new) in replace.items():
        if old == new:
            continue
        if old is not None and (channel, old) in have:
            removed.append((channel, old))
        if new is not None and (channel, new) not in have:
            added.append((channel, new))
    gone = set(removed)
    after = [i for i in current if (i["channel"], i["address"]) not in gone]
    after += [{"channel": channel, "address": address} for channel, address in added]
    return removed, added, after


def first_address(identities: Iterable[Mapping[str, str]], channel: str) -> str | None:
    """The first address a customer has on a channel (the phone a Zendesk user shows), or None."""
    return next((i["address"] for i in identities if i.get("channel") == channel), None)
