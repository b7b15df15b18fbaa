"""Files on messages: upload forms, attaching uploads to a message, reading them back.

Agents attach files to replies and notes, customers (the widget, the SDKs) to their messages in their own
conversations. The browser uploads straight to S3 with a pre-signed POST form (no file passes through
Lambda or API Gateway); a message then names the upload, which is checked again (it exists, its size and
type are allowed, and a customer's was uploaded by that customer) and copied next to the ticket's other
files. Customers get links to ``/api/files/...`` signed by Parley, which stay valid for LINK_DAYS days: the
providers fetch messaging-channel replies' files from them (or they are in the reply's text, for a file the
channel cannot take), and they are ``attachments[].url`` of public messages in the widget's and SDK's frames
and REST answers. See docs/decisions/0007-agent-attachments-by-pre-signed-upload.md,
docs/decisions/0009-customer-files-from-the-widget-and-sdks.md and
docs/decisions/0011-agent-files-as-native-channel-media.md.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any
from urllib.parse import quote, unquote

from chalicelib.api.tokens import Principal
from chalicelib.clock import now
from chalicelib.domain import attachments as files
from chalicelib.errors import ForbiddenError, ValidationError

UPLOAD_SECONDS = 600
DOWNLOAD_SECONDS = 300
LINK_DAYS = 30
_MISSING = ("404", "403", "NoSuchKey", "NotFound")  # without s3:ListBucket a missing key answers 403


def upload_form(principal: Principal, ticket_id: int, filename: Any, content_type: Any, size: Any
                ) -> dict[str, Any]:
    """A pre-signed POST form for one file on a ticket that can still be answered, and the id to send it with."""
    from chalicelib.services.tickets import load_ticket

    ticket = load_ticket(ticket_id)
    if ticket["status"] == "closed":
        raise ValidationError(f"ticket {ticket_id} is closed; closed is final — create a follow-up ticket instead")
    return _form(principal, ticket_id, filename, content_type, size)


def customer_upload_form(principal: Principal, conversation_id: str, filename: Any, content_type: Any, size: Any
                         ) -> dict[str, Any]:
    """A pre-signed POST form for one file a customer sends in their own conversation (404 for anyone else's)."""
    from chalicelib.services.conversations import own_conversation

    conversation = own_conversation(principal.id, conversation_id)
    return _form(principal, int(conversation["ticket_id"]), filename, content_type, size)


def _form(principal: Principal, ticket_id: int, filename: Any, content_type: Any, size: Any) -> dict[str, Any]:
    """The checked file's upload key under the ticket's folder and the form that may put exactly it there."""
    from chalicelib.bootstrap import s3_signer
    from chalicelib.config import settings

    spec = files.checked_file(str(filename or ""), str(content_type or ""), size)
    key = files.upload_key(ticket_id, secrets.token_hex(8), spec.filename)
    fields = {"Content-Type": spec.content_type, "Content-Disposition": files.content_disposition(spec.filename),
              "x-amz-meta-filename": quote(spec.filename), "x-amz-meta-uploader": principal.key}
    form = s3_signer().generate_presigned_post(
        settings().attachments_bucket, key, Fields=fields, ExpiresIn=UPLOAD_SECONDS,
        Conditions=[*({name: value} for name, value in fields.items()),
                    ["content-length-range", 1, files.MAX_FILE_BYTES]])
    return {"attachment": {"id": key, "filename": spec.filename, "content_type": spec.content_type,
                           "size": spec.size},
            "upload": {"method": "POST", "url": form["url"], "fields": form["fields"], "file_field": "file",
                       "expires_in": UPLOAD_SECONDS, "max_bytes": files.MAX_FILE_BYTES}}


def attach(ticket: dict[str, Any], references: list[str]) -> list[dict[str, Any]]:
    """An agent's message's attachments from upload ids: each checked and copied to attachments/<ticket>/."""
    return _copied(files.checked_references(ticket["id"], references))


def attach_customer_files(customer_id: str, conversation_id: str, conversation: dict[str, Any],
                          references: list[str]) -> list[dict[str, Any]]:
    """A customer's message's attachments from upload ids: each one this customer uploaded to this conversation
    (customer_upload_form), checked and copied to attachments/<ticket>/; 400 saying which is not.

    conversation: the customer's own conversation (own_conversation), conversation_id its id.
    """
    keys = files.checked_references(int(conversation["ticket_id"]), references, conversation_id)
    return _copied(keys, uploader=Principal("customer", customer_id).key)


def _copied(keys: list[str], uploader: str | None = None) -> list[dict[str, Any]]:
    from chalicelib.bootstrap import client
    from chalicelib.config import settings

    found = [_uploaded(key, uploader) for key in keys]
    files.check_total([item["size"] for item in found])
    bucket = settings().attachments_bucket
    for key, item in zip(keys, found):
        client("s3").copy_object(Bucket=bucket, Key=item["key"], CopySource={"Bucket": bucket, "Key": key})
    return found


def _uploaded(key: str, uploader: str | None = None) -> dict[str, Any]:
    """The upload as it is in S3, checked again; uploader: who must have uploaded it (S3 enforces the form's
    metadata), None for any agent."""
    from botocore.exceptions import ClientError

    from chalicelib.bootstrap import client
    from chalicelib.config import settings

    try:
        head = client("s3").head_object(Bucket=settings().attachments_bucket, Key=key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in _MISSING:
            raise ValidationError(f"attachment {key} has not been uploaded, or its upload expired; "
                                  "upload the file again") from None
        raise
    metadata = head.get("Metadata") or {}
    if uploader is not None and metadata.get("uploader") != uploader:
        raise ValidationError(f"attachment {key} was not uploaded by you; upload the file to this conversation "
                              "and send the id that call returned")
    name = unquote(metadata.get("filename", "")) or key.rpartition("/")[2].partition("-")[2]
    spec = files.checked_file(name, head.get("ContentType"), int(head["ContentLength"]))
    return {"key": files.stored_key(key), "filename": spec.filename, "content_type": spec.content_type,
            "size": spec.size, "inline": False}


def file_bytes(key: str) -> bytes:
    """A stored file's content (for email attachments)."""
    from chalicelib.bootstrap import client
    from chalicelib.config import settings

    return client("s3").get_object(Bucket=settings().attachments_bucket, Key=key)["Body"].read()


def download_url(key: str, content_type: str | None = None, filename: str | None = None) -> str:
    """A short-lived pre-signed GET URL that makes the browser download the file, never display it as a page."""
    from chalicelib.bootstrap import s3_signer
    from chalicelib.config import settings

    params = {"Bucket": settings().attachments_bucket, "Key": key,
              "ResponseContentDisposition": files.content_disposition(filename or key.rpartition("/")[2])}
    if content_type:
        params["ResponseContentType"] = content_type
    return s3_signer().generate_presigned_url("get_object", Params=params, ExpiresIn=DOWNLOAD_SECONDS)


def customer_link(attachment: dict[str, Any]) -> str | None:
    """A link to an attachment for a customer (messaging channels): Parley's /api/files URL, signed.

    None when Parley does not know its public URL (config.public_base_url logs why): no link beats a broken one.
    """
    from chalicelib.config import public_base_url

    base = public_base_url()
    if base is None:
        return None
    expires = int(now().timestamp()) + LINK_DAYS * 86_400
    _, folder, name = attachment["key"].split("/", 2)
    return (f"{base}/api/files/{quote(folder, safe='')}/{quote(name, safe='')}"
            f"?expires={expires}&signature={_signature(attachment['key'], expires)}")


def customer_files(message: dict[str, Any]) -> list[dict[str, Any]]:
    """A public message's files as a customer (widget, SDK) gets them: name, type, size and a signed link.

    Internal notes give none; the S3 key and entries without a stored file (media not downloaded) are left out.
    A file's url is None when Parley's public URL is not known (see config.public_base_url).
    """
    if message.get("public") is not True:
        return []
    shown = []
    for attachment in message.get("attachments") or []:
        if not isinstance(attachment, dict) or attachment.get("downloaded") is False:
            continue
        key = attachment.get("key")
        if not isinstance(key, str) or not key.startswith(files.ATTACHMENT_PREFIX) or key.count("/") < 2:
            continue
        shown.append({"filename": attachment.get("filename") or key.rpartition("/")[2],
                      "content_type": attachment.get("content_type") or "application/octet-stream",
                      "size": attachment.get("size"), "url": customer_link(attachment)})
    return shown


def shared_file_url(folder: str, name: str, expires: str | None, signature: str | None, *,
                    head: bool = False) -> str:
    """Where a customer's signed link leads: a fresh pre-signed URL (for a HEAD request when head);
    403 for a wrong or expired link."""
    key = f"{files.ATTACHMENT_PREFIX}{unquote(folder)}/{unquote(name)}"
    if not (expires or "").isdigit() or not hmac.compare_digest(_signature(key, int(expires)), signature or ""):
        raise ForbiddenError("this file link is not valid; ask support to send the file again")
    if int(expires) < now().timestamp():
        raise ForbiddenError("this file link has expired; ask support to send the file again")
    if head:
        from chalicelib.bootstrap import s3_signer
        from chalicelib.config import settings

        return s3_signer().generate_presigned_url("head_object", ExpiresIn=DOWNLOAD_SECONDS,
                                                  Params={"Bucket": settings().attachments_bucket, "Key": key})
    return download_url(key)


def _signature(key: str, expires: int) -> str:
    from chalicelib.config import settings

    secret = hmac.new(settings().visitor_token_secret.encode(), b"parley attachment links", hashlib.sha256).digest()
    return hmac.new(secret, f"{key}\n{expires}".encode(), hashlib.sha256).hexdigest()
