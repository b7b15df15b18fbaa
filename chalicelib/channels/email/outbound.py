"""Composing the emails Parley sends, so that replies find their way back to the right ticket.

Three threading hooks, any one of which is enough for the inbound side: the Message-ID names the
ticket ('<t1234.abc@mail.example.com>', echoed back in the customer's In-Reply-To/References), the
subject carries the token '[#1234]', and Reply-To is the plus-address 'support+t1234@domain'.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timezone
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from chalicelib.channels.email.html import sanitize_html, text_to_html
from chalicelib.errors import ValidationError

_MESSAGE_ID_PART = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*$")
_MAX_REFERENCES = 20


def _one_line(value: str) -> str:
    return re.sub(r"\s*[\r\n]+\s*", " ", value or "").strip()


def _address(value: str, field: str) -> Address:
    local, at, domain = (value or "").strip().rpartition("@")
    if not at or not local or not domain:
        raise ValidationError(f"{field} '{value}' is not an email address like 'name@example.com'")
    if not local.isascii():
        raise ValidationError(f"{field} '{value}' has non-ASCII characters before the '@', which Parley cannot send to")
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise ValidationError(f"{field} '{value}' has a domain that is not valid: {error}") from error
    return Address(addr_spec=f"{local}@{ascii_domain}")


def _bracketed(message_id: str) -> str:
    return "<" + message_id.strip().strip("<>") + ">"


def _subject_with_token(subject: str, ticket_id: int) -> str:
    token = f"[#{ticket_id}]"
    cleaned = _one_line(subject).replace(token, " ")
    cleaned = re.sub(r"\s{2,}", " ", cleaned).strip()
    return f"{cleaned} {token}" if cleaned else token


def _references(in_reply_to: str | None, references: list[str]) -> list[str]:
    chain = [r.strip().strip("<>") for r in references if r and r.strip().strip("<>")]
    if in_reply_to and in_reply_to.strip().strip("<>") not in chain:
        chain.append(in_reply_to.strip().strip("<>"))
    if len(chain) > _MAX_REFERENCES:  # keep the thread root and the most recent ancestors
        chain = chain[:1] + chain[-(_MAX_REFERENCES - 1):]
    return chain


def compose_reply(
    *,
    ticket_id: int,
    message_id: str,
    from_address: str,
    from_name: str,
    to_address: str,
    subject: str,
    text: str,
    html: str | None,
    mail_domain: str,
    in_reply_to: str | None,
    references: list[str],
    auto: bool = False,
    now: datetime | None = None,
    attachments: Sequence[tuple[str, str, bytes]] = (),
) -> tuple[str, bytes]:
    """Build an agent's (or an automatic) reply on a ticket as raw MIME, ready for SES or SMTP.

    Returns (Message-ID without brackets, raw bytes). The mail is multipart/alternative (text and
    HTML; HTML is made from the text when none is given), threads under the customer's message
    (In-Reply-To/References), carries the ticket token once in the subject and the ticket's
    plus-address as Reply-To. ``auto`` marks it Auto-Submitted so other robots do not answer it.
    Each (filename, content type, bytes) in ``attachments`` is added as a file (multipart/mixed).
    """
    if not isinstance(ticket_id, int) or isinstance(ticket_id, bool) or ticket_id <= 0:
        raise ValidationError(f"ticket_id {ticket_id!r} must be a positive whole number")
    if not message_id or not _MESSAGE_ID_PART.match(message_id) or "@" in message_id:
        raise ValidationError(
            f"message_id {message_id!r} must be a non-empty token of letters, digits and .-_ without '@' or spaces"
        )
    if not mail_domain or not _DOMAIN.match(mail_domain):
        raise ValidationError(f"mail_domain {mail_domain!r} is not a domain name like 'mail.example.com'")

    sender = _address(from_address, "from_address")
    sent_id = f"t{ticket_id}.{message_id}@{mail_domain}"
    mail = EmailMessage(policy=policy.SMTP)
    mail["From"] = Address(display_name=_one_line(from_name), username=sender.username, domain=sender.domain)
    mail["To"] = _address(to_address, "to_address")
    mail["Reply-To"] = Address(addr_spec=f"support+t{ticket_id}@{mail_domain}")
    mail["Subject"] = _subject_with_token(subject, ticket_id)
    mail["Date"] = format_datetime(now or datetime.now(timezone.utc))
    mail["Message-ID"] = _bracketed(sent_id)
    chain = _references(in_reply_to, references)
    if in_reply_to and in_reply_to.strip().strip("<>"):
        mail["In-Reply-To"] = _bracketed(in_reply_to)
    if chain:
        mail["References"] = " ".join(_bracketed(r) for r in chain)
    if auto:
        mail["Auto-Submitted"] = "auto-replied"
        mail["X-Auto-Response-Suppress"] = "All"
    body = (text or "").replace("\r\n", "\n")
    mail.set_content(body if body.endswith("\n") else body + "\n", cte="quoted-printable")
    mail.add_alternative(sanitize_html(html) if html else text_to_html(body), subtype="html", cte="quoted-printable")
    for filename, content_type, content in attachments:
        maintype, _, subtype = content_type.partition("/")
        mail.add_attachment(content, maintype=maintype, subtype=subtype or "octet-stream",
                            filename=_one_line(filename))
    return sent_id, mail.as_bytes()


def parley_message_ticket(message_id: str, mail_domain: str) -> int | None:
    """The ticket id inside one of Parley's own Message-IDs ('t1234.abc@domain'), else None."""
    match = re.match(r"^<?\s*t(\d{1,18})\.[^@\s<>]+@([^\s<>]+?)\s*>?$", message_id or "")
    if not match or match.group(2).lower() != (mail_domain or "").lower():
        return None
    return int(match.group(1))
