"""A messaging-channel reply's files: the channel's own media messages where it takes them, links in the text else."""
import pytest

from chalicelib.services import outbound_delivery


def attachment(name, content_type, size=20_000):
    return {"key": f"attachments/42/0123456789abcdef-{name}", "filename": name, "content_type": content_type,
            "size": size, "inline": False}


PDF, CSV, PHOTO = (attachment("manual.pdf", "application/pdf"), attachment("items.csv", "text/csv"),
                   attachment("photo.png", "image/png"))


@pytest.fixture
def links(monkeypatch):
    monkeypatch.setattr(outbound_delivery, "customer_link",
                        lambda a: f"https://help.example.com/api/files/{a['key'].split('/', 1)[1]}?signature=s")


def test_files_the_channel_takes_go_as_media_after_an_unchanged_text(links):
    message = {"body": "Here you are.", "attachments": [PDF, PHOTO]}

    text, media = outbound_delivery._text_and_media("telegram", message)

    assert text == "Here you are."
    assert [(m.kind, m.file.filename, m.file.url) for (m,) in media] == [
        ("document", "manual.pdf", "https://help.example.com/api/files/42/0123456789abcdef-manual.pdf?signature=s"),
        ("photo", "photo.png", "https://help.example.com/api/files/42/0123456789abcdef-photo.png?signature=s")]


def test_a_file_the_channel_cannot_take_is_a_link_under_the_text(links):
    message = {"body": "Here you are.", "attachments": [CSV, PDF]}

    text, media = outbound_delivery._text_and_media("telegram", message)

    assert text == ("Here you are.\n\n"
                    "items.csv: https://help.example.com/api/files/42/0123456789abcdef-items.csv?signature=s")
    assert [m.file.filename for (m,) in media] == ["manual.pdf"]


def test_without_a_public_url_files_are_named_in_the_text_and_nothing_is_sent_as_media(monkeypatch):
    monkeypatch.setattr(outbound_delivery, "customer_link", lambda a: None)

    text, media = outbound_delivery._text_and_media("whatsapp", {"body": "Attached.", "attachments": [PDF, PHOTO]})

    assert (text, media) == ("Attached.\n\nmanual.pdf\nphoto.png", [])


def test_a_reply_without_files_is_its_text(links):
    assert outbound_delivery._text_and_media("sms", {"body": "Thanks!"}) == ("Thanks!", [])
