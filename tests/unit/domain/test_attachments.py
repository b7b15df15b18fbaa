"""Which files agents may attach, how they are named, and which uploads a message may name."""
import pytest

from chalicelib.domain import attachments as files
from chalicelib.errors import PayloadTooLargeError, ValidationError


@pytest.mark.parametrize("given, shown", [
    ("invoice.pdf", "invoice.pdf"),
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\jo\\Rechnung März.pdf", "Rechnung März.pdf"),
    ('a<b>"c".txt', "a_b_c_.txt"),
    ("...", "attachment"),
])
def test_names_lose_paths_and_characters_that_mean_something_elsewhere(given, shown):
    assert files.clean_filename(given) == shown


def test_long_names_are_shortened_keeping_the_extension():
    name = files.clean_filename("a" * 300 + ".pdf")
    assert len(name) == files.MAX_NAME_CHARS and name.endswith("a.pdf")


def test_the_type_is_guessed_from_the_name_when_the_browser_sent_none():
    assert files.checked_file("items.csv", "", 10).content_type == "text/csv"
    assert files.checked_file("photo.jpg", "application/octet-stream", 10).content_type == "image/jpeg"


@pytest.mark.parametrize("name, kind", [("page.html", "text/html"), ("page.html", "image/png"),
                                        ("logo.svg", "image/svg+xml"), ("setup.bat", "text/plain"),
                                        ("notes.log", "")])
def test_pages_programs_and_unknown_types_are_refused(name, kind):
    with pytest.raises(ValidationError, match="cannot be attached"):
        files.checked_file(name, kind, 10)


def test_sizes_are_bounded_per_file_and_per_message():
    with pytest.raises(PayloadTooLargeError, match="at most 5.0 MB"):
        files.checked_file("big.pdf", "application/pdf", files.MAX_FILE_BYTES + 1)
    with pytest.raises(ValidationError):
        files.checked_file("empty.pdf", "application/pdf", 0)
    with pytest.raises(PayloadTooLargeError, match="at most 7.0 MB"):
        files.check_total([files.MAX_FILE_BYTES, files.MAX_FILE_BYTES])


def test_an_upload_key_names_its_ticket_and_an_ascii_name():
    key = files.upload_key(12, "0123456789abcdef", "Rechnung März 2024.pdf")
    assert key == "uploads/12/0123456789abcdef-Rechnung_Marz_2024.pdf"
    assert files.stored_key(key) == "attachments/12/0123456789abcdef-Rechnung_Marz_2024.pdf"
    assert files.checked_references(12, [key, key]) == [key]


@pytest.mark.parametrize("reference, complaint", [
    ("uploads/13/0123456789abcdef-x.pdf", "uploaded to ticket 13, not ticket 12"),
    ("attachments/12/0123456789abcdef-x.pdf", "not a file uploaded"),
    ("uploads/12/../../secret", "not a file uploaded"),
])
def test_a_message_names_only_uploads_to_its_own_ticket(reference, complaint):
    with pytest.raises(ValidationError, match=complaint):
        files.checked_references(12, [reference])


def test_a_message_carries_at_most_five_files():
    keys = [files.upload_key(12, f"{n:016x}", "a.pdf") for n in range(files.MAX_FILES + 1)]
    with pytest.raises(ValidationError, match="at most 5"):
        files.checked_references(12, keys)


def test_files_are_always_downloaded_with_their_name():
    assert files.content_disposition("Rechnung März.pdf") == \
        "attachment; filename=\"Rechnung_Marz.pdf\"; filename*=UTF-8''Rechnung%20M%C3%A4rz.pdf"


def test_a_customers_message_names_uploads_to_its_conversation_in_the_customers_words():
    key = files.upload_key(12, "0123456789abcdef", "photo.png")
    assert files.checked_references(12, [key], conversation_id="c0ffee") == [key]
    with pytest.raises(ValidationError, match="uploaded to another conversation, not c0ffee") as refused:
        files.checked_references(13, [key], conversation_id="c0ffee")
    assert "ticket" not in str(refused.value)
    with pytest.raises(ValidationError, match="POST /api/sdk/conversations/c0ffee/attachments"):
        files.checked_references(12, ["attachments/12/0123456789abcdef-photo.png"], conversation_id="c0ffee")
    with pytest.raises(ValidationError, match="at most 5 attachments"):
        files.checked_references(12, [key] * 6, conversation_id="c0ffee")
