"""Email in: a mail SES received (or the local SMTP listener, which builds the same event) becomes a contact.

SES's receipt rule stores the raw mail in S3 (``inbound-mail/<SES message id>``) and then invokes the
``inbound_email`` Lambda with the receipt event. For each mail this module:

1. reads the raw bytes from S3 and parses them (``channels.email.parse_email``); a mail with nothing
   readable, no sender, or a failed virus/spam verdict is quarantined: copied to ``quarantine/`` and
   listed with its reason, never lost;
2. handles machine mail without a ticket: a bounce marks the failed addresses undeliverable on their
   customers (and notes it in the audit of the ticket it threads to); an auto-reply is only logged;
   mail from Parley's own address (a loop) is ignored. The raw copy of each of these is indexed under
   the addresses it is from or about (``keep_unticketed``), as is a duplicate the ingest consumer finds
   stored already, so erasing a customer deletes the raw mail no message names;
3. rate-limits each sender (``MAX_MAILS_PER_SENDER_PER_HOUR``; further mail is quarantined);
4. threads it: Parley's own Message-IDs in In-Reply-To/References, then the ``[#123]`` subject token or
   the ``support+t123@`` address; otherwise it starts a new ticket;
5. stores attachments in S3 (``attachments/<message key>/<filename>``) and queues the contact on the
   inbound FIFO queue, where the ingest consumer (services.ingest.receive) stores it like any channel's.
"""
from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any, Callable

from chalicelib.channels.email import (
    Attachment,
    InboundEmail,
    UnparseableEmailError,
    find_ticket_token,
    parley_message_ticket,
    parse_email,
)
from chalicelib.clock import iso, now
from chalicelib.observability import invocation, logger
from chalicelib.services.ingest import Contact

MAX_MAILS_PER_SENDER_PER_HOUR = 20
RAW_PREFIX = "inbound-mail/"
QUARANTINE_PREFIX = "quarantine/"
ATTACHMENT_PREFIX = "attachments/"
# What a contact may carry: it travels on SQS (256 KB) and as EventBridge event detail (256 KB), JSON-escaped.
MAX_CONTACT_JSON_BYTES = 150_000
MAX_REFERENCES_KEPT = 20

_HEADER_IDS = re.compile(r"^(?:message-id|in-reply-to|references)[ \t]*:((?:.*)(?:\r?\n[ \t].*)*)", re.I | re.M)
_HEADER_SUBJECT = re.compile(r"^subject[ \t]*:(.*)$", re.I | re.M)
_ANGLE_ID = re.compile(r"<([^<>\s]+)>")
_UNSAFE_FILENAME = re.compile(r'[\x00-\x1f\x7f/\\?#%*:|"<>]+')
_REPORT_TYPES = ("message/rfc822", "message/global", "text/rfc822-headers", "message/rfc822-headers",
                 "message/global-headers")


@dataclass(frozen=True)
class IntakeOutcome:
    """What became of one received mail: queued (a contact), bounce, auto_reply, ignored or quarantined."""

    action: str
    reason: str = ""
    message_id: str | None = None
    ticket_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe summary for logs and the Lambda's return value."""
        return {"action": self.action, "reason": self.reason, "message_id": self.message_id,
                "ticket_id": self.ticket_id}


def handle_ses_event(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """The SES receipt rule's Lambda action: take in every mail the event names (raw copy read from S3)."""
    outcomes = []
    with invocation(getattr(context, "aws_request_id", None)):
        for record in event.get("Records") or []:
            mail = (record.get("ses") or {}).get("mail") or {}
            receipt = (record.get("ses") or {}).get("receipt") or {}
            ses_id = mail.get("messageId")
            if not ses_id:
                logger.error("SES record without mail.messageId; nothing to read", extra={"record": record})
                continue
            raw_key = RAW_PREFIX + ses_id
            outcome = take_in(_read_raw(raw_key), mail_id=ses_id, raw_key=raw_key, verdicts=_verdicts(receipt))
            logger.info("email taken in", extra={"ses_message_id": ses_id, **outcome.to_dict()})
            outcomes.append(outcome.to_dict())
    return {"disposition": "CONTINUE", "outcomes": outcomes}


def take_in(raw: bytes, *, mail_id: str, raw_key: str, verdicts: dict[str, str] | None = None,
            deliver: Callable[[Contact], Any] | None = None) -> IntakeOutcome:
    """Take in one raw mail (its copy already at raw_key in S3); deliver gets the contact (default: queue it)."""
    at = iso(now())
    try:
        email = parse_email(raw)
    except UnparseableEmailError as error:
        return _quarantine(mail_id, raw_key, at, f"the mail cannot be parsed: {error.message}")
    failed = sorted(name for name, status in (verdicts or {}).items()
                    if name in ("virus", "spam") and status == "FAIL")
    if failed:
        return _quarantine(mail_id, raw_key, at, f"SES {' and '.join(failed)} scan verdict is FAIL", email)
    if "@" not in email.from_address:
        return _quarantine(mail_id, raw_key, at, "the mail names no sender address (From), so it has no customer",
                           email)
    if _is_ours(email.from_address):  # Parley's own mail, come back: it is about those it was sent to
        keep_unticketed(mail_id=mail_id, raw_key=raw_key, received_at=at, reason="own_address",
                        addresses=[*email.to, *email.cc])
        return IntakeOutcome("ignored", f"mail from Parley's own address {email.from_address} (a mail loop)")
    if email.kind == "bounce":  # indexed before it is applied: a retried intake writes the same items
        keep_unticketed(mail_id=mail_id, raw_key=raw_key, received_at=at, reason="bounce",
                        addresses=[email.from_address, *email.bounced_recipients])
        return _bounce(email, at)
    if email.kind == "auto_reply":
        keep_unticketed(mail_id=mail_id, raw_key=raw_key, received_at=at, reason="auto_reply",
                        addresses=[email.from_address])
        logger.info("automatic reply ignored", extra={"from": email.from_address, "subject": email.subject})
        return IntakeOutcome("auto_reply", "an automatic reply never opens a ticket",
                             ticket_id=_ticket_named(email))
    if not _within_rate(email.from_address):
        return _quarantine(mail_id, raw_key, at, f"{email.from_address} sent more than "
                           f"{MAX_MAILS_PER_SENDER_PER_HOUR} mails this hour (rate limit)", email)
    contact = contact_for(email, mail_id=mail_id, raw_key=raw_key, received_at=at)
    (deliver or _enqueue)(contact)
    return IntakeOutcome("queued", "threaded" if contact.ticket_id else "new ticket",
                         message_id=contact.message_id, ticket_id=contact.ticket_id)


def contact_for(email: InboundEmail, *, mail_id: str, raw_key: str, received_at: str) -> Contact:
    """The contact for a customer's mail: reply text as body, full text, HTML and files kept, thread found."""
    message_key = _message_key(email, mail_id)
    attachments = _store_attachments(email.attachments, message_key)
    ticket_id = _ticket_named(email)
    body = email.reply_text.strip() or email.text.strip() or _placeholder(attachments)
    details = {
        "message_id": email.message_id, "in_reply_to": email.in_reply_to,
        "references": email.references[-MAX_REFERENCES_KEPT:], "from": email.from_address, "to": email.to,
        "cc": email.cc, "subject": email.subject, "raw_key": raw_key, "ses_message_id": mail_id,
        "suppress_auto_reply": email.suppress_auto_reply,
        "text": email.text if email.text.strip() != body else None,
    }
    contact = Contact(
        channel="email", message_id=message_key, body=body, identity=["email", email.from_address],
        customer_name=email.from_name.strip() or None, customer_email=email.from_address,
        subject=" ".join(email.subject.split()) or None, ticket_id=ticket_id, html=email.html,
        attachments=attachments, received_at=received_at, new_ticket_only=ticket_id is None, email=details,
    )
    return _fitted(contact, message_key)


# --- threading -----------------------------------------------------------------------------------


def _ticket_named(email: InboundEmail) -> int | None:
    """The ticket a mail answers: Parley's Message-IDs first (newest reference first), then the token."""
    from chalicelib.config import settings

    domain = settings().mail_domain
    for message_id in [email.in_reply_to, *reversed(email.references)]:
        ticket_id = parley_message_ticket(message_id, domain) if message_id else None
        if ticket_id:
            return ticket_id
    ours = [address for address in (*email.to, *email.cc) if address.lower().endswith("@" + domain.lower())]
    return find_ticket_token(email.subject, ours)


def _bounced_ticket(email: InboundEmail) -> int | None:
    """The ticket a bounce is about: from its own threading headers, or the returned original's headers."""
    from chalicelib.config import settings

    found = _ticket_named(email)
    if found:
        return found
    domain = settings().mail_domain
    copies = [a.content.decode("utf-8", errors="replace") for a in email.attachments
              if a.content_type in _REPORT_TYPES or a.filename.lower().endswith(".eml")]
    for text in (*copies, email.text):
        for header in _HEADER_IDS.findall(text):
            for message_id in _ANGLE_ID.findall(header):
                ticket_id = parley_message_ticket(message_id, domain)
                if ticket_id:
                    return ticket_id
        for subject in _HEADER_SUBJECT.findall(text):
            ticket_id = find_ticket_token(subject, [])
            if ticket_id:
                return ticket_id
    return None


# --- mail that becomes no message ------------------------------------------------------------------


def keep_unticketed(*, mail_id: str, raw_key: str, received_at: str, reason: str, addresses: list[str]) -> None:
    """Index the raw copy of a mail that becomes no message under the addresses it is from or about.

    No message names its raw copy (``email.raw_key``), so without this erasing a customer would never find
    it. reason: auto_reply, bounce, duplicate or own_address. Parley's own addresses are left out; one
    BatchWriteItem (per 25 addresses), and none when no address is left.
    """
    from chalicelib.bootstrap import email_intake_store

    found = sorted({address.lower() for address in addresses if "@" in address and not _is_ours(address)})
    if found:
        email_intake_store().keep_unticketed({"id": mail_id, "received_at": received_at, "raw_key": raw_key,
                                              "reason": reason}, found)


def keep_duplicate(contact: Contact) -> None:
    """Index the raw copy of a mail the ingest consumer found stored already (its sender's Message-ID was).

    A sender's server that sends a mail again makes a new SES id, so a new raw copy; the message stored
    names the first one only. A redelivery of the stored mail itself indexes that one, which erasure
    counts once.
    """
    details = contact.email or {}
    if details.get("raw_key") and details.get("ses_message_id"):
        keep_unticketed(mail_id=details["ses_message_id"], raw_key=details["raw_key"],
                        received_at=contact.received_at or iso(now()), reason="duplicate",
                        addresses=[contact.customer_email or details.get("from") or ""])


# --- machine mail ----------------------------------------------------------------------------------


def _bounce(email: InboundEmail, at: str) -> IntakeOutcome:
    """Mark the failed recipients undeliverable on their customers, and note it on the ticket it concerns."""
    from chalicelib.bootstrap import ticket_store

    recipients = sorted({address.lower() for address in email.bounced_recipients if "@" in address})
    if not recipients:
        logger.info("delivery warning ignored (no failed recipient)", extra={"subject": email.subject})
        return IntakeOutcome("bounce", "a delivery warning names no failed recipient; nothing to mark")
    store = ticket_store()
    reason = f"bounced: {' '.join(email.subject.split())[:200]}" if email.subject.strip() else "bounced"
    marked = []
    for address in recipients:
        customer_id = store.customer_for_identity("email", address)
        if customer_id:
            store.mark_undeliverable(customer_id, [address], at, reason)
            marked.append(address)
    ticket_id = _bounced_ticket(email)
    if ticket_id and store.get_ticket(ticket_id):
        store.record_audit(ticket_id, {"id": uuid.uuid4().hex, "at": at, "actor": "system#email",
                                       "action": "email_bounced",
                                       "detail": {"addresses": recipients, "reason": reason}})
    else:
        ticket_id = None
    logger.info("bounce recorded", extra={"addresses": recipients, "customers_marked": marked,
                                          "ticket_id": ticket_id})
    return IntakeOutcome("bounce", f"undeliverable: {', '.join(recipients)}", ticket_id=ticket_id)


def _is_ours(address: str) -> bool:
    from chalicelib.config import settings

    support = settings().support_address.lower()
    local, _, domain = support.partition("@")
    sender_local, _, sender_domain = address.lower().partition("@")
    return sender_domain == domain and (sender_local == local or sender_local.startswith(local + "+"))


def _within_rate(sender: str) -> bool:
    from chalicelib.bootstrap import email_intake_store

    moment = now()
    return email_intake_store().count_mail(sender.lower(), iso(moment)[:13], MAX_MAILS_PER_SENDER_PER_HOUR,
                                           int(moment.timestamp()))


def _quarantine(mail_id: str, raw_key: str, at: str, reason: str, email: InboundEmail | None = None
                ) -> IntakeOutcome:
    """Keep a mail Parley will not ticket: a copy under quarantine/ and an item with the reason."""
    from chalicelib.bootstrap import client, email_intake_store
    from chalicelib.config import settings

    bucket = settings().attachments_bucket
    key = QUARANTINE_PREFIX + mail_id
    client("s3").copy_object(Bucket=bucket, Key=key, CopySource={"Bucket": bucket, "Key": raw_key})
    email_intake_store().quarantine({
        "id": mail_id, "received_at": at, "reason": reason, "s3_key": key, "raw_key": raw_key,
        "sender": email.from_address if email else None, "subject": email.subject if email else None})
    logger.warning("email quarantined", extra={"ses_message_id": mail_id, "reason": reason, "s3_key": key})
    return IntakeOutcome("quarantined", reason)


# --- storing -------------------------------------------------------------------------------------


def _message_key(email: InboundEmail, mail_id: str) -> str:
    """The message's idempotency key: the sender's Message-ID (or SES's id when it has none), hashed short."""
    source = f"{email.from_address}\n{email.message_id}" if email.message_id else f"ses\n{mail_id}"
    return "e" + hashlib.sha256(source.encode("utf-8", errors="surrogatepass")).hexdigest()[:31]


def safe_filename(name: str, taken: set[str]) -> str:
    """A file name safe as an S3 key segment, unique (case-insensitively) among `taken`, which it joins."""
    clean = _UNSAFE_FILENAME.sub("_", name).strip(" ._") or "attachment"
    clean = clean[:150]
    stem, dot, extension = clean.rpartition(".")
    candidate, counter = clean, 2
    while candidate.lower() in taken:
        candidate = f"{stem}-{counter}.{extension}" if dot and stem else f"{clean}-{counter}"
        counter += 1
    taken.add(candidate.lower())
    return candidate


def _store_attachments(attachments: list[Attachment], message_key: str) -> list[dict[str, Any]]:
    """Put each file in S3 under attachments/<message key>/ and describe it for the message."""
    from chalicelib.bootstrap import client
    from chalicelib.config import settings

    stored: list[dict[str, Any]] = []
    taken: set[str] = set()
    for attachment in attachments:
        filename = safe_filename(attachment.filename, taken)
        key = f"{ATTACHMENT_PREFIX}{message_key}/{filename}"
        client("s3").put_object(Bucket=settings().attachments_bucket, Key=key, Body=attachment.content,
                                ContentType=attachment.content_type or "application/octet-stream",
                                ContentDisposition="inline" if attachment.inline else "attachment")
        stored.append({"key": key, "filename": attachment.filename, "content_type": attachment.content_type,
                       "size": len(attachment.content), "inline": attachment.inline,
                       "content_id": attachment.content_id})
    return stored


def _placeholder(attachments: list[dict[str, Any]]) -> str:
    if attachments:
        return "(no text; attached: " + ", ".join(a["filename"] for a in attachments) + ")"
    return "(empty email)"


def _json_size(data: Any) -> int:
    return len(json.dumps(data, default=str))


def _fitted(contact: Contact, message_key: str) -> Contact:
    """Keep the contact within queue and event size limits: drop HTML, then the full text, then shorten.

    Nothing is lost: the raw mail stays in S3 (email.raw_key) and a dropped HTML part is stored as a file.
    """
    if _json_size(contact.to_dict()) + _json_size(contact.body) <= MAX_CONTACT_JSON_BYTES:
        return contact
    if contact.html:
        from chalicelib.bootstrap import client
        from chalicelib.config import settings

        key = f"{ATTACHMENT_PREFIX}{message_key}/original.html"
        client("s3").put_object(Bucket=settings().attachments_bucket, Key=key,
                                Body=contact.html.encode("utf-8"), ContentType="text/html; charset=utf-8")
        contact.attachments.append({"key": key, "filename": "original.html", "content_type": "text/html",
                                    "size": len(contact.html.encode("utf-8")), "inline": False})
        contact.html = None
    contact.email = {**(contact.email or {}), "truncated": True}
    if _json_size(contact.to_dict()) + _json_size(contact.body) > MAX_CONTACT_JSON_BYTES:
        contact.email["text"] = None
    shortened = False
    while _json_size(contact.to_dict()) + _json_size(contact.body) > MAX_CONTACT_JSON_BYTES:
        contact.body, shortened = contact.body[: int(len(contact.body) * 0.8)], True
    if shortened:
        contact.body = contact.body.rstrip() + "\n… (shortened; the whole email is kept as sent)"
    return contact


def _read_raw(key: str) -> bytes:
    from chalicelib.bootstrap import client
    from chalicelib.config import settings

    return client("s3").get_object(Bucket=settings().attachments_bucket, Key=key)["Body"].read()


def _verdicts(receipt: dict[str, Any]) -> dict[str, str]:
    return {name: str((receipt.get(f"{name}Verdict") or {}).get("status", "")).upper()
            for name in ("spam", "virus", "spf", "dkim", "dmarc")}


def _enqueue(contact: Contact) -> None:
    """Queue the contact for the ingest consumer, in order per sender, deduplicated on the SES id.

    Not on the message key: a mail sent again (same Message-ID, new SES id and raw copy) must reach the
    consumer, which stores nothing twice but indexes that raw copy for erasure (keep_duplicate).
    """
    from chalicelib.bootstrap import inbound_queue

    sender = hashlib.sha256((contact.customer_email or "").encode("utf-8", errors="surrogatepass")).hexdigest()[:40]
    received = (contact.email or {}).get("ses_message_id") or contact.message_id
    inbound_queue().send(contact.to_dict(), group_id=f"email#{sender}", dedup_id=f"email#{received}")
