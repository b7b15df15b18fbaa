"""Turning the bytes of an email into text, whatever charset it claims (or wrongly claims).

Real mail lies about its charset: GB2312 labels on GBK text, Microsoft's ks_c_5601-1987 for
Korean, ISO-8859-1 labels on UTF-8, UTF-8 labels on Windows-1252, labels like "NONE", and raw
8-bit bytes in headers with no label at all. Every decoder here returns text and never raises.
"""
from __future__ import annotations

import base64
import binascii
import codecs
import re

# Labels mail clients use, mapped to the Python codecs that decode them best (supersets first).
_LABEL_CODECS: dict[str, tuple[str, ...]] = {
    "gb2312": ("gb18030",), "gbk": ("gb18030",), "x-gbk": ("gb18030",), "cp936": ("gb18030",),
    "euc-cn": ("gb18030",), "gb_2312-80": ("gb18030",), "csgb2312": ("gb18030",), "chinese": ("gb18030",),
    "ks_c_5601-1987": ("cp949",), "ks_c_5601": ("cp949",), "ks_c_5601-1989": ("cp949",),
    "euc-kr": ("cp949",), "ksc5601": ("cp949",), "korean": ("cp949",), "windows-949": ("cp949",),
    "shift_jis": ("cp932", "shift_jis_2004"), "shift-jis": ("cp932", "shift_jis_2004"),
    "sjis": ("cp932",), "x-sjis": ("cp932",), "ms_kanji": ("cp932",), "windows-31j": ("cp932",),
    "iso-2022-jp": ("iso2022_jp", "iso2022_jp_ext", "iso2022_jp_2", "iso2022_jp_2004"),
    "euc-jp": ("euc_jp", "euc_jis_2004"),
    "big5": ("big5hkscs",), "x-big5": ("big5hkscs",),
    "iso-8859-1": ("cp1252",), "latin1": ("cp1252",), "latin-1": ("cp1252",), "l1": ("cp1252",),
    "us-ascii": ("ascii",), "ascii": ("ascii",), "ansi_x3.4-1968": ("ascii",),
    "iso-8859-8-i": ("iso8859_8",), "tis-620": ("cp874",), "windows-874": ("cp874",),
    "utf8": ("utf-8",), "unicode-1-1-utf-7": ("utf-7",), "x-mac-cyrillic": ("mac_cyrillic",),
}
_UNKNOWN_LABELS = {"", "none", "unknown", "unknown-8bit", "x-unknown", "default", "8bit", "x-user-defined"}
_MULTIBYTE = re.compile(r"^(utf|gb18030|cp949|cp932|shift_jis|euc|big5|iso2022|hz|cp950)")
_SEVEN_BIT = re.compile(r"^(iso2022|utf_7|hz)")


def codecs_for(label: str | None) -> list[str]:
    """The Python codecs to try, in order, for a charset label; empty when the label is unknown."""
    name = (label or "").strip().strip("\"'").lower()
    if name in _UNKNOWN_LABELS:
        return []
    if name in _LABEL_CODECS:
        return list(_LABEL_CODECS[name])
    if not name.isascii():
        return []
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return []
    return [info.name] if getattr(info, "_is_text_encoding", True) and info.name not in ("idna", "punycode") else []


def _decodes(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeError, LookupError, ValueError):
        return None


def _western(data: bytes) -> str:
    """Windows-1252 where defined, Latin-1 for its five holes: the last resort, never fails."""
    return "".join(
        chunk.decode("cp1252", errors="strict") if _decodes(chunk, "cp1252") is not None else chunk.decode("latin-1")
        for chunk in re.split(rb"([\x81\x8d\x8f\x90\x9d])", data)
    )


def _mostly_utf8(data: bytes) -> bool:
    """True when invalid sequences are rare among the non-ASCII bytes (a few broken bytes in UTF-8 text)."""
    text = data.decode("utf-8", errors="replace")
    broken = text.count("\ufffd")
    non_ascii = sum(1 for ch in text if ord(ch) > 127)
    return broken * 10 <= non_ascii


def decode_text(data: bytes | None, label: str | None) -> str:
    """Decode a body or header's bytes using the declared charset label, with sensible fallbacks.

    A valid multi-byte UTF-8 body wins over a single-byte label (a common mislabel); otherwise the
    declared charset, then UTF-8, then a lenient decode of the likeliest charset.
    """
    if not data:
        return ""
    candidates = codecs_for(label)
    if data.isascii() and not any(_SEVEN_BIT.match(c) for c in candidates):
        return data.decode("ascii")
    if candidates and not _MULTIBYTE.match(candidates[0]):
        as_utf8 = _decodes(data, "utf-8")
        if as_utf8 is not None:
            return as_utf8
    for codec in [*candidates, "utf-8"]:
        text = _decodes(data, codec)
        if text is not None:
            return text
    primary = candidates[0] if candidates else "utf-8"
    if primary.startswith("utf_8") or primary == "utf-8":
        return data.decode("utf-8", errors="replace") if _mostly_utf8(data) else _western(data)
    if _MULTIBYTE.match(primary):
        return data.decode(primary, errors="replace")
    return _western(data)


def _cjk_shaped(data: bytes) -> bool:
    """Raw 8-bit text whose high bytes all come in even runs looks like a double-byte CJK charset."""
    runs = re.findall(rb"[\x80-\xff]+", data)
    return bool(runs) and all(len(run) % 2 == 0 for run in runs)


def decode_unlabelled(data: bytes, hints: tuple[str, ...] = ()) -> str:
    """Decode raw 8-bit header bytes that carry no charset: UTF-8, the message's own charsets, then guesses."""
    if data.isascii():
        return data.decode("ascii")
    text = _decodes(data, "utf-8")
    if text is not None:
        return text
    for label in hints:
        for codec in codecs_for(label):
            if _MULTIBYTE.match(codec) or not _cjk_shaped(data):
                text = _decodes(data, codec)
                if text is not None and "\ufffd" not in text:
                    return text
    if _cjk_shaped(data):
        text = _decodes(data, "gb18030")
        if text is not None:
            return text
    return _western(data)


_ENCODED_WORD = re.compile(r"=\?([^?\s]+?)(?:\*[^?\s]*)?\?([QqBb])\?(.*?)\?=", re.S)
_QP_BYTE = re.compile(rb"=([0-9A-Fa-f]{2})")


def _word_bytes(encoding: str, payload: str) -> bytes:
    raw = payload.encode("ascii", errors="surrogateescape")
    if encoding in "Bb":
        cleaned = re.sub(rb"[^A-Za-z0-9+/]", b"", raw)
        cleaned += b"=" * (-len(cleaned) % 4)
        try:
            return base64.b64decode(cleaned)
        except (binascii.Error, ValueError):
            return cleaned
    return _QP_BYTE.sub(lambda m: bytes([int(m.group(1), 16)]), raw.replace(b"_", b" "))


def _literal(text: str, hints: tuple[str, ...]) -> str:
    if any("\udc80" <= ch <= "\udcff" for ch in text):
        return decode_unlabelled(text.encode("utf-8", errors="surrogateescape"), hints)
    return text


def decode_words(value: str, hints: tuple[str, ...] = ()) -> str:
    """Decode RFC 2047 encoded words (and raw 8-bit bytes) in an unfolded header value.

    Adjacent encoded words in the same charset are joined before decoding, so a multi-byte
    character split across two words survives; whitespace between encoded words is dropped.
    """
    pieces: list[str] = []
    pending: list[tuple[str, bytes]] = []
    position = 0

    def flush() -> None:
        for charset, data in pending:
            pieces.append(decode_text(data, charset))
        pending.clear()

    for match in _ENCODED_WORD.finditer(value):
        between = value[position:match.start()]
        if between.strip() or not pending:
            flush()
            pieces.append(_literal(between, hints))
        charset, data = match.group(1).lower(), _word_bytes(match.group(2), match.group(3))
        if pending and pending[-1][0] == charset:
            pending[-1] = (charset, pending[-1][1] + data)
        else:
            pending.append((charset, data))
        position = match.end()
    flush()
    pieces.append(_literal(value[position:], hints))
    return "".join(pieces)


def unfold(value: str) -> str:
    """Join a folded header's lines (RFC 5322 unfolding: drop the line breaks, keep the blanks)."""
    return re.sub(r"\r?\n(?=[ \t])", "", value).strip("\r\n")
