"""Organizations: a customer's company, which new customers join by the domain of their email address."""
from __future__ import annotations

import re
from typing import Any

from chalicelib.clock import iso, now
from chalicelib.errors import ValidationError

MAX_DOMAINS = 50
_DOMAIN = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")


def organization_for_email(email: str | None) -> int | None:
    """The organization whose domain_names include the email's domain, or None (one get)."""
    from chalicelib.bootstrap import organization_store

    if not email or "@" not in email:
        return None
    return organization_store().for_domain(email.rsplit("@", 1)[1].lower())


def create_organization(*, name: Any, domain_names: Any = None, details: Any = None, notes: Any = None,
                        tags: Any = None, external_id: Any = None) -> dict[str, Any]:
    """An organization; its name and each domain belong to no other organization (one transaction)."""
    from chalicelib.bootstrap import organization_store
    from chalicelib.services.tickets import normalize_tags
    from chalicelib.store.organizations import TakenError

    if not isinstance(name, str) or not name.strip() or len(name) > 255:
        raise ValidationError("name must be 1 to 255 characters")
    domains = domain_names or []
    if not isinstance(domains, list) or not all(isinstance(d, str) for d in domains):
        raise ValidationError("domain_names must be a list of domains such as [\"example.com\"]")
    domains = list(dict.fromkeys(d.strip().lower().lstrip("@") for d in domains if d.strip()))
    bad = [d for d in domains if not _DOMAIN.match(d)]
    if bad or len(domains) > MAX_DOMAINS:
        raise ValidationError(f"domain_names must be up to {MAX_DOMAINS} domains such as example.com"
                              + (f"; '{bad[0]}' is not one" if bad else ""))
    store = organization_store()
    at = iso(now())
    organization = {"id": store.allocate_id(), "name": name.strip(), "domain_names": domains,
                    "details": details if isinstance(details, str) else None,
                    "notes": notes if isinstance(notes, str) else None,
                    "tags": normalize_tags(tags) if tags else [], "external_id": external_id,
                    "created_at": at, "updated_at": at}
    try:
        store.create(organization)
    except TakenError as error:
        raise ValidationError(f"{error.field} '{error.taken}' has already been taken") from None
    return organization
