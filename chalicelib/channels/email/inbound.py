"""Parsing inbound email into what a ticket needs: who, about what, the new text, files, and its kind.

The stdlib parser with ``policy.default`` reads the message. Where it stumbles we fall back:
headers it garbles (unknown charsets, GB2312 labels on GBK text, raw 8-bit bytes) are decoded
again from their raw form; multiparts whose boundary it misreads are re-read with ``compat32``,
and failing that the boundary is recovered from the body; bodies are decoded from their bytes
with our own charset rules (see ``charsets``). Parsing never fails on malformed MIME.
"""
from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import collapse_rfc2231_value, getaddresses

from chalicelib.channels.email import charsets, noise, quotes
from chalicelib.channels.email.html import html_to_text, sanitize_html, text_to_html
from chalicelib.errors import ParleyError

_MAX_DEPTH = 40
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
_SUBJECT_TOKEN = re.compile(r"\[#(\d{1,18})\]")
_PLUS_TOKEN = re.compile(r"^[^@+\s]+\+t(\d{1,18})@", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.I)
_BOUNDARY_LINE = re.compile(rb"^--([^\s\"]{1,200}?)(--)?[ \t]*\r?$", re.M)
_HEADER_LIKE = re.compile(rb"^[A-Za-z][A-Za-z0-9-]*[ \t]*:", re.M)
_LOST_BOUNDARY = {"StartBoundaryNotFoundDefect", "NoBoundaryInMultipartDefect", "MultipartInvariantViolationDefect"}


class UnparseableEmailError(ParleyError):
    """The bytes hold nothing that can be read as an email (no headers and no body)."""

    code = "unparseable_email"


@dataclass(frozen=True)
class Attachment:
    """A file that came with an email; inline images carry the Content-ID the HTML refers to (cid:...)."""

    filename: str
    content_type: str
    content: bytes
    content_id: str | None
    inline: bool


@dataclass(frozen=True)
class InboundEmail:
    """One received email, decoded and classified. ``suppress_auto_reply`` marks mail Parley must not answer
    automatically (machine mail, mailing lists, bulk senders) even when it opens a ticket."""

    message_id: str | None
    from_address: str
    from_name: str
    to: list[str]
    cc: list[str]
    reply_to: list[str]
    subject: str
    text: str
    html: str | None
    reply_text: str
    in_reply_to: str | None
    references: list[str]
    attachments: list[Attachment]
    kind: str
    bounced_recipients: list[str]
    defects: list[str]
    suppress_auto_reply: bool = False


@dataclass
class _Segment:
    """A piece of body: its text/plain form, its HTML form, or both (from a multipart/alternative)."""

    plain: str | None = None
    html: str | None = None


@dataclass
class _Body:
    segments: list[_Segment] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    content_types: set[str] = field(default_factory=set)
    report_types: set[str] = field(default_factory=set)
    delivery_status: list[dict[str, str]] = field(default_factory=list)


def _garbled(value: str) -> bool:
    return "\ufffd" in value or any("\udc80" <= ch <= "\udcff" for ch in value)


class _Headers:
    """Decoded header values: policy.default first, our own RFC 2047 decoding when it garbles them."""

    def __init__(self, message: Message, hints: tuple[str, ...]):
        self._message = message
        self._hints = hints
        self.raw: dict[str, list[str]] = {}
        for name, value in message.raw_items():
            self.raw.setdefault(name.lower(), []).append(value if isinstance(value, str) else str(value))

    def text(self, name: str) -> str:
        values = self.raw.get(name)
        if not values:
            return ""
        try:
            value = str(self._message[name])
        except Exception:  # noqa: BLE001 - any header the policy cannot parse falls back to raw decoding
            value = None
        if value is None or _garbled(value):
            value = charsets.decode_words(charsets.unfold(values[0]), self._hints)
        return value.strip("\r\n")

    def decoded(self) -> dict[str, list[str]]:
        """Every header, lower-case name to decoded values (for the classifier)."""
        return {
            name: [charsets.decode_words(charsets.unfold(v), self._hints).strip() for v in values]
            for name, values in self.raw.items()
        }

    def addresses(self, name: str) -> list[tuple[str, str]]:
        """(display name, lower-case addr-spec) pairs of an address header, all occurrences."""
        values = self.raw.get(name)
        if not values:
            return []
        try:
            pairs = [
                (address.display_name, address.addr_spec)
                for header in self._message.get_all(name, [])
                for address in header.addresses
            ]
            if not any(_garbled(n) or _garbled(a) for n, a in pairs) and pairs:
                return [(n, a.lower()) for n, a in pairs if a and a != "<>"]
        except Exception:  # noqa: BLE001 - fall back to the lenient stdlib address splitter
            pass
        pairs = getaddresses([charsets.unfold(v) for v in values])
        return [
            (charsets.decode_words(n, self._hints).strip(), charsets.decode_words(a, self._hints).strip().lower())
            for n, a in pairs
            if a
        ]


def _message_ids(value: str) -> list[str]:
    found = _MESSAGE_ID.findall(value)
    if found:
        return found
    return [token.strip("<>") for token in value.split() if "@" in token]


def _param(part: Message, name: str, header: str = "content-type") -> str | None:
    try:
        value = part.get_param(name, header=header)
    except Exception:  # noqa: BLE001
        return None
    if value is None:
        return None
    return str(collapse_rfc2231_value(value)) if isinstance(value, tuple) else str(value)


def _filename(part: Message, hints: tuple[str, ...]) -> str | None:
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001
        name = None
    if name is None:
        name = _param(part, "name")
    if not name:
        return None
    name = str(name)
    if _garbled(name):
        name = _raw_filename(part) or name
    name = charsets.decode_words(charsets.unfold(name), hints)
    name = re.split(r"[\\/]", name)[-1]
    return re.sub(r"[\x00-\x1f\x7f]", "", name).strip() or None


def _raw_filename(part: Message) -> str | None:
    """The filename parameter as sent, before a policy replaced its undeclared 8-bit bytes."""
    for header, param in (("content-disposition", "filename"), ("content-type", "name")):
        for name, value in part.raw_items():
            pattern = rf'\b{param}\s*=\s*"([^"]*)"|\b{param}\s*=\s*([^;\s]+)'
            match = name.lower() == header and re.search(pattern, str(value))
            if match:
                return match.group(1) if match.group(1) is not None else match.group(2)
    return None


def _disposition(part: Message) -> str:
    try:
        return (part.get_content_disposition() or "").lower()
    except Exception:  # noqa: BLE001
        return ""


def _payload_bytes(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001
        data = None
    if isinstance(data, bytes):
        return data
    payload = part.get_payload()
    if isinstance(payload, str):
        return payload.encode("utf-8", errors="surrogateescape")
    return b""


def _serialized(message: Message) -> bytes:
    for render in (lambda: message.as_bytes(), lambda: message.as_string().encode("utf-8", "surrogateescape")):
        try:
            return render()
        except Exception:  # noqa: BLE001
            continue
    return b""


def _guess_boundary(data: bytes, declared: str | None) -> bytes | None:
    """The boundary a broken multipart really uses: a '--token' line followed by part headers."""
    counts: dict[bytes, int] = {}
    for match in _BOUNDARY_LINE.finditer(data):
        after = data[match.end():match.end() + 200].lstrip(b"\r\n")
        if match.group(2) or _HEADER_LIKE.match(after):
            counts[match.group(1)] = counts.get(match.group(1), 0) + 1
    if not counts:
        return None
    if declared and declared.strip().encode("ascii", "ignore") in counts:
        return declared.strip().encode("ascii", "ignore")
    return max(counts, key=lambda token: counts[token])


def _recover_parts(part: Message) -> list[Message] | None:
    payload = part.get_payload()
    if not isinstance(payload, str):
        return None
    data = payload.encode("utf-8", errors="surrogateescape")
    try:
        declared = part.get_boundary()
    except Exception:  # noqa: BLE001
        declared = None
    boundary = _guess_boundary(data, declared)
    if not boundary:
        return None
    synthetic = b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\r\n\r\n' + data
    children = BytesParser(policy=policy.default).parsebytes(synthetic).get_payload()
    return children if isinstance(children, list) and children else None


class _Walker:
    """Collects body segments, attachments and report facts from a MIME tree, top to bottom."""

    def __init__(self, hints: tuple[str, ...]):
        self.body = _Body()
        self._hints = hints

    def visit(self, part: Message, depth: int = 0) -> list[_Segment]:
        self.body.defects.extend(type(defect).__name__ for defect in getattr(part, "defects", []))
        if depth > _MAX_DEPTH:
            self.body.defects.append("NestingTooDeep")
            return []
        content_type = part.get_content_type()
        self.body.content_types.add(content_type)
        if content_type in ("message/delivery-status", "message/global-delivery-status"):
            self._delivery_status(part)
            return []
        if content_type.startswith("message/"):
            self._attach_message(part, content_type)
            return []
        if content_type.startswith("multipart/") or part.is_multipart():
            return self._multipart(part, content_type, depth)
        if content_type in ("text/plain", "text/html") and _disposition(part) != "attachment" and not _filename(
            part, self._hints
        ):
            return [self._text_segment(part, content_type)]
        self._attach(part, content_type)
        return []

    def _multipart(self, part: Message, content_type: str, depth: int) -> list[_Segment]:
        if content_type == "multipart/report":
            self.body.report_types.add((_param(part, "report-type") or "").strip().lower())
        children = part.get_payload()
        if not isinstance(children, list) or not children:
            children = _recover_parts(part)
            if children is None:
                return [self._loose_text(part)]
        if content_type == "multipart/alternative":
            return [self._alternative(children, depth)]
        segments: list[_Segment] = []
        for child in children:
            segments.extend(self.visit(child, depth + 1))
        return segments

    def _alternative(self, children: list[Message], depth: int) -> _Segment:
        """One segment from the alternatives: the first plain text and the last (richest) HTML."""
        merged = _Segment()
        for child in children:
            for segment in self.visit(child, depth + 1):
                if segment.plain is not None and segment.plain.strip() and merged.plain is None:
                    merged.plain = segment.plain
                if segment.html is not None:
                    merged.html = segment.html
        return merged

    def _text_segment(self, part: Message, content_type: str) -> _Segment:
        data = _payload_bytes(part)
        label = _param(part, "charset")
        if content_type == "text/html":
            if not label:
                sniffed = _META_CHARSET.search(data[:4096])
                label = sniffed.group(1).decode("ascii") if sniffed else None
            return _Segment(html=charsets.decode_text(data, label))
        return _Segment(plain=charsets.decode_text(data, label))

    def _loose_text(self, part: Message) -> _Segment:
        """A multipart whose parts cannot be found: its body read as text (HTML when it looks like HTML)."""
        data = _payload_bytes(part)
        text = charsets.decode_text(data, _param(part, "charset"))
        if re.search(r"<(?:html|body|div|p|table)\b", text[:4096], re.I):
            return _Segment(html=text)
        return _Segment(plain=text)

    def _delivery_status(self, part: Message) -> None:
        payload = part.get_payload()
        blocks: list[dict[str, str]] = []
        if isinstance(payload, list):
            for block in payload:
                blocks.append({name.lower(): str(value) for name, value in block.raw_items()})
        else:
            text = charsets.decode_text(_payload_bytes(part), None)
            for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
                fields = dict(re.findall(r"^([A-Za-z-]+)\s*:\s*(.*)$", chunk, re.M))
                blocks.append({name.lower(): value for name, value in fields.items()})
        self.body.delivery_status.extend(block for block in blocks if block)

    def _attach_message(self, part: Message, content_type: str) -> None:
        payload = part.get_payload()
        if isinstance(payload, list) and payload:
            inner = payload[0]
            content = _serialized(inner)
            subject = str(inner.get("subject", "") or "")
        else:
            content, subject = _payload_bytes(part), ""
        name = _filename(part, self._hints)
        if not name:
            title = charsets.decode_words(charsets.unfold(subject), self._hints).strip() if subject else ""
            name = (re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", title).strip()[:100] or "message") + ".eml"
        self.body.attachments.append(Attachment(name, content_type, content, None, False))

    def _attach(self, part: Message, content_type: str) -> None:
        content_id = part.get("content-id")
        content_id = str(content_id).strip().strip("<>").strip() if content_id else None
        disposition = _disposition(part)
        name = _filename(part, self._hints)
        if not name:
            fallback = ".txt" if content_type.startswith("text/") else ".bin"
            extension = mimetypes.guess_extension(content_type) or fallback
            name = f"attachment-{len(self.body.attachments) + 1}{extension}"
        inline = disposition == "inline" or (bool(content_id) and disposition != "attachment")
        self.body.attachments.append(
            Attachment(name, content_type, _payload_bytes(part), content_id or None, inline)
        )


def _lost_boundaries(message: Message) -> bool:
    return any(
        type(defect).__name__ in _LOST_BOUNDARY for part in message.walk() for defect in getattr(part, "defects", [])
    )


def _defect_names(message: Message) -> list[str]:
    """MIME defects policy.default noticed, even where a fallback then read the part correctly."""
    return [type(defect).__name__ for part in message.walk() for defect in getattr(part, "defects", [])]


def _body_root(raw: bytes, message: Message) -> Message:
    """The tree to read bodies from: compat32's when policy.default lost a multipart boundary it can find."""
    if not _lost_boundaries(message):
        return message
    legacy = BytesParser(policy=policy.compat32).parsebytes(raw)
    return legacy if not _lost_boundaries(legacy) else message


def _charset_hints(message: Message) -> tuple[str, ...]:
    hints: list[str] = []
    for part in message.walk():
        label = _param(part, "charset")
        if label and label.lower() not in hints and label.lower() not in ("us-ascii", "ascii"):
            hints.append(label.lower())
    return tuple(hints)


def _assemble_text(segments: list[_Segment]) -> str:
    pieces = []
    for segment in segments:
        piece = segment.plain if segment.plain is not None else html_to_text(segment.html or "")
        piece = piece.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
        if piece.strip():
            pieces.append(piece)
    return "\n\n".join(pieces).strip()


def _assemble_html(segments: list[_Segment]) -> str | None:
    if not any(segment.html is not None for segment in segments):
        return None
    pieces = [segment.html if segment.html is not None else text_to_html(segment.plain or "") for segment in segments]
    return sanitize_html("\n".join(pieces))


def parse_email(raw: bytes) -> InboundEmail:
    """Parse raw RFC 822 bytes into an InboundEmail; best effort on malformed MIME, never a crash.

    Raises UnparseableEmailError only when there is nothing to read (empty input, no headers and no body).
    """
    if not isinstance(raw, (bytes, bytearray, memoryview)):
        raise UnparseableEmailError(f"an email must be given as raw bytes, not {type(raw).__name__}")
    raw = bytes(raw)
    if not raw.strip():
        raise UnparseableEmailError("the email is empty: it has no headers and no body")
    message = BytesParser(policy=policy.default).parsebytes(raw)
    hints = _charset_hints(message)
    headers = _Headers(message, hints)
    walker = _Walker(hints)
    segments = walker.visit(_body_root(raw, message))
    body = walker.body
    text = _assemble_text(segments)
    if not headers.raw and not text and not body.attachments:
        raise UnparseableEmailError(f"no headers and no body could be read from the {len(raw)} bytes given")

    senders = headers.addresses("from") or headers.addresses("sender")
    from_name, from_address = senders[0] if senders else ("", "")
    subject = headers.text("subject")
    verdict = noise.classify(
        noise.MailFacts(
            headers=headers.decoded(),
            subject=subject,
            from_address=from_address,
            from_name=from_name,
            text=text,
            report_types=frozenset(body.report_types),
            content_types=frozenset(body.content_types),
            delivery_status=tuple(body.delivery_status),
        )
    )
    message_ids = _message_ids(headers.text("message-id"))
    in_reply_to = _message_ids(headers.text("in-reply-to"))
    return InboundEmail(
        message_id=message_ids[0] if message_ids else None,
        from_address=from_address,
        from_name=from_name,
        to=[address for _, address in headers.addresses("to")],
        cc=[address for _, address in headers.addresses("cc")],
        reply_to=[address for _, address in headers.addresses("reply-to")],
        subject=subject,
        text=text,
        html=_assemble_html(segments),
        reply_text=quotes.extract_reply(text) if text else "",
        in_reply_to=in_reply_to[0] if in_reply_to else None,
        references=_message_ids(headers.text("references")),
        attachments=body.attachments,
        kind=verdict.kind,
        bounced_recipients=verdict.bounced_recipients,
        defects=list(dict.fromkeys(_defect_names(message) + body.defects)),
        suppress_auto_reply=verdict.suppress_auto_reply,
    )


def find_ticket_token(subject: str, addresses: list[str]) -> int | None:
    """The ticket an email names: '[#1234]' in the subject, or a plus-address like 'support+t1234@domain'."""
    match = _SUBJECT_TOKEN.search(subject or "")
    if match:
        return int(match.group(1))
    for address in addresses:
        match = _PLUS_TOKEN.match((address or "").strip().strip("<>"))
        if match:
            return int(match.group(1))
    return None
