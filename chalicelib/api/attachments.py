"""GET /api/tickets/{id}/attachments/{folder}/{filename}: a ticket's file, by a short-lived pre-signed S3 URL.

Files customers send (email attachments) are stored at ``attachments/<folder>/<filename>`` and listed on
their message. The route answers 302 to a pre-signed GET URL, and only for a key one of the ticket's
messages lists, so an agent cannot read arbitrary objects from the bucket.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from chalice import Response

from chalicelib.api.http import endpoint
from chalicelib.api.tokens import Principal
from chalicelib.errors import NotFoundError

URL_SECONDS = 300


@endpoint(auth="agent")
def download(request: Any, principal: Principal, ticket_id: str, folder: str, filename: str) -> Response:
    """Redirect to the file if the ticket's messages list it; 404 otherwise."""
    from chalicelib.bootstrap import client, ticket_store
    from chalicelib.config import settings

    store = ticket_store()
    ticket = store.get_ticket(int(ticket_id)) if ticket_id.isdigit() else None
    if ticket is None:
        raise NotFoundError(f"ticket {ticket_id} not found")
    wanted = {f"attachments/{folder}/{filename}", f"attachments/{unquote(folder)}/{unquote(filename)}"}
    listed = {attachment.get("key"): attachment
              for message in store.messages(ticket["conversation_id"], limit=500)
              for attachment in message.get("attachments") or [] if isinstance(attachment, dict)}
    key = next((k for k in wanted if k in listed), None)
    if key is None:
        raise NotFoundError(f"ticket {ticket_id} has no attachment {unquote(filename)}")
    url = client("s3").generate_presigned_url(
        "get_object", ExpiresIn=URL_SECONDS,
        Params={"Bucket": settings().attachments_bucket, "Key": key,
                "ResponseContentType": listed[key].get("content_type") or "application/octet-stream"})
    return Response(body="", status_code=302, headers={"Location": url, "Cache-Control": "no-store"})
