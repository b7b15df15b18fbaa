"""Files agents attach to replies and notes, and customers to their chat messages: what is accepted, how it is
named, where it is kept.

A file is uploaded first (to ``uploads/<ticket>/<token>-<name>``, kept a day unless it is sent) and
then named by that key in a message to the same ticket; sending copies it to
``attachments/<ticket>/<token>-<name>``, next to the ticket's other files. A customer's upload goes to the
folder of their conversation's ticket. Pure rules, no AWS.
"""
from __future__ import annotations

import mimetypes
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

from chalicelib.errors import PayloadTooLargeError, ValidationError

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_TOTAL_BYTES = 7 * 1024 * 1024  # SES takes 10 MB of MIME; base64 makes files a third larger
MAX_FILES = 5
MAX_NAME_CHARS = 120
UPLOAD_PREFIX = "uploads/"
ATTACHMENT_PREFIX = "attachments/"
ALLOWED_TYPES = frozenset({
    "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain", "text/csv",
    "application/zip", "application/json", "audio/mpeg", "video/mp4",
    "application/msword", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-powerpoint", "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
})
# Names Windows runs when opened, whatever type they claim to be.
_RUNNABLE = frozenset({"bat", "cmd", "com", "cpl", "exe", "hta", "jar", "js", "lnk", "msi", "pif", "ps1", "reg",
                       "scr", "vbe", "vbs", "wsf"})
_TYPES = mimetypes.MimeTypes(filenames=())  # Python's own table only: the same answer on every machine
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\?#%*:|"<>]+')
_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_UPLOAD_KEY = re.compile(r"^uploads/(\d{1,18})/([0-9a-f]{16}-[A-Za-z0-9._-]{1,120})$")


@dataclass(frozen=True)
class FileSpec:
    """An accepted file: its cleaned name, content type and size in bytes."""

    filename: str
    content_type: str
    size: int


def clean_filename(name: str) -> str:
    """A name safe to show and to put in headers: no path, no control or shell characters, at most 120 chars."""
    base = re.split(r"[/\\]", unicodedata.normalize("NFC", str(name or "")))[-1]
    clean = re.sub(r"\s+", " ", _UNSAFE_NAME.sub("_", base)).strip(" ._") or "attachment"
    if len(clean) > MAX_NAME_CHARS:
        stem, dot, extension = clean.rpartition(".")
        keep = extension[:10] if dot and stem else ""
        clean = clean[: MAX_NAME_CHARS - len(keep) - 1].rstrip(" ._") + ("." + keep if keep else "")
    return clean


def checked_file(filename: str, content_type: str | None, size: int) -> FileSpec:
    """The file an agent or a customer wants to upload, if Parley accepts it: size, type and name checked."""
    name = clean_filename(filename)
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValidationError("size must be the file's size in bytes (1 or more)")
    if size > MAX_FILE_BYTES:
        raise PayloadTooLargeError(f"{name} is {_megabytes(size)}; files can be at most {_megabytes(MAX_FILE_BYTES)}")
    return FileSpec(name, checked_type(name, content_type), size)


def checked_type(filename: str, content_type: str | None) -> str:
    """The content type, guessed from the name when the browser sent none; refused unless on the allow-list.

    A name whose extension means a type that is not allowed (``page.html`` sent as an image) or a program
    (``run.bat``) is refused too, so nobody receives a file their computer would open as something else.
    """
    declared = (content_type or "").split(";")[0].strip().lower()
    guessed = _TYPES.guess_type(filename, strict=False)[0]
    kind = guessed if declared in ("", "application/octet-stream") and guessed else declared
    runnable = filename.rpartition(".")[2].lower() in _RUNNABLE
    if kind not in ALLOWED_TYPES or (guessed and guessed not in ALLOWED_TYPES) or runnable:
        raise ValidationError(f"{filename} ({kind or 'unknown type'}) cannot be attached; attach images, PDF, "
                              "text, CSV, ZIP, office documents, MP3 or MP4 files")
    return kind


def upload_key(ticket_id: int, token: str, filename: str) -> str:
    """Where a file is uploaded to, before it is sent: uploads/<ticket>/<token>-<ASCII name>."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    slug = _KEY_UNSAFE.sub("_", ascii_name).strip("._")[:100] or "file"
    return f"{UPLOAD_PREFIX}{ticket_id}/{token}-{slug}"


def stored_key(key: str) -> str:
    """Where an uploaded file is kept once sent: attachments/<ticket>/<token>-<name>."""
    return ATTACHMENT_PREFIX + key.removeprefix(UPLOAD_PREFIX)


def checked_references(ticket_id: int, references: list[str], conversation_id: str | None = None) -> list[str]:
    """The upload keys a message names, each one uploaded to this ticket; 400 saying which is not.

    conversation_id: the customer's conversation the message goes to (their uploads are to its ticket); the
    errors then name the conversation and the customer API's upload route, not tickets.
    """
    route = (f"POST /api/sdk/conversations/{conversation_id}/attachments" if conversation_id
             else f"POST /api/tickets/{ticket_id}/attachments")
    if len(references) > MAX_FILES:
        raise ValidationError(f"a message can carry at most {MAX_FILES} attachments, got {len(references)}")
    for reference in references:
        match = _UPLOAD_KEY.match(reference) if isinstance(reference, str) else None
        if match is None:
            raise ValidationError(f"attachment {str(reference)[:200]!r} is not a file uploaded with {route}; "
                                  "send the id that call returned")
        if int(match.group(1)) == ticket_id:
            continue
        if conversation_id:
            raise ValidationError(f"attachment {reference} was uploaded to another conversation, not "
                                  f"{conversation_id}; upload the file to this conversation with {route}")
        raise ValidationError(f"attachment {reference} was uploaded to ticket {match.group(1)}, not ticket "
                              f"{ticket_id}; upload the file to this ticket")
    return list(dict.fromkeys(references))


def check_total(sizes: list[int]) -> None:
    """Refuse a message whose files together are too large to email."""
    total = sum(sizes)
    if total > MAX_TOTAL_BYTES:
        raise PayloadTooLargeError(f"the attachments add up to {_megabytes(total)}; one message can carry at most "
                                   f"{_megabytes(MAX_TOTAL_BYTES)} — send some in another reply")


def content_disposition(filename: str) -> str:
    """'attachment' with the name (RFC 6266): browsers download the file instead of showing it."""
    fallback = _KEY_UNSAFE.sub("_", unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode())
    return f"attachment; filename=\"{fallback.strip('._') or 'attachment'}\"; filename*=UTF-8''{quote(filename)}"


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
