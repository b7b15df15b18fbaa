"""The local outbox reads each provider's send request back as channel, recipient and text."""
import pytest

from chalicelib.channels.outbound import ChannelConfig, build_send_request
from chalicelib.store.local_outbox import describe_request

CONFIG = ChannelConfig(whatsapp_phone_number_id="100000000000001", whatsapp_access_token="t",
                       messenger_page_access_token="t", telegram_bot_token="1:t", twilio_account_sid="AC1",
                       twilio_auth_token="t", twilio_from_number="+15550100000")


@pytest.mark.parametrize("channel, to, expected", [
    ("whatsapp", "+15551234567", ("whatsapp", "+15551234567")),
    ("messenger", "5678901234567890", ("messenger", "5678901234567890")),
    ("instagram", "1234567890123456", ("messenger", "1234567890123456")),  # same Send API as Messenger
    ("telegram", "123456789", ("telegram", "123456789")),
    ("sms", "+15551234567", ("sms", "+15551234567")),
])
def test_a_send_request_is_described_by_channel_recipient_and_text(channel, to, expected):
    request = build_send_request(channel, to=to, text="Your parcel ships today ✓", config=CONFIG)

    described = describe_request(request)

    assert (described["channel"], described["recipient"]) == expected
    assert described["body"] == "Your parcel ships today ✓"
