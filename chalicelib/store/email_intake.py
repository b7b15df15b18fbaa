"""DynamoDB items of the email intake: per-sender rate counters, the quarantine list and the index of
received mail that became no message.

All live in the tickets table:

* ``MAILRATE#<sender>`` / ``HOUR#<yyyy-mm-ddThh>``: how many mails a sender sent in one clock hour.
  One conditional ``ADD`` per mail; the item carries ``expires_at`` so DynamoDB's TTL deletes it
  after the hour (the hour is in the key, so a late delete never lets a sender through early).
* ``QUARANTINE`` / ``<received at>#<id>``: a mail Parley kept but did not ticket (unparseable,
  rate-limited, no sender), with the reason and where its raw copy is in S3. Newest first is one
  query; the partition grows only with quarantined mail, which is rare by design. A mail with a
  sender is also in GSI1 under ``QUARANTINED_FROM#<sender>`` / ``<received at>#<id>``, so erasing
  a customer finds their quarantined mail by address, without reading anyone else's.
* ``UNTICKETED_MAIL#<address>`` / ``<id>``: a received mail that became no message
  (an auto-reply, a bounce, a duplicate of a stored mail, mail from Parley's own address), under each
  address it is from or about, with where its raw copy is in S3 (``raw_key``). Erasing a customer
  finds that mail by their addresses: no message names it. No TTL: raw mail is kept as long as
  ``inbound-mail/`` keeps it (no lifecycle rule); one added there should give these items the same
  ``expires_at``.
"""
from __future__ import annotations

from typing import Any

from chalicelib.store.dynamo import from_item, query_all, to_item, value

_RATE_TTL_SECONDS = 2 * 3600
_FROM_PREFIX = "QUARANTINED_FROM#"
_UNTICKETED_PREFIX = "UNTICKETED_MAIL#"


class EmailIntakeStore:
    """Rate counters, quarantine records and the index of unticketed mail for inbound email."""

    def __init__(self, dynamodb: Any, table: str):
        self._db = dynamodb
        self._table = table

    def count_mail(self, sender: str, hour: str, limit: int, now_epoch: int) -> bool:
        """Count one more mail from sender in this hour; False (and no count) once limit is reached."""
        try:
            self._db.update_item(
                TableName=self._table, Key=to_item({"pk": f"MAILRATE#{sender}", "sk": f"HOUR#{hour}"}),
                UpdateExpression="ADD #count :one SET expires_at = if_not_exists(expires_at, :expires)",
                ConditionExpression="attribute_not_exists(#count) OR #count < :limit",
                ExpressionAttributeNames={"#count": "count"},
                ExpressionAttributeValues={":one": value(1), ":limit": value(limit),
                                           ":expires": value(now_epoch + _RATE_TTL_SECONDS)})
        except self._db.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def quarantine(self, record: dict[str, Any]) -> None:
        """Keep the record of a quarantined mail (id, received_at, reason, sender, subject, s3_key)."""
        sk = f"{record['received_at']}#{record['id']}"
        sender = (record.get("sender") or "").lower()
        self._db.put_item(TableName=self._table, Item=to_item({
            "pk": "QUARANTINE", "sk": sk, "kind": "quarantined_mail", **record,
            **({"gsi1pk": f"{_FROM_PREFIX}{sender}", "gsi1sk": sk} if sender else {})}))

    def quarantined_from(self, sender: str) -> list[dict[str, Any]]:
        """Every quarantined mail from one sender address, with its item key (pk, sk) and S3 keys."""
        return [from_item(item) for item in query_all(
            self._db, TableName=self._table, IndexName="GSI1", KeyConditionExpression="gsi1pk = :pk",
            ExpressionAttributeValues={":pk": value(f"{_FROM_PREFIX}{sender.lower()}")})]

    def keep_unticketed(self, record: dict[str, Any], addresses: list[str]) -> None:
        """Index a mail that became no message (id, received_at, raw_key, reason) under each address, in one
        BatchWriteItem per 25 addresses; the key is the mail's id, so writing it again (a retry) changes nothing."""
        items = [{"PutRequest": {"Item": to_item({"pk": f"{_UNTICKETED_PREFIX}{address}", "sk": record["id"],
                                                  "kind": "unticketed_mail", **record})}}
                 for address in sorted({address.lower() for address in addresses})]
        for start in range(0, len(items), 25):
            request = {self._table: items[start:start + 25]}
            while request:
                request = self._db.batch_write_item(RequestItems=request).get("UnprocessedItems") or None

    def unticketed_mail_of(self, address: str) -> list[dict[str, Any]]:
        """Every unticketed mail indexed under one address, with its item key (pk, sk) and raw_key."""
        return [from_item(item) for item in query_all(
            self._db, TableName=self._table, KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": value(f"{_UNTICKETED_PREFIX}{address.lower()}")})]

    def quarantined(self, limit: int = 50) -> list[dict[str, Any]]:
        """Quarantined mail, newest first."""
        result = self._db.query(TableName=self._table, KeyConditionExpression="pk = :pk",
                                ExpressionAttributeValues={":pk": value("QUARANTINE")},
                                ScanIndexForward=False, Limit=limit)
        return [{k: v for k, v in from_item(item).items() if k not in ("pk", "sk", "kind", "gsi1pk", "gsi1sk")}
                for item in result["Items"]]
