"""Files on tickets: agents upload them for replies and notes, and open the files any message carries.

* ``POST /api/tickets/{id}/attachments`` answers a pre-signed S3 POST form for one file and the id a
  message names it by (``"attachments": [id]`` on ``POST /api/tickets/{id}/messages``).
* ``GET /api/tickets/{id}/attachments/{folder}/{filename}`` answers 302 to a short-lived pre-signed GET
  URL (or ``{"url"}`` to ``Accept: application/json``), only for a key one of the ticket's messages
  lists, so an agent cannot read arbitrary objects from the bucket. Files always download
  (Content-Disposition: attachment), so an HTML file never runs as a page.
* ``GET /api/files/{folder}/{filename}?expires=&signature=`` is the link customers on messaging channels
  get: signed by Parley, no sign-in (HEAD too, as providers check a media URL before fetching it).
"""
from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from chalice import Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.http import endpoint, read_json
from chalicelib.api.tokens import Principal
from chalicelib.errors import NotFoundError


class NewUpload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filename: str = Field(min_length=1, max_length=1000)
    content_type: str = Field(default="", max_length=200, description="the file's type; guessed from the name if empty")
    size: int = Field(ge=1, description="the file's size in bytes")


def _ticket_id(raw: str) -> int:
    if not raw.isdigit():
        raise NotFoundError(f"ticket {raw} not found")
    return int(raw)


@endpoint(auth="agent")
def upload(request: Any, principal: Principal, ticket_id: str) -> tuple[int, dict[str, Any]]:
    """A pre-signed S3 POST form for one file to attach to a reply or note on the ticket (201)."""
    from chalicelib.services.attachments import upload_form

    body = read_json(request, NewUpload)
    return 201, upload_form(principal, _ticket_id(ticket_id), body.filename, body.content_type, body.size)


@endpoint(auth="agent")
def download(request: Any, principal: Principal, ticket_id: str, folder: str, filename: str) -> Any:
    """Redirect to the file if the ticket's messages list it ({"url"} for Accept: application/json); 404 otherwise."""
    from chalicelib.bootstrap import ticket_store
    from chalicelib.services.attachments import DOWNLOAD_SECONDS, download_url

    store = ticket_store()
    ticket = store.get_ticket(_ticket_id(ticket_id))
    if ticket is None:
        raise NotFoundError(f"ticket {ticket_id} not found")
    wanted = {f"attachments/{folder}/{filename}", f"attachments/{unquote(folder)}/{unquote(filename)}"}
    listed = {attachment.get("key"): attachment
              for message in store.messages(ticket["conversation_id"], limit=500)
              for attachment in message.get("attachments") or [] if isinstance(attachment, dict)}
    key = next((k for k in wanted if k in listed), None)
    if key is None:
        raise NotFoundError(f"ticket {ticket_id} has no attachment {unquote(filename)}")
    url = download_url(key, listed[key].get("content_type") or "application/octet-stream",
                       listed[key].get("filename"))
    if "application/json" in (request.headers or {}).get("accept", ""):
        return {"url": url, "expires_in": DOWNLOAD_SECONDS}
    return Response(body="", status_code=302, headers={"Location": url, "Cache-Control": "no-store"})


@endpoint(auth=None)
def shared_file(request: Any, folder: str, filename: str) -> Response:
    """A file sent to a customer: 302 to it while the link's signature is right and it has not expired.

    HEAD is answered too (to a URL signed for HEAD): Twilio checks a media URL with it before it sends."""
    from chalicelib.services.attachments import shared_file_url

    params = request.query_params or {}
    url = shared_file_url(folder, filename, params.get("expires"), params.get("signature"),
                          head=request.method == "HEAD")
    return Response(body="", status_code=302, headers={"Location": url, "Cache-Control": "no-store"})
