"""SQS consumers: each record processed on its own, failures reported back so only they are retried."""
from __future__ import annotations

import json
from typing import Any

from chalicelib.observability import invocation, logger


def _fail_loudly(kind: str, record: Any, error: Exception) -> None:
    logger.error(f"{kind} record failed; it will be retried and then go to the DLQ",
                 extra={"message_id": record.message_id, "reason": f"{type(error).__name__}: {error}"})


def inbound_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Ingest a batch from the FIFO inbound queue (a failure holds back only its own conversation)."""
    from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response

    from chalicelib.services.channel_inbound import ReceiptTooEarlyError
    from chalicelib.services.channel_media import MediaNotReadyError
    from chalicelib.services.ingest import handle_contact

    def record_handler(record: Any) -> None:
        try:
            handle_contact(json.loads(record.body), attempt=int(record.attributes.approximate_receive_count or 1))
        except MediaNotReadyError as error:
            logger.warning("inbound record waits for a customer's file; SQS delivers it again",
                           extra={"message_id": record.message_id, "reason": error.message})
            raise
        except ReceiptTooEarlyError as error:
            logger.info("inbound record is a receipt for a send not recorded yet; SQS delivers it again",
                        extra={"message_id": record.message_id, "reason": error.message})
            raise
        except Exception as error:
            _fail_loudly("inbound", record, error)
            raise

    processor = SqsFifoPartialProcessor(skip_group_on_error=True)
    # A batch whose every record failed is reported like any other, not raised: SQS delivers the records again
    # just the same, and a record that waits on purpose (a file, a send not recorded yet) is no Lambda error.
    processor.raise_on_entire_batch_failure = False
    with invocation(getattr(context, "aws_request_id", None)):
        return process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                        context=context)


def events_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Handle domain events delivered from the EventBridge bus to the outbound queue."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    from chalicelib.services.domain_events import handle_event

    def record_handler(record: Any) -> None:
        try:
            envelope = json.loads(record.body)
            handle_event(envelope["detail-type"], envelope["detail"])
        except Exception as error:
            _fail_loudly("event", record, error)
            raise

    with invocation(getattr(context, "aws_request_id", None)):
        return process_partial_response(event=event, record_handler=record_handler,
                                        processor=BatchProcessor(event_type=EventType.SQS), context=context)


def webhooks_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Deliver domain events to the admins' webhook subscribers (failures retried, then the DLQ)."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    from chalicelib.services.webhooks import deliver_event

    def record_handler(record: Any) -> None:
        try:
            envelope = json.loads(record.body)
            deliver_event(envelope["detail-type"], envelope["detail"])
        except Exception as error:
            _fail_loudly("webhook", record, error)
            raise

    with invocation(getattr(context, "aws_request_id", None)):
        return process_partial_response(event=event, record_handler=record_handler,
                                        processor=BatchProcessor(event_type=EventType.SQS), context=context)
