"""All DynamoDB access for agents and departments."""
from __future__ import annotations

from typing import Any

from chalicelib.store.dynamo import from_item, to_item, value
from chalicelib.store.tickets import DuplicateError

_HIDDEN = {"pk", "sk", "kind"}


def _agent_key(agent_id: str) -> dict[str, str]:
    return {"pk": f"AGENT#{agent_id}", "sk": "AGENT"}


def _email_key(email: str) -> dict[str, str]:
    return {"pk": f"EMAIL#{email.lower()}", "sk": "AGENT"}


def _department_key(name: str) -> dict[str, str]:
    return {"pk": f"DEPARTMENT#{name.lower()}", "sk": "DEPARTMENT"}


def _clean(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in from_item(item).items() if k not in _HIDDEN}


class AgentStore:
    """Agents table access: one item per agent holding presence, capacity and load per channel."""

    def __init__(self, dynamodb: Any, table: str):
        self._db = dynamodb
        self._table = table

    def create_agent(self, agent: dict[str, Any]) -> None:
        """Write an agent and its email lookup; DuplicateError when the email is taken."""
        try:
            self._db.transact_write_items(TransactItems=[
                {"Put": {"TableName": self._table, "Item": to_item({**_agent_key(agent["id"]), "kind": "agent",
                                                                    "gsi1pk": "AGENTS", "gsi1sk": agent["email"],
                                                                    **agent}),
                         "ConditionExpression": "attribute_not_exists(pk)"}},
                {"Put": {"TableName": self._table,
                         "Item": to_item({**_email_key(agent["email"]), "kind": "agent_email",
                                          "agent_id": agent["id"]}),
                         "ConditionExpression": "attribute_not_exists(pk)"}},
            ])
        except self._db.exceptions.TransactionCanceledException:
            raise DuplicateError(f"an agent with email {agent['email']} exists already") from None

    def get_agent(self, agent_id: str) -> dict[str, Any] | None:
        """One agent, or None."""
        item = self._db.get_item(TableName=self._table, Key=to_item(_agent_key(agent_id))).get("Item")
        return _clean(item) if item else None

    def agent_id_for_email(self, email: str) -> str | None:
        """The agent id registered for an email address, in one get."""
        item = self._db.get_item(TableName=self._table, Key=to_item(_email_key(email))).get("Item")
        return from_item(item)["agent_id"] if item else None

    def list_agents(self) -> list[dict[str, Any]]:
        """Every agent, ordered by email (one query on the agents index)."""
        agents: list[dict[str, Any]] = []
        params: dict[str, Any] = {"TableName": self._table, "IndexName": "GSI1",
                                  "KeyConditionExpression": "gsi1pk = :pk",
                                  "ExpressionAttributeValues": {":pk": value("AGENTS")}}
        while True:
            result = self._db.query(**params)
            agents.extend(_clean(i) for i in result["Items"])
            if "LastEvaluatedKey" not in result:
                return [{k: v for k, v in a.items() if not k.startswith("gsi")} for a in agents]
            params["ExclusiveStartKey"] = result["LastEvaluatedKey"]

    def put_department(self, department: dict[str, Any]) -> None:
        """Create or replace a department."""
        self._db.put_item(TableName=self._table, Item=to_item({**_department_key(department["name"]),
                                                               "kind": "department", **department}))

    def get_department(self, name: str) -> dict[str, Any] | None:
        """One department by name (case-insensitive), or None."""
        item = self._db.get_item(TableName=self._table, Key=to_item(_department_key(name))).get("Item")
        return _clean(item) if item else None
