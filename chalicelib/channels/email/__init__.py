"""The email channel: parse inbound mail into tickets' messages, compose replies that thread back."""
from chalicelib.channels.email.inbound import (
    Attachment,
    InboundEmail,
    UnparseableEmailError,
    find_ticket_token,
    parse_email,
)
from chalicelib.channels.email.outbound import compose_reply, parley_message_ticket

__all__ = [
    "Attachment",
    "InboundEmail",
    "UnparseableEmailError",
    "compose_reply",
    "find_ticket_token",
    "parley_message_ticket",
    "parse_email",
]
