"""All DynamoDB access for agents and departments."""
from __future__ import annotations

import time
from typing import Any

from chalicelib.errors import NotFoundError
from chalicelib.store.dynamo import from_item, query_all, to_item, value
from chalicelib.store.tickets import DuplicateError

_HIDDEN = {"pk", "sk", "kind"}
NAME_SECONDS = 60.0


def _agent_key(agent_id: str) -> dict[str, str]:
    return {"pk": f"AGENT#{agent_id}", "sk": "AGENT"}


def _email_key(email: str) -> dict[str, str]:
    return {"pk": f"EMAIL#{email.lower()}", "sk": "AGENT"}


def _department_key(name: str) -> dict[str, str]:
    return {"pk": f"DEPARTMENT#{name.lower()}", "sk": "DEPARTMENT"}


def _clean(item: dict[str, Any]) -> dict[str, Any]:
    """An item as the services see it: no keys, no index attributes."""
    return {k: v for k, v in from_item(item).items() if k not in _HIDDEN and not k.startswith("gsi")}


class AgentStore:
    """Agents table access: one item per agent holding presence, capacity and load per channel."""

    def __init__(self, dynamodb: Any, table: str):
        self._db = dynamodb
        self._table = table
        self._names: dict[str, tuple[float, str | None]] = {}

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

    def name_of(self, agent_id: str) -> str | None:
        """An agent's display name for messages and typing; remembered for NAME_SECONDS (a rename shows after)."""
        now = time.monotonic()
        known = self._names.get(agent_id)
        if known is None or now - known[0] > NAME_SECONDS:
            known = (now, (self.get_agent(agent_id) or {}).get("name"))
            self._names[agent_id] = known
        return known[1]

    def agent_id_for_email(self, email: str) -> str | None:
        """The agent id registered for an email address, in one get."""
        item = self._db.get_item(TableName=self._table, Key=to_item(_email_key(email))).get("Item")
        return from_item(item)["agent_id"] if item else None

    def list_agents(self) -> list[dict[str, Any]]:
        """Every agent, ordered by email (one query on the agents index)."""
        return [_clean(i) for i in query_all(self._db, TableName=self._table, IndexName="GSI1",
                                             KeyConditionExpression="gsi1pk = :pk",
                                             ExpressionAttributeValues={":pk": value("AGENTS")})]

    def update_agent(self, agent_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Set top-level fields of an existing agent; returns the agent after the change."""
        names = {f"#f{i}": k for i, k in enumerate(changes)}
        values = {f":v{i}": value(v) for i, v in enumerate(changes.values())}
        try:
            result = self._db.update_item(
                TableName=self._table, Key=to_item(_agent_key(agent_id)),
                UpdateExpression="SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(changes))),
                ConditionExpression="attribute_exists(pk)", ExpressionAttributeNames=names,
                ExpressionAttributeValues=values, ReturnValues="ALL_NEW")
        except self._db.exceptions.ConditionalCheckFailedException:
            raise NotFoundError(f"agent {agent_id} not found") from None
        return _clean(result["Attributes"])

    def load_change(self, agent_id: str, deltas: dict[str, int], *, limits: dict[str, int],
                    open_delta: int = 0, max_open: int | None = None, assigned_at: str | None = None) -> tuple:
        """A transaction item changing an agent's load per channel group (tag "capacity").

        A claim (positive delta) only commits while the group's load is at most limits[group]
        (capacity minus weight), and the open-ticket count stays below max_open when one is set;
        a release (negative delta) only while the load covers it. Two routers therefore never push
        an agent over capacity, and load never goes below zero.
        """
        names: dict[str, str] = {"#load": "load"}
        values: dict[str, Any] = {":zero": value(0)}
        sets, conditions = [], ["attribute_exists(pk)"]
        for i, (group, delta) in enumerate(deltas.items()):
            names[f"#g{i}"] = group
            values[f":d{i}"] = value(abs(delta))
            if delta > 0:
                sets.append(f"#load.#g{i} = if_not_exists(#load.#g{i}, :zero) + :d{i}")
                values[f":limit{i}"] = value(limits[group])
                conditions.append(f"(attribute_not_exists(#load.#g{i}) OR #load.#g{i} <= :limit{i})")
            else:
                sets.append(f"#load.#g{i} = #load.#g{i} - :d{i}")
                conditions.append(f"#load.#g{i} >= :d{i}")
        if open_delta:
            values[":open"] = value(abs(open_delta))
            sign = "+" if open_delta > 0 else "-"
            sets.append(f"open_tickets = if_not_exists(open_tickets, :zero) {sign} :open")
            if open_delta < 0:
                conditions.append("open_tickets >= :open")
            elif max_open:
                values[":max"] = value(max_open)
                conditions.append("(attribute_not_exists(open_tickets) OR open_tickets < :max)")
        if assigned_at:
            values[":at"] = value(assigned_at)
            sets.append("last_assigned_at = :at")
        return ({"Update": {"TableName": self._table, "Key": to_item(_agent_key(agent_id)),
                            "UpdateExpression": "SET " + ", ".join(sets),
                            "ConditionExpression": " AND ".join(conditions),
                            "ExpressionAttributeNames": names, "ExpressionAttributeValues": values}}, "capacity")

    def list_departments(self) -> list[dict[str, Any]]:
        """Every department, by name (one query)."""
        result = self._db.query(TableName=self._table, IndexName="GSI1", KeyConditionExpression="gsi1pk = :pk",
                                ExpressionAttributeValues={":pk": value("DEPARTMENTS")})
        return [_clean(i) for i in result["Items"]]

    def put_department(self, department: dict[str, Any]) -> None:
        """Create or replace a department."""
        self._db.put_item(TableName=self._table, Item=to_item({
            **_department_key(department["name"]), "kind": "department", "gsi1pk": "DEPARTMENTS",
            "gsi1sk": department["name"].lower(), **department}))

    def get_department(self, name: str) -> dict[str, Any] | None:
        """One department by name (case-insensitive), or None."""
        item = self._db.get_item(TableName=self._table, Key=to_item(_department_key(name))).get("Item")
        return _clean(item) if item else None

    def delete_department(self, name: str) -> None:
        """Delete a department by name (case-insensitive)."""
        self._db.delete_item(TableName=self._table, Key=to_item(_department_key(name)))
