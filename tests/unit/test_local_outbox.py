"""The local outbox reads each provider's send request back as channel, recipient and text."""
import pytest

from chalicelib.channels.outbound import ChannelConfig, Media, OutboundFile, build_send_request
from chalicelib.store.local_outbox import describe_request

CONFIG = ChannelConfig(whatsapp_phone_number_id="100000000000001", whatsapp_access_token="t",
                       messenger_page_access_token="t", telegram_bot_token="1:t", twilio_account_sid="AC1",
                       twilio_auth_token="t", twilio_from_number="+15550100000")


@pytest.mark.parametrize("channel, to, expected", [
    ("whatsapp", "+15551234567", ("whatsapp", "+15551234567")),
    ("messenger", "5678901234567890", ("messenger", "5678901234567890")),
    ("instagram", "1234567890123456", ("instagram", "1234567890123456")),  # Messenger's Send API, its own label
    ("telegram", "123456789", ("telegram", "123456789")),
    ("sms", "+15551234567", ("sms", "+15551234567")),
])
def test_a_send_request_is_described_by_channel_recipient_and_text(channel, to, expected):
    request = build_send_request(channel, to=to, text="Your parcel ships today ✓", config=CONFIG)

    described = describe_request(request)

    assert (described["channel"], described["recipient"]) == expected
    assert described["body"] == "Your parcel ships today ✓"


LINK = "http://127.0.0.1:8000/api/files/42/0123456789abcdef-Rechnung%20M%C3%A4rz.pdf?expires=1&signature=ab"


@pytest.mark.parametrize("channel, to, kind, expected", [
    ("whatsapp", "+15551234567", "document", ("whatsapp", "document")),
    ("whatsapp", "+15551234567", "image", ("whatsapp", "image")),
    ("messenger", "5678901234567890", "file", ("messenger", "file")),
    ("telegram", "123456789", "document", ("telegram", "document")),
    ("telegram", "123456789", "photo", ("telegram", "photo")),
    ("sms", "+15551234567", "media", ("sms", "mms")),
])
def test_a_media_message_is_described_with_its_file(channel, to, kind, expected):
    file = OutboundFile(url=LINK, filename="Rechnung März.pdf", content_type="application/pdf", size=2048)
    request = build_send_request(channel, to=to, config=CONFIG, media=[Media(kind, file)])

    described = describe_request(request)

    assert (described["channel"], described["media"][0]["type"]) == expected
    assert described["recipient"] == to
    assert described["media"] == [{"type": expected[1], "url": LINK, "filename": "Rechnung März.pdf"}]


def test_a_text_message_lists_no_media():
    request = build_send_request("telegram", to="1", text="hi", config=CONFIG)

    assert "media" not in describe_request(request)
