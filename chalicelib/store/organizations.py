"""Organizations (tickets table): a customer's company, found by id, by name or by email domain.

    ORG#<id> / ORG                 the organization; GSI1 ORGANIZATIONS / <name lowercase>#<id>
    ORGNAME#<name> / ORGNAME       organization_id (names are unique, case-insensitive)
    ORGDOMAIN#<domain> / ORGDOMAIN organization_id (a domain belongs to one organization)
    COUNTER#organization / COUNTER the next organization id
"""
from __future__ import annotations

from typing import Any

from chalicelib.errors import ConflictError
from chalicelib.store.dynamo import from_item, to_item, transaction_failed_on_condition, value
from chalicelib.store.pagination import index_page

_HIDDEN = {"pk", "sk", "kind", "gsi1pk", "gsi1sk"}


def organization_key(organization_id: int) -> dict[str, str]:
    return {"pk": f"ORG#{organization_id}", "sk": "ORG"}


def name_key(name: str) -> dict[str, str]:
    return {"pk": f"ORGNAME#{name.strip().lower()}", "sk": "ORGNAME"}


def domain_key(domain: str) -> dict[str, str]:
    return {"pk": f"ORGDOMAIN#{domain.strip().lower()}", "sk": "ORGDOMAIN"}


class TakenError(ConflictError):
    """A unique value (an organization's name or one of its domains) belongs to another organization."""

    def __init__(self, field: str, taken: str):
        super().__init__(f"{field} '{taken}' belongs to another organization already")
        self.field = field
        self.taken = taken


def _clean(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in from_item(item).items() if k not in _HIDDEN}


class OrganizationStore:
    """Organizations and their name and domain lookups; each create is one transaction."""

    def __init__(self, dynamodb: Any, table: str):
        self._db = dynamodb
        self._table = table

    def allocate_id(self) -> int:
        """The next organization id (one atomic counter update)."""
        result = self._db.update_item(
            TableName=self._table, Key=to_item({"pk": "COUNTER#organization", "sk": "COUNTER"}),
            UpdateExpression="ADD #v :one", ExpressionAttributeNames={"#v": "value"},
            ExpressionAttributeValues={":one": value(1)}, ReturnValues="UPDATED_NEW")
        return int(result["Attributes"]["value"]["N"])

    def create(self, organization: dict[str, Any]) -> None:
        """Write the organization with its name and domain lookups; TakenError if one is taken."""
        org_id = organization["id"]
        items = [self._new({**organization_key(org_id), "kind": "organization", **organization,
                            "gsi1pk": "ORGANIZATIONS", "gsi1sk": f"{organization['name'].lower()}#{org_id:012d}"}),
                 self._new({**name_key(organization["name"]), "kind": "organization_name",
                            "organization_id": org_id})]
        uniques = [("name", organization["name"])]
        for domain in organization.get("domain_names") or []:
            items.append(self._new({**domain_key(domain), "kind": "organization_domain", "organization_id": org_id}))
            uniques.append(("domain_names", domain))
        try:
            self._db.transact_write_items(TransactItems=items)
        except self._db.exceptions.TransactionCanceledException as error:
            reasons = transaction_failed_on_condition(error)
            for (field, taken), reason in zip(uniques, reasons[1:]):
                if reason == "ConditionalCheckFailed":
                    raise TakenError(field, taken) from None
            raise

    def get(self, organization_id: int) -> dict[str, Any] | None:
        """One organization, or None."""
        item = self._db.get_item(TableName=self._table, Key=to_item(organization_key(organization_id))).get("Item")
        return _clean(item) if item else None

    def for_domain(self, domain: str) -> int | None:
        """The id of the organization that owns an email domain, or None (one get)."""
        item = self._db.get_item(TableName=self._table, Key=to_item(domain_key(domain))).get("Item")
        return int(from_item(item)["organization_id"]) if item else None

    def for_name(self, name: str) -> int | None:
        """The id of the organization with this name (any case), or None (one get)."""
        item = self._db.get_item(TableName=self._table, Key=to_item(name_key(name))).get("Item")
        return int(from_item(item)["organization_id"]) if item else None

    def list(self, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """Organizations by name, one page (Query GSI1 ORGANIZATIONS with Limit)."""
        items, next_cursor = index_page(self._db, self._table, "ORGANIZATIONS", limit, cursor)
        return [_clean(i) for i in items], next_cursor

    def _new(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"Put": {"TableName": self._table, "Item": to_item(data),
                        "ConditionExpression": "attribute_not_exists(pk)"}}
