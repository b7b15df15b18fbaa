"""DynamoDB access live chat adds to the tickets table: read receipts on conversations, CSAT on customers."""
from __future__ import annotations

from typing import Any

from chalicelib.store import keys
from chalicelib.store.dynamo import to_item, value

READERS = ("customer", "agent")


class LiveChatStore:
    """Read positions on the conversation item and the customer's satisfaction counters."""

    def __init__(self, dynamodb: Any, table: str):
        self._db = dynamodb
        self._table = table

    def mark_read(self, conversation_id: str, reader: str, seq: int) -> bool:
        """Move the reader's read position forward to seq; False when it was there already or further."""
        if reader not in READERS:
            raise ValueError(f"reader must be one of {', '.join(READERS)}")
        attribute = f"{reader}_read_seq"
        try:
            self._db.update_item(
                TableName=self._table, Key=to_item(keys.conversation(conversation_id)),
                UpdateExpression="SET #r = :seq",
                ConditionExpression="attribute_exists(pk) AND (attribute_not_exists(#r) OR #r < :seq)",
                ExpressionAttributeNames={"#r": attribute}, ExpressionAttributeValues={":seq": value(seq)})
        except self._db.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def customer_csat_update(self, customer_id: str, rating: dict[str, Any], previous_score: str | None
                             ) -> dict[str, Any]:
        """The transaction item that counts a rating on the customer (moving it when the score changed).

        It is committed with the ticket's rating (TicketStore.save_ticket's ``extra``), so the ticket and
        the customer never disagree.
        """
        score = rating["score"]
        adds = {f"csat_{score}": 1}
        if previous_score and previous_score != score:
            adds[f"csat_{previous_score}"] = -1
        elif previous_score == score:
            adds = {}
        names = {"#last": "last_rating", **{f"#a{i}": name for i, name in enumerate(adds)}}
        values = {":last": value(rating), **{f":a{i}": value(n) for i, n in enumerate(adds.values())}}
        expression = "SET #last = :last"
        if adds:
            expression += " ADD " + ", ".join(f"#a{i} :a{i}" for i in range(len(adds)))
        return {"Update": {"TableName": self._table, "Key": to_item(keys.customer(customer_id)),
                           "UpdateExpression": expression, "ExpressionAttributeNames": names,
                           "ExpressionAttributeValues": values}}
