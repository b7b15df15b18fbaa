"""Finding the new content of an email reply: quoted history and trailing footers removed.

Every line is marked (e blank, m quoted with '>', s splitter such as "On ... wrote:" or an
Outlook header block, f forward marker, t text) and the quotation is cut from the marks:

* a splitter followed by unquoted text (Outlook, Yahoo, "-----Original Message-----")
  cuts everything from the splitter on;
* a splitter or quoted lines followed by '>' lines cuts from there to the last quoted line and
  keeps the text below it (quote-on-top replies keep their answer);
* replies written between quoted lines (inline answers) and forwarded mail are kept whole,
  because the answer makes no sense without the question.

A signature written above the quote (the customer's "Sent from my iPhone" or "-- " block) is
part of what they typed and stays; a signature left below the removed quotation goes with it.
When stripping would leave nothing, the full text is returned.
"""
from __future__ import annotations

import re

_LEADS = (
    r"On|Am|Le|El|Op|Il|Em|Den|På|W dniu|Dne|Dňa|Vào|Στις|В|У|Pada|Tanggal|Il giorno|"
    r"En|Quoting|Zitat von|Citando|Cytuję|Citat"
)
_WROTE = (
    r"wrote|writes|sent|schrieb|schreef|geschreven|verzond|a écrit|a ecrit|escribió|escribio|ha escrito|"
    r"escreveu|scrisse|ha scritto|skrev|skrivit|kirjoitti|napisał|napisała|napisal|napsal|napsala|"
    r"написал|написала|написав|написала\(а\)|пише|írta|yazdı|έγραψε|kaj|het geskryf|menulis|"
    r"đã viết|写道|寫道|のメッセージ|님이 작성"
)
_WROTE_WORDS = tuple(word.replace("\\(", "(").replace("\\)", ")").lower() for word in _WROTE.split("|"))


def _names_a_writer(text: str) -> bool:
    """Cheap pre-check: does the text contain one of the "wrote" verbs at all?"""
    lowered = text.lower()
    return any(word in lowered for word in _WROTE_WORDS)


# "On <date>, <name> wrote:" in many languages; may wrap over up to three lines (joined with a space).
_ATTRIBUTION_START = re.compile(rf"^[-\s]*(?:(?:{_LEADS})\b|[0-9０-９])", re.I)
_ATTRIBUTION_END = re.compile(rf"(?:{_WROTE})\b.{{0,80}}[:：]\s*-*\s*$", re.I)
# "---- John Smith wrote ----"
_DASHED_ATTRIBUTION = re.compile(rf"^\s*-{{2,}}.{{0,200}}?(?:{_WROTE})\s*[:：]?\s*-{{2,}}\s*$", re.I)
# "Bob Smith <bob@example.com> wrote:" - one line naming an address, no leading date.
_ADDRESS_WROTE = re.compile(rf"^.{{0,250}}\S+@\S+.{{0,60}}?\b(?:{_WROTE})\s*[:：]\s*$", re.I)
# "2014-10-17 11:28 GMT+03:00 Bob <bob@example.com>:" - a date and an address, no verb.
_DATE_ADDRESS = re.compile(r"^\s*\d[\d\-./, ]{5,}.{0,120}?\s<?[^\s<>]+@[^\s<>]+>?\s*[:：]?\s*$")
_ORIGINAL_MESSAGE = re.compile(
    r"^\s*-{2,}\s*(?:Original Message|Reply Message|Ursprüngliche Nachricht|Antwort Nachricht|Originalnachricht|"
    r"Message d'origine|Mensaje original|Mensagem original|Messaggio originale|Oorspronkelijk bericht|"
    r"Oprindelig meddelelse|Opprinnelig melding|Ursprungligt meddelande|Alkuperäinen viesti|"
    r"Исходное сообщение|Původní zpráva|Wiadomość oryginalna|Eredeti üzenet|原始邮件|元のメッセージ)\s*-{2,}\s*$",
    re.I,
)
_FORWARDED = re.compile(
    r"^\s*(?:-{2,}\s*(?:Forwarded message|Forwarded Message|Weitergeleitete Nachricht|Message transféré|"
    r"Mensaje reenviado|Mensagem encaminhada|Messaggio inoltrato|Doorgestuurd bericht)\s*-{2,}|"
    r"Begin forwarded message:)\s*$",
    re.I,
)
_HEADER_NAMES = (
    r"From|Sent|Date|To|Cc|Subject|Von|Gesendet|Datum|An|Betreff|De|Envoyé|Date|À|A|Objet|Van|Verzonden|"
    r"Aan|Onderwerp|Da|Inviato|Oggetto|Enviado|Para|Asunto|Assunto|Från|Skickat|Till|Ämne|Fra|Sendt|Til|"
    r"Emne|От|Отправлено|Дата|Кому|Тема|Od|Wysłano|Do|Temat|Odesláno|Komu|Předmět|Feladó|Küldve|Címzett|Tárgy"
)
_HEADER_LINE = re.compile(rf"^\s*[*]?(?P<name>{_HEADER_NAMES})[*]?\s*[:：]\s*\S", re.I)
_FROM_NAMES = {"from", "von", "de", "van", "da", "från", "fra", "от", "od", "feladó"}
_WHEN_OR_TOPIC = {
    "sent", "date", "subject", "gesendet", "datum", "betreff", "envoyé", "objet", "verzonden", "onderwerp",
    "inviato", "oggetto", "enviado", "asunto", "assunto", "skickat", "ämne", "sendt", "emne", "отправлено",
    "дата", "тема", "wysłano", "temat", "odesláno", "předmět", "küldve", "tárgy",
}
_UNDERSCORES = re.compile(r"^\s*_{10,}\s*$")
_QUOTED = re.compile(r"^\s*>")
_SIGNATURE_START = re.compile(
    r"^(?:--\s*|__+\s*|Sent from my .*|Sent from .* (?:for|on) .*|Get Outlook for .*|Sent with .*|"
    r"Enviado desde .*|Envoyé de mon .*|Von meinem .* gesendet.*|Verzonden vanaf .*|Inviato da .*)$",
    re.I,
)
_MAX_LINES = 2000
_SPLITTER_SPAN = 3


def _header_block_length(lines: list[str], start: int) -> int:
    """How many lines from start form an Outlook-style header block ("From: ... Sent: ... To: ...")."""
    names: list[str] = []
    index = start
    while index < len(lines):
        match = _HEADER_LINE.match(lines[index])
        if match:
            names.append(match.group("name").lower())
        elif not (names and lines[index][:1] in " \t" and lines[index].strip()):
            break
        index += 1
    if len(names) >= 2 and names[0] in _FROM_NAMES | _WHEN_OR_TOPIC and any(n in _WHEN_OR_TOPIC for n in names):
        return index - start
    return 0


def _is_attribution(text: str) -> bool:
    """An attribution line such as "On Mon, 2 Apr 2012, Bob <bob@example.com> wrote:" (any language)."""
    if len(text) > 400:
        return False
    if not _names_a_writer(text):
        return False
    if _ATTRIBUTION_START.match(text) and _ATTRIBUTION_END.search(text[-160:]):
        return True
    return text.lstrip().startswith("--") and bool(_DASHED_ATTRIBUTION.match(text))


def _could_end_attribution(line: str) -> bool:
    """Cheap pre-check: attribution lines end with ':' (or dashes), or name an address."""
    tail = line.rstrip()[-1:]
    return tail in (":", "：", "-") or "@" in line


def _splitter_length(lines: list[str], start: int) -> int:
    """How many lines starting at start form a splitter (attribution, original-message line, header block)."""
    line = lines[start]
    stripped = line.strip()
    if stripped[:1] == "-" and _ORIGINAL_MESSAGE.match(line):
        return 1
    if stripped[:1] == "_" and _UNDERSCORES.match(line):
        following = next((i for i in range(start + 1, len(lines)) if lines[i].strip()), None)
        if following is not None and _header_block_length(lines, following):
            return following - start + _header_block_length(lines, following)
        return 0
    block = _header_block_length(lines, start) if (":" in line or "：" in line) else 0
    if block:
        return block
    window = lines[start:start + _SPLITTER_SPAN]
    if not any(_could_end_attribution(part) for part in window):
        return 0
    for span in range(1, _SPLITTER_SPAN + 1):
        chunk = lines[start:start + span]
        if len(chunk) < span or (span > 1 and not chunk[-1].strip()):
            break
        joined = " ".join(part.strip() for part in chunk)
        if len(joined) > 400:
            break
        if _is_attribution(joined) or ("@" in joined and _DATE_ADDRESS.match(joined)):
            return span
        if span == 1 and "@" in joined and _names_a_writer(joined) and _ADDRESS_WROTE.match(joined):
            return span
    return 0


def _mark(lines: list[str]) -> str:
    marks = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            marks.append("e")
        elif _QUOTED.match(line):
            marks.append("m")
        elif _FORWARDED.match(line):
            marks.append("f")
        else:
            span = _splitter_length(lines, index)
            if span:
                marks.extend("s" * span)
                index += span
                continue
            marks.append("t")
        index += 1
    return "".join(marks)


def _drop_trailing_signature(tail: list[str]) -> list[str]:
    """Lines kept below a removed quotation, unless they are only a signature or mailer footer."""
    first = next((line for line in tail if line.strip()), None)
    if first is not None and _SIGNATURE_START.match(first.strip()):
        return []
    return tail


def _cut(lines: list[str], marks: str) -> list[str]:
    if re.match(r"[te]*f", marks):
        return lines
    if re.search(r"(?<=m)e*t[te]*m", marks):
        return lines
    after_splitter = re.search(r"(?:se*)+(?:[tf]+e*)+", marks)
    if after_splitter:
        return lines[:after_splitter.start()]
    quotation = re.search(r"((?:s|m).*me*)[te]*$", marks) or re.search(r"((?:se*)+|(?:me*)+)e*$", marks)
    if quotation:
        return lines[:quotation.start(1)] + _drop_trailing_signature(lines[quotation.end(1):])
    return lines


_INLINE_LEAD = re.compile(rf"\s(?=(?:{_LEADS})\s)")


def _split_shared_line(line: str) -> list[str]:
    """'Thanks! On Mon, Bob wrote:' on one line becomes the reply and the attribution on two."""
    if len(line) > 500 or not re.search(rf"(?:{_WROTE})\s*[:：]\s*$", line):
        return [line]
    for match in _INLINE_LEAD.finditer(line):
        head, tail = line[:match.start()], line[match.end():]
        if head.strip() and not _QUOTED.match(line) and _is_attribution(tail):
            return [head, tail]
    return [line]


def extract_reply(text: str) -> str:
    """The new content of a message: quoted history removed; the full text when nothing else is left."""
    normalized = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [piece for line in normalized.split("\n") for piece in _split_shared_line(line)]
    head, rest = lines[:_MAX_LINES], lines[_MAX_LINES:]
    kept = _cut(head, _mark(head))
    reply = "\n".join(kept if len(kept) < len(head) else head + rest).strip()
    return reply or normalized.strip()
