"""Every real email in the shared corpus parses the way its manifest says it should."""
import csv

import pytest

from chalicelib.channels.email import parse_email
from tests.corpus import EMAIL_DIR


def _manifest() -> list[dict[str, str]]:
    with open(EMAIL_DIR / "MANIFEST.tsv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


ROWS = _manifest()


def _unescape(value: str) -> str:
    return value.replace("\\t", "\t").replace("\\n", "\n")


@pytest.fixture(scope="module")
def parsed():
    return {row["file"]: parse_email((EMAIL_DIR / row["file"]).read_bytes()) for row in ROWS}


def test_corpus_manifest_lists_every_eml_file():
    listed = {row["file"] for row in ROWS}
    on_disk = {path.name for path in EMAIL_DIR.glob("*.eml")}
    assert listed == on_disk and len(listed) > 30


@pytest.mark.parametrize("row", ROWS, ids=[row["file"] for row in ROWS])
def test_corpus_email_parses_as_its_manifest_says(row, parsed):
    # given a real email from the corpus / when it is parsed
    email = parsed[row["file"]]

    # then sender, subject and kind match the manifest
    assert email.from_address == row["from_address"].lower()
    assert email.subject == _unescape(row["subject_decoded"])
    machine_mail = row["should_create_ticket"] == "no"
    assert (email.kind != "message") == machine_mail, f"kind {email.kind}"
    if machine_mail:
        assert email.suppress_auto_reply


EXPECTED = [row for row in ROWS if row["expected_reply_text"]]


@pytest.mark.parametrize("row", EXPECTED, ids=[row["file"] for row in EXPECTED])
def test_corpus_reply_text_equals_the_expected_text(row, parsed):
    expected = (EMAIL_DIR / row["expected_reply_text"]).read_text(encoding="utf-8")

    assert parsed[row["file"]].reply_text.strip() == expected.strip()


TALON = [row for row in ROWS if row["source_repo"] == "mailgun/talon"]


@pytest.mark.parametrize("row", TALON, ids=[row["file"] for row in TALON])
def test_corpus_reply_keeps_no_quoted_line_and_no_quoted_header(row, parsed):
    email = parsed[row["file"]]

    assert email.reply_text.strip()
    assert not [line for line in email.reply_text.splitlines() if line.lstrip().startswith(">")]
    assert "From:" not in email.reply_text


ATTACHMENTS = [row for row in ROWS if row["kind"] == "attachment"]


@pytest.mark.parametrize("row", ATTACHMENTS, ids=[row["file"] for row in ATTACHMENTS])
def test_corpus_attachments_are_found_with_decoded_names(row, parsed):
    attachments = parsed[row["file"]].attachments

    assert attachments
    for attachment in attachments:
        assert attachment.content, attachment.filename
        assert attachment.filename and "=?" not in attachment.filename
        assert "\ufffd" not in attachment.filename or row["file"] == "flanker__outlook-express.eml"


HTML_ONLY = [row for row in ROWS if row["kind"] == "html"]


@pytest.mark.parametrize("row", HTML_ONLY, ids=[row["file"] for row in HTML_ONLY])
def test_corpus_html_mail_gets_readable_text_and_safe_html(row, parsed):
    email = parsed[row["file"]]

    assert email.text.strip() and "<" not in email.text.split("\n")[0]
    assert email.html and "<script" not in email.html.lower() and "<style" not in email.html.lower()


def test_corpus_bounces_name_the_failed_recipient_and_delays_name_none(parsed):
    assert parsed["sisimai__lhost-gmail-01.eml"].bounced_recipients == ["userunknown@example.jp"]
    assert parsed["sisimai__lhost-postfix-09.eml"].bounced_recipients == ["kijitora@example.ne.jp"]
    assert parsed["flanker__bounce-office365.eml"].bounced_recipients == ["noname@example.com"]
    assert parsed["mikel-mail__report_422.eml"].kind == "bounce"
    assert parsed["mikel-mail__report_422.eml"].bounced_recipients == []


def test_corpus_odd_charsets_decode_to_real_text(parsed):
    assert "すみません" in parsed["mikel-mail__japanese_iso_2022.eml"].text
    assert "你好" in parsed["mail-parser__mail_test_12.eml"].text
    assert parsed["mail-parser__mail_test_12.eml"].from_name == "张先生"
    assert "Вопрос" in parsed["thunderbird__sample05.eml"].text
    assert parsed["mikel-mail__raw_email_bad_time.eml"].from_name == "Атиковa"
    assert "\ufffd" not in parsed["mikel-mail__ks_c_5601-1987.eml"].text


def test_corpus_broken_multipart_still_yields_its_body(parsed):
    assert "Some body" in parsed["flanker__missing-final-boundary.eml"].text
    assert "Toallero" in parsed["mail-parser__mail_malformed_3.eml"].text
    assert "MailScanner" in parsed["mikel-mail__raw_email_bad_time.eml"].text
    assert parsed["mikel-mail__multiple_content_types.eml"].text == "foo"
    assert "CloseBoundaryNotFoundDefect" in parsed["flanker__missing-final-boundary.eml"].defects


def test_corpus_whole_body_attachment_becomes_the_only_attachment(parsed):
    email = parsed["flanker__outlook-express.eml"]

    assert email.text == ""
    assert [a.content_type for a in email.attachments] == ["application/octet-stream"]
    assert email.attachments[0].filename.endswith(".txt")
