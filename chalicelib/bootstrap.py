"""Lazy wiring: AWS clients and stores are made on first use, never at import.

Every client in the process comes from here, so each Lambda container makes each client once.
"""
from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

_lock = threading.Lock()


@lru_cache(maxsize=None)
def client(service: str, endpoint_url: str | None = None) -> Any:
    """A boto3 client for service (made once per process; boto3 is imported here, not at start-up)."""
    with _lock:
        import boto3
        from botocore.config import Config

        from chalicelib.config import settings

        return boto3.session.Session().client(
            service,
            region_name=settings().region,
            endpoint_url=endpoint_url,
            config=Config(retries={"mode": "standard", "max_attempts": 4}, tcp_keepalive=True),
        )


@lru_cache(maxsize=1)
def s3_signer() -> Any:
    """An S3 client for pre-signed upload forms and download links, always signed with Signature Version 4."""
    with _lock:
        import boto3
        from botocore.config import Config

        from chalicelib.config import settings

        return boto3.session.Session().client("s3", region_name=settings().region,
                                              config=Config(signature_version="s3v4"))


@lru_cache(maxsize=1)
def ticket_store():
    """The DynamoDB store of tickets, conversations, messages, customers and the outbox."""
    from chalicelib.config import settings
    from chalicelib.store.tickets import TicketStore

    return TicketStore(client("dynamodb"), settings().tickets_table)


@lru_cache(maxsize=1)
def agent_store():
    """The DynamoDB store of agents and departments."""
    from chalicelib.config import settings
    from chalicelib.store.agents import AgentStore

    return AgentStore(client("dynamodb"), settings().agents_table)


@lru_cache(maxsize=1)
def config_store():
    """Admin-defined rules (assignment rules, triggers, automations, macros, SLA policies) as data."""
    from chalicelib.config import settings
    from chalicelib.store.config import ConfigStore

    return ConfigStore(client("dynamodb"), settings().agents_table)


@lru_cache(maxsize=1)
def delivery_log():
    """Which outbound deliveries (webhooks) already happened."""
    from chalicelib.config import settings
    from chalicelib.store.deliveries import DeliveryLog

    return DeliveryLog(client("dynamodb"), settings().idempotency_table)


@lru_cache(maxsize=1)
def connection_store():
    """The DynamoDB store of open WebSocket connections."""
    from chalicelib.config import settings
    from chalicelib.store.connections import ConnectionStore

    return ConnectionStore(client("dynamodb"), settings().connections_table)


@lru_cache(maxsize=1)
def event_publisher():
    """Publishes domain events to the EventBridge bus."""
    from chalicelib.config import settings
    from chalicelib.services.live_delivery import deliver_committed
    from chalicelib.services.publish import EventPublisher

    return EventPublisher(client("events"), settings().event_bus_name, ticket_store(), deliver_live=deliver_committed)


@lru_cache(maxsize=1)
def inbound_queue():
    """The FIFO queue that carries every customer contact to the ingest consumer."""
    from chalicelib.config import settings
    from chalicelib.services.inbound_queue import InboundQueue

    return InboundQueue(client("sqs"), settings().inbound_queue_url)


@lru_cache(maxsize=1)
def token_verifier():
    """Verifies agents' Cognito JWTs against the user pool's JWKS."""
    from chalicelib.api.tokens import AgentTokenVerifier
    from chalicelib.config import settings

    s = settings()
    return AgentTokenVerifier(jwks_url=s.jwks_url, issuer=s.jwt_issuer, audience=s.user_pool_client_id)


@lru_cache(maxsize=1)
def websocket_sender():
    """Sends frames to WebSocket connections through the API Gateway @connections API."""
    from chalicelib.config import settings
    from chalicelib.realtime.sender import ConnectionSender

    return ConnectionSender(client("apigatewaymanagementapi", settings().websocket_endpoint), connection_store())


@lru_cache(maxsize=1)
def watcher_store():
    """Which agent connections follow which conversation (live chat fan-out)."""
    from chalicelib.config import settings
    from chalicelib.store.watchers import WatcherStore

    return WatcherStore(client("dynamodb"), settings().connections_table)


@lru_cache(maxsize=1)
def live_chat_store():
    """Read receipts on conversations and CSAT on customers."""
    from chalicelib.config import settings
    from chalicelib.store.live_chat import LiveChatStore

    return LiveChatStore(client("dynamodb"), settings().tickets_table)


@lru_cache(maxsize=1)
def proactive_store():
    """Proactive chat rules and visitors' page visits."""
    from chalicelib.config import settings
    from chalicelib.store.proactive import ProactiveStore

    s = settings()
    return ProactiveStore(client("dynamodb"), s.agents_table, s.tickets_table)


@lru_cache(maxsize=1)
def organization_store():
    """Organizations and their name and email-domain lookups."""
    from chalicelib.config import settings
    from chalicelib.store.organizations import OrganizationStore

    return OrganizationStore(client("dynamodb"), settings().tickets_table)


@lru_cache(maxsize=1)
def api_token_store():
    """API tokens (hashed) for the Zendesk-compatible API's Basic authentication."""
    from chalicelib.config import settings
    from chalicelib.store.api_tokens import ApiTokenStore

    return ApiTokenStore(client("dynamodb"), settings().agents_table)


@lru_cache(maxsize=1)
def zendesk_id_store():
    """Whole-number ids the Zendesk-compatible API shows for customers, agents and departments."""
    from chalicelib.config import settings
    from chalicelib.store.zendesk_ids import ZendeskIdStore

    return ZendeskIdStore(client("dynamodb"), settings().tickets_table)


@lru_cache(maxsize=1)
def deleted_ticket_store():
    """Soft deletion of tickets (a tombstone keeps the last state)."""
    from chalicelib.config import settings
    from chalicelib.store.deleted_tickets import DeletedTicketStore

    return DeletedTicketStore(client("dynamodb"), settings().tickets_table)


def ticket_search_store():
    """A fresh reader of ticket index partitions for one search (it counts the items it reads)."""
    from chalicelib.config import settings
    from chalicelib.store.ticket_search import TicketSearchStore

    return TicketSearchStore(client("dynamodb"), settings().tickets_table)


@lru_cache(maxsize=1)
def channel_sender():
    """Sends channel replies to the providers: over HTTPS in AWS, into the local outbox on the local stack."""
    from chalicelib.channels.http_sender import RecordingSender, UrllibSender
    from chalicelib.config import settings

    if settings().is_local:
        from chalicelib.channels.outbound import simulated_response
        from chalicelib.store.local_outbox import LocalOutbox

        return RecordingSender(record=LocalOutbox(client("dynamodb"), settings().tickets_table).record,
                               respond=simulated_response)
    return UrllibSender()


@lru_cache(maxsize=1)
def media_sender():
    """Fetches the files customers send from the messaging providers (real HTTP, size-bounded, everywhere)."""
    from chalicelib.channels.http_sender import UrllibSender
    from chalicelib.config import settings

    return UrllibSender(max_response_bytes=settings().media_max_bytes)


@lru_cache(maxsize=1)
def email_intake_store():
    """Per-sender mail counters and the quarantine of inbound email."""
    from chalicelib.config import settings
    from chalicelib.store.email_intake import EmailIntakeStore

    return EmailIntakeStore(client("dynamodb"), settings().tickets_table)


def reset() -> None:
    """Forget every client and store (tests that switch endpoints call this)."""
    for cached in (client, ticket_store, agent_store, config_store, delivery_log, connection_store, event_publisher, inbound_queue,
                   token_verifier, websocket_sender, watcher_store, live_chat_store, proactive_store,
                   channel_sender, media_sender, email_intake_store):
        cached.cache_clear()
    for cached in (s3_signer, organization_store, api_token_store, zendesk_id_store, deleted_ticket_store):
        cached.cache_clear()
