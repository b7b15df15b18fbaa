"""DynamoDB access for proactive chat: rules in the agents table, visitors' page visits in the tickets table."""
from __future__ import annotations

from typing import Any

from chalicelib.store import keys
from chalicelib.store.dynamo import from_item, to_item, value

MAX_PAGES = 500


def _rule_key(name: str) -> dict[str, str]:
    return {"pk": f"PROACTIVE#{name.lower()}", "sk": "RULE"}


class ProactiveStore:
    """Admin-defined rules (one item each, listed by one index query) and per-customer visit counters."""

    def __init__(self, dynamodb: Any, agents_table: str, tickets_table: str):
        self._db = dynamodb
        self._agents = agents_table
        self._tickets = tickets_table

    def put_rule(self, rule: dict[str, Any]) -> None:
        """Create or replace a rule (rules are named; the name is case-insensitive)."""
        self._db.put_item(TableName=self._agents, Item=to_item({
            **_rule_key(rule["name"]), "kind": "proactive_rule", "gsi1pk": "PROACTIVE_RULES",
            "gsi1sk": rule["name"].lower(), **rule}))

    def list_rules(self) -> list[dict[str, Any]]:
        """Every rule, by name (one query)."""
        result = self._db.query(TableName=self._agents, IndexName="GSI1", KeyConditionExpression="gsi1pk = :pk",
                                ExpressionAttributeValues={":pk": value("PROACTIVE_RULES")})
        hidden = {"pk", "sk", "kind", "gsi1pk", "gsi1sk"}
        return [{k: v for k, v in from_item(i).items() if k not in hidden} for i in result["Items"]]

    def record_visit(self, customer_id: str, page: str) -> None:
        """Count one visit of a customer to a page (host and path)."""
        self._db.update_item(
            TableName=self._tickets, Key=to_item({"pk": keys.customer(customer_id)["pk"], "sk": f"VISIT#{page}"}),
            UpdateExpression="SET #k = :kind ADD #v :one", ExpressionAttributeNames={"#k": "kind", "#v": "visits"},
            ExpressionAttributeValues={":kind": value("page_visits"), ":one": value(1)})

    def visits(self, customer_id: str) -> dict[str, int]:
        """Visits per page of one customer (one query; the most recent pages are bounded by MAX_PAGES)."""
        result = self._db.query(
            TableName=self._tickets, KeyConditionExpression="pk = :pk AND begins_with(sk, :v)",
            ExpressionAttributeValues={":pk": value(keys.customer(customer_id)["pk"]), ":v": value("VISIT#")},
            Limit=MAX_PAGES)
        return {from_item(i)["sk"][len("VISIT#"):]: from_item(i)["visits"] for i in result["Items"]}

    def fired(self, customer_id: str) -> set[str]:
        """Names of the rules that already opened the chat for this customer."""
        item = self._db.get_item(TableName=self._tickets, Key=to_item(
            {"pk": keys.customer(customer_id)["pk"], "sk": "PROACTIVE"})).get("Item")
        return set(from_item(item).get("fired", [])) if item else set()

    def mark_fired(self, customer_id: str, rule_name: str) -> bool:
        """Remember that a rule opened the chat for a customer; False if it had already."""
        try:
            self._db.update_item(
                TableName=self._tickets, Key=to_item({"pk": keys.customer(customer_id)["pk"], "sk": "PROACTIVE"}),
                UpdateExpression="SET #k = :kind ADD #f :name",
                ConditionExpression="attribute_not_exists(#f) OR NOT contains(#f, :one)",
                ExpressionAttributeNames={"#k": "kind", "#f": "fired"},
                ExpressionAttributeValues={":kind": value("proactive_state"), ":name": {"SS": [rule_name]},
                                           ":one": value(rule_name)})
        except self._db.exceptions.ConditionalCheckFailedException:
            return False
        return True
