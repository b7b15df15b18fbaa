"""Files customers send on messaging channels, stored in S3 by the ingest consumer before their message.

The webhook only queues the provider's references (channels.inbound_message.MediaRef), so it answers at
once. Here, on the inbound queue, each file is downloaded (channels.media) and stored like an email
attachment: ``attachments/<folder>/<filename>`` in the attachments bucket, listed on the message as
``{key, filename, content_type, size, kind, caption, downloaded: true}`` and served by
``GET /api/tickets/{id}/attachments/{folder}/{filename}``. The folder is a hash of the channel and the
provider's message id, so a redelivered contact writes the same keys (and downloads nothing once stored).

A failure that may pass (429, 5xx, no answer) fails the queue record, and SQS tries again after its
visibility timeout, up to ``media_download_attempts`` deliveries. After that, or at once for a failure
that cannot pass (refused, too big, a checksum mismatch, not configured), the message is stored anyway
with the file listed as ``{downloaded: false, error}``: the customer's text is never lost.
"""
from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import fields, replace
from typing import Any

from chalicelib.channels.inbound_message import MediaRef
from chalicelib.channels.media import MediaDownloadError, MediaFile, download
from chalicelib.errors import ParleyError
from chalicelib.observability import logger
from chalicelib.services.email_inbound import ATTACHMENT_PREFIX, safe_filename
from chalicelib.services.ingest import Contact

_REF_FIELDS = {f.name for f in fields(MediaRef)}
_INLINE_KINDS = ("image", "sticker", "video", "audio", "voice")
_TYPES = mimetypes.MimeTypes()  # the standard library's own table: the same extensions on every machine
# Types messaging channels use that the standard table lacks (voice notes, stickers).
_EXTENSIONS = {"audio/ogg": ".ogg", "audio/opus": ".opus", "audio/amr": ".amr", "audio/aac": ".aac",
               "image/webp": ".webp", "application/x-tgsticker": ".tgs"}


class MediaNotReadyError(ParleyError):
    """A customer's file could not be fetched yet; the queue delivers the contact again later."""

    status = 503
    code = "media_not_ready"


def with_media(contact: Contact, attempt: int) -> Contact:
    """The contact with its provider references replaced by stored files (or marked not downloaded).

    `attempt` is the queue's receive count for the contact. Raises MediaNotReadyError to be tried again.
    """
    from chalicelib.bootstrap import ticket_store
    from chalicelib.config import settings

    if not any(_is_reference(a) for a in contact.attachments):
        return contact
    if ticket_store().has_inbound(contact.channel, contact.message_id):
        return contact  # stored already: ingest sees the duplicate and changes nothing
    tries = settings().media_download_attempts
    folder, taken = _folder(contact), set()
    attachments = [_fetched(a, folder, taken, attempt, tries) if _is_reference(a) else a for a in contact.attachments]
    return replace(contact, attachments=attachments)


def _is_reference(attachment: Any) -> bool:
    return isinstance(attachment, dict) and bool(attachment.get("source")) and "downloaded" not in attachment


def _folder(contact: Contact) -> str:
    source = f"{contact.channel}\n{contact.message_id}".encode("utf-8", errors="surrogatepass")
    return "c" + hashlib.sha256(source).hexdigest()[:31]


def _fetched(entry: dict[str, Any], folder: str, taken: set[str], attempt: int, tries: int) -> dict[str, Any]:
    """Download and store one referenced file; describe it for the message."""
    from chalicelib.bootstrap import media_sender
    from chalicelib.services.outbound_delivery import channel_config

    ref = MediaRef(**{k: v for k, v in entry.items() if k in _REF_FIELDS})
    if attempt > tries:
        return _not_downloaded(ref, f"not downloaded after {tries} tries")
    try:
        file = download(ref, channel_config(), media_sender())
    except MediaDownloadError as error:
        if error.transient and attempt < tries:
            raise MediaNotReadyError(f"{ref.kind} from {ref.source} (try {attempt} of {tries}): {error.message}"
                                     ) from error
        return _not_downloaded(ref, error.message)
    return _stored(ref, file, folder, taken)


def _stored(ref: MediaRef, file: MediaFile, folder: str, taken: set[str]) -> dict[str, Any]:
    from chalicelib.bootstrap import client
    from chalicelib.config import settings

    content_type = ref.mime_type or file.content_type or "application/octet-stream"
    filename = safe_filename(ref.filename or file.filename or _generated_name(ref.kind, content_type), taken)
    key = f"{ATTACHMENT_PREFIX}{folder}/{filename}"
    client("s3").put_object(Bucket=settings().attachments_bucket, Key=key, Body=file.content,
                            ContentType=content_type,
                            ContentDisposition="inline" if ref.kind in _INLINE_KINDS else "attachment")
    return _described(ref, key=key, filename=filename, content_type=content_type, size=len(file.content),
                      downloaded=True)


def _not_downloaded(ref: MediaRef, reason: str) -> dict[str, Any]:
    logger.warning("a customer's file was not downloaded; the message is stored without it",
                   extra={"source": ref.source, "kind": ref.kind, "reason": reason})
    return _described(ref, filename=ref.filename, content_type=ref.mime_type, downloaded=False, error=reason,
                      source=ref.source, provider_media_id=ref.provider_media_id, url=ref.url)


def _described(ref: MediaRef, **details: Any) -> dict[str, Any]:
    """The message's entry for a file: kind and caption, then details; empty values left out."""
    entry = {"kind": ref.kind, "caption": ref.caption, **details}
    return {k: v for k, v in entry.items() if v is not None}


def _generated_name(kind: str, content_type: str) -> str:
    bare = content_type.split(";", 1)[0].strip().lower()
    extension = _EXTENSIONS.get(bare) or _TYPES.guess_extension(bare) or ""
    return f"{kind}{extension}"
