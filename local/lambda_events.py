"""The events AWS sends to Lambda, built the same way locally (API Gateway WebSocket, SQS, schedule)."""
from __future__ import annotations

import base64
import hashlib
import time
import uuid
from typing import Any

from local.cfn import ACCOUNT_ID


def new_connection_id() -> str:
    """An id shaped like API Gateway's ("Xyz0AbCdIAMCJ1g=")."""
    return base64.b64encode(uuid.uuid4().bytes[:10]).decode()


def websocket_event(kind: str, connection_id: str, *, domain: str, headers: dict[str, str] | None = None,
                    query: dict[str, str] | None = None, body: str | None = None) -> dict[str, Any]:
    """An API Gateway WebSocket event: kind is CONNECT, MESSAGE or DISCONNECT."""
    route = {"CONNECT": "$connect", "MESSAGE": "$default", "DISCONNECT": "$disconnect"}[kind]
    now_ms = int(time.time() * 1000)
    event: dict[str, Any] = {
        "requestContext": {
            "routeKey": route, "eventType": kind, "connectionId": connection_id, "messageDirection": "IN",
            "apiId": "local", "stage": "v1", "domainName": domain, "requestId": uuid.uuid4().hex,
            "extendedRequestId": uuid.uuid4().hex, "connectedAt": now_ms, "requestTimeEpoch": now_ms,
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
            "identity": {"sourceIp": "127.0.0.1"},
        },
        "isBase64Encoded": False,
    }
    if kind == "CONNECT":
        event["headers"] = headers or {}
        event["multiValueHeaders"] = {k: [v] for k, v in (headers or {}).items()}
        event["queryStringParameters"] = query or None
        event["multiValueQueryStringParameters"] = {k: [v] for k, v in (query or {}).items()} or None
    if kind == "MESSAGE":
        event["body"] = body
        event["requestContext"]["messageId"] = uuid.uuid4().hex[:16]
    return event


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """The Lambda SQS event for messages as ReceiveMessage returned them (FIFO attributes kept)."""
    return {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": m.get("Attributes", {}),
        "messageAttributes": {k: {"stringValue": v.get("StringValue"), "dataType": v["DataType"]}
                              for k, v in m.get("MessageAttributes", {}).items()},
        "md5OfBody": m.get("MD5OfBody") or hashlib.md5(m["Body"].encode()).hexdigest(),
        "eventSource": "aws:sqs", "eventSourceARN": queue_arn, "awsRegion": region,
    } for m in messages]}


def scheduled_event(rule_name: str, region: str) -> dict[str, Any]:
    """The event an EventBridge schedule sends."""
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
            "account": ACCOUNT_ID, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "region": region,
            "resources": [f"arn:aws:events:{region}:{ACCOUNT_ID}:rule/{rule_name}"], "detail": {}}


class LambdaContext:
    """Enough of the Lambda context object for powertools and Chalice."""

    def __init__(self, function_name: str, timeout_seconds: int = 60):
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:{function_name}"
        self.memory_limit_in_mb = 512
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.time() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.time()) * 1000))
