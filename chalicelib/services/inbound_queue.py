"""The FIFO inbound queue: every customer contact, in order per conversation."""
from __future__ import annotations

import json
from typing import Any


class InboundQueue:
    """Sends normalized contacts; the conversation id is the message group (order per conversation)."""

    def __init__(self, sqs: Any, queue_url: str):
        self._sqs = sqs
        self._url = queue_url

    def send(self, contact: dict[str, Any], *, group_id: str, dedup_id: str) -> None:
        """Enqueue one contact; SQS drops a repeat of dedup_id within 5 minutes."""
        self._sqs.send_message(QueueUrl=self._url, MessageBody=json.dumps(contact, default=str),
                               MessageGroupId=group_id, MessageDeduplicationId=dedup_id[:128])
