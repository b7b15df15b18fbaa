"""Sending replies: provider requests, provider answers, the retry policy, and long replies in parts."""
import base64
import json
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.channels import outbound
from chalicelib.channels.http_sender import HttpResponse, NetworkError, RecordingSender, UrllibSender
from chalicelib.channels.outbound import ChannelConfig, build_send_request, parse_send_response
from chalicelib.errors import ValidationError

CONFIG = ChannelConfig(
    graph_api_version="v21.0",
    whatsapp_phone_number_id="106540352242922",
    whatsapp_access_token="EAAwa-token",
    messenger_page_access_token="EAApage-token",
    instagram_access_token="IGQig-token",
    telegram_bot_token="123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11",
    twilio_account_sid="ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    twilio_auth_token="twilio-secret",
    twilio_from_number="+14155552671",
)


def json_body(request):
    return json.loads(request.body.decode("utf-8"))


# --- requests ---------------------------------------------------------------


def test_whatsapp_request_follows_the_cloud_api():
    request = build_send_request("whatsapp", to="+972 98-765-4321", text="Your refund is on its way", config=CONFIG)

    assert (request.method, request.url) == ("POST", "https://graph.facebook.com/v21.0/106540352242922/messages")
    assert request.headers["Authorization"] == "Bearer EAAwa-token"
    assert request.headers["Content-Type"] == "application/json"
    assert json_body(request) == {"messaging_product": "whatsapp", "to": "972987654321", "type": "text",
                                  "text": {"body": "Your refund is on its way"}}


@pytest.mark.parametrize("channel, token", [("messenger", "EAApage-token"), ("instagram", "IGQig-token")])
def test_messenger_and_instagram_requests_follow_the_send_api(channel, token):
    request = build_send_request(channel, to="5678901234567890", text="Hello!", config=CONFIG)

    assert request.url == "https://graph.facebook.com/v21.0/me/messages"
    assert request.headers["Authorization"] == f"Bearer {token}"
    assert json_body(request) == {"recipient": {"id": "5678901234567890"}, "messaging_type": "RESPONSE", "message": {"text": "Hello!"}}


def test_graph_version_may_be_written_without_the_v():
    request = build_send_request("messenger", to="1", text="x", config=ChannelConfig(graph_api_version="19.0", messenger_page_access_token="t"))

    assert request.url == "https://graph.facebook.com/v19.0/me/messages"


def test_telegram_request_is_send_message():
    request = build_send_request("telegram", to="123456789", text="Привет 👋", config=CONFIG)

    assert request.url == "https://api.telegram.org/bot123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11/sendMessage"
    assert json_body(request) == {"chat_id": 123456789, "text": "Привет 👋"}


def test_twilio_request_is_form_encoded_with_basic_auth():
    request = build_send_request("sms", to="+14158675309", text="See you at 5 & bring the receipt", config=CONFIG)

    assert request.url == "https://api.twilio.com/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages.json"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    scheme, credentials = request.headers["Authorization"].split(" ")
    assert scheme == "Basic"
    assert base64.b64decode(credentials).decode() == "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:twilio-secret"
    assert parse_qs(request.body.decode()) == {"To": ["+14158675309"], "From": ["+14155552671"], "Body": ["See you at 5 & bring the receipt"]}


@pytest.mark.parametrize(
    "channel, to, text, config, message_part",
    [
        ("phone", "+14158675309", "hi", CONFIG, "cannot send"),
        ("whatsapp", "+14158675309", "hi", ChannelConfig(), "whatsapp_phone_number_id is not configured"),
        ("sms", "+14158675309", "hi", ChannelConfig(twilio_account_sid="AC1", twilio_auth_token="t"), "twilio_from_number"),
        ("whatsapp", "not-a-number", "hi", CONFIG, "international form"),
        ("telegram", "123", "   ", CONFIG, "empty"),
        ("messenger", "1", "x" * 2001, CONFIG, "at most 2000"),
    ],
)
def test_request_that_cannot_be_built_says_what_to_fix(channel, to, text, config, message_part):
    with pytest.raises(ValidationError) as raised:
        build_send_request(channel, to=to, text=text, config=config)

    assert message_part in raised.value.message


def test_config_repr_does_not_show_secrets():
    assert "twilio-secret" not in repr(CONFIG) and "EAAwa-token" not in repr(CONFIG)


# --- responses --------------------------------------------------------------


@pytest.mark.parametrize(
    "channel, status, body, expected_id",
    [
        ("whatsapp", 200, {"messaging_product": "whatsapp", "contacts": [{"input": "16505551234", "wa_id": "16505551234"}],
                           "messages": [{"id": "wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"}]},
         "wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"),
        ("messenger", 200, {"recipient_id": "5678901234567890", "message_id": "m_AG5Hz2Uq7tuwNEhXfYYKj8mJ"}, "m_AG5Hz2Uq7tuwNEhXfYYKj8mJ"),
        ("instagram", 200, {"recipient_id": "1234567890123456", "message_id": "aWdfZAG1faXRlbToxOk"}, "aWdfZAG1faXRlbToxOk"),
        ("telegram", 200, {"ok": True, "result": {"message_id": 51, "chat": {"id": 123456789, "type": "private"}, "date": 1718041800, "text": "Hi"}}, "123456789:51"),
        ("sms", 201, {"sid": "SM2c7a6b1c4e8f4c1b9e0d3a5f7b2c6d8e", "status": "queued"}, "SM2c7a6b1c4e8f4c1b9e0d3a5f7b2c6d8e"),
    ],
)
def test_successful_send_yields_the_provider_message_id(channel, status, body, expected_id):
    result = parse_send_response(channel, status, json.dumps(body).encode())

    assert result.ok and result.provider_message_id == expected_id and result.error is None


@pytest.mark.parametrize(
    "channel, status, body, error_part",
    [
        ("whatsapp", 400, {"error": {"message": "(#131030) Recipient phone number not in allowed list", "type": "OAuthException", "code": 131030,
                                     "error_data": {"messaging_product": "whatsapp", "details": "Recipient phone number not in allowed list"}}},
         "Recipient phone number not in allowed list"),
        ("messenger", 400, {"error": {"message": "(#10) This message is sent outside of allowed window.", "type": "OAuthException", "code": 10, "error_subcode": 2018278}},
         "outside of allowed window"),
        ("telegram", 403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}, "bot was blocked"),
        ("sms", 400, {"code": 21211, "message": "The 'To' number +1555 is not a valid phone number.", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400},
         "21211"),
    ],
)
def test_refused_send_explains_why(channel, status, body, error_part):
    result = parse_send_response(channel, status, json.dumps(body))

    assert not result.ok and result.provider_message_id is None
    assert error_part in result.error and str(status) in result.error


def test_non_json_error_page_is_reported_as_text():
    result = parse_send_response("telegram", 502, b"<html>Bad Gateway</html>")

    assert "502" in result.error and "Bad Gateway" in result.error


# --- retry policy -----------------------------------------------------------


@pytest.mark.parametrize("status, retry", [(None, True), (429, True), (500, True), (503, True), (200, False), (400, False), (401, False), (404, False)])
def test_should_retry_only_rate_limits_server_errors_and_network_errors(status, retry):
    assert outbound.should_retry(status) is retry


def test_backoff_grows_exponentially_up_to_the_cap_with_full_jitter():
    top = [outbound.backoff_seconds(n, base=0.5, cap=4.0, rand=lambda: 0.999999) for n in range(1, 7)]
    bottom = outbound.backoff_seconds(3, base=0.5, cap=4.0, rand=lambda: 0.0)

    assert [round(t, 3) for t in top] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert bottom == 0.0


def test_backoff_never_comes_back_sooner_than_retry_after():
    assert outbound.backoff_seconds(1, retry_after=7.0, rand=lambda: 0.5) == 7.0


def test_retry_after_reads_seconds_and_http_dates():
    now = lambda: datetime(2024, 6, 10, 17, 40, 0, tzinfo=timezone.utc)  # noqa: E731

    assert outbound.parse_retry_after("120") == 120.0
    assert outbound.parse_retry_after("Mon, 10 Jun 2024 17:40:30 GMT", now=now) == 30.0
    assert outbound.parse_retry_after("soon") is None
    assert outbound.parse_retry_after(None) is None


class ScriptedSender:
    """Answers with the given responses in order (an exception instance is raised)."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls = 0

    def __call__(self, request):
        self.calls += 1
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


OK = HttpResponse(200, json.dumps({"recipient_id": "1", "message_id": "m_1"}).encode())
REQUEST = build_send_request("messenger", to="1", text="hi", config=CONFIG)


def test_rate_limited_send_waits_as_asked_then_succeeds():
    sleeps = []
    sender = ScriptedSender(HttpResponse(429, b"{}", {"Retry-After": "2"}), OK)

    outcome = outbound.send(REQUEST, sender, max_attempts=4, sleep=sleeps.append, rand=lambda: 0.25)

    assert outcome.response.status == 200 and outcome.attempts == 2 and not outcome.gave_up
    assert sleeps == [2.0] == outcome.delays


def test_server_errors_are_retried_with_growing_delays_then_given_up():
    sleeps = []
    sender = ScriptedSender(*[HttpResponse(503, b"busy")] * 3)

    outcome = outbound.send(REQUEST, sender, max_attempts=3, sleep=sleeps.append, rand=lambda: 0.999999, base_delay=1.0)

    assert sender.calls == 3
    assert outcome.gave_up and outcome.response.status == 503
    assert "503 after 3 attempts" in outcome.error
    assert [round(s, 3) for s in sleeps] == [1.0, 2.0]


def test_client_errors_are_not_retried():
    sleeps = []
    sender = ScriptedSender(HttpResponse(400, b'{"error": {"message": "bad", "code": 100}}'))

    outcome = outbound.send(REQUEST, sender, max_attempts=4, sleep=sleeps.append)

    assert sender.calls == 1 and sleeps == [] and not outcome.gave_up


def test_network_error_is_retried():
    sleeps = []
    sender = ScriptedSender(NetworkError("could not reach graph.facebook.com: timed out"), OK)

    outcome = outbound.send(REQUEST, sender, max_attempts=2, sleep=sleeps.append, rand=lambda: 0.5)

    assert outcome.response.status == 200 and len(sleeps) == 1


def test_network_errors_until_the_end_report_the_last_failure():
    sender = ScriptedSender(*[NetworkError("could not reach api.telegram.org: refused")] * 2)

    outcome = outbound.send(REQUEST, sender, max_attempts=2, sleep=lambda s: None)

    assert outcome.response is None and outcome.gave_up and "refused" in outcome.error


def test_retry_after_longer_than_we_may_wait_gives_up_at_once_and_reports_it():
    sleeps = []
    sender = ScriptedSender(HttpResponse(429, b"{}", {"retry-after": "3600"}), OK)

    outcome = outbound.send(REQUEST, sender, max_attempts=4, sleep=sleeps.append, max_delay=20.0)

    assert sleeps == [] and sender.calls == 1
    assert outcome.gave_up and outcome.retry_after == 3600.0


def test_telegram_retry_after_in_the_body_is_honoured():
    sleeps = []
    limited = HttpResponse(429, json.dumps({"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 5",
                                            "parameters": {"retry_after": 5}}).encode())
    sender = ScriptedSender(limited, OK)

    outbound.send(REQUEST, sender, sleep=sleeps.append, rand=lambda: 0.1)

    assert sleeps == [5.0]


def test_deliver_records_into_the_outbox_and_returns_the_provider_id():
    outbox = []
    sender = RecordingSender(outbox.append, respond=outbound.simulated_response)

    result = outbound.deliver("whatsapp", to="+16505551234", text="Hello", config=CONFIG, sender=sender, sleep=lambda s: None)

    assert result.ok and result.provider_message_id.startswith("wamid.")
    assert len(outbox) == 1 and json_body(outbox[0])["to"] == "16505551234"


@pytest.mark.parametrize("channel, to", [("messenger", "1"), ("instagram", "2"), ("telegram", "-100123"), ("sms", "+14158675309")])
def test_simulated_provider_answers_parse_as_success(channel, to):
    sender = RecordingSender(respond=outbound.simulated_response)

    assert outbound.deliver(channel, to=to, text="hi", config=CONFIG, sender=sender).ok


def test_deliver_gives_up_after_max_attempts_and_returns_the_failure():
    sleeps = []
    sender = ScriptedSender(*[HttpResponse(500, b'{"error": {"message": "An unknown error occurred", "code": 1}}')] * 3)

    result = outbound.deliver("messenger", to="1", text="hi", config=CONFIG, sender=sender, max_attempts=3, sleep=sleeps.append)

    assert not result.ok and "unknown error" in result.error and "3 attempts" in result.error
    assert len(sleeps) == 2


# --- the real HTTP sender, against a local server ---------------------------


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server API)
        length = int(self.headers.get("Content-Length") or 0)
        received = self.rfile.read(length)
        status = 404 if self.path.endswith("/missing") else 200
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"path": self.path, "echo": received.decode(), "auth": self.headers.get("Authorization")}).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def local_server():
    server = HTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_urllib_sender_posts_the_request_and_returns_the_answer(local_server):
    request = outbound.HttpRequest("POST", f"{local_server}/v21.0/me/messages", {"Authorization": "Bearer t", "Content-Type": "application/json"}, b'{"a": 1}')

    response = UrllibSender(timeout_seconds=5)(request)

    assert response.status == 200
    assert json.loads(response.body) == {"path": "/v21.0/me/messages", "echo": '{"a": 1}', "auth": "Bearer t"}
    assert response.header("content-type") == "application/json"


def test_urllib_sender_returns_http_errors_instead_of_raising(local_server):
    response = UrllibSender(timeout_seconds=5)(outbound.HttpRequest("POST", f"{local_server}/missing", {}, b"x"))

    assert response.status == 404


def test_urllib_sender_raises_network_error_when_nobody_answers():
    with HTTPServer(("127.0.0.1", 0), _Handler) as closed:
        port = closed.server_port  # bound then closed: nothing listens there

    with pytest.raises(NetworkError) as raised:
        UrllibSender(timeout_seconds=5)(outbound.HttpRequest("POST", f"http://127.0.0.1:{port}/x", {}, b""))

    assert "127.0.0.1" in raised.value.message


# --- long replies -----------------------------------------------------------


def paragraph(sentences: int, words: str = "The parcel left our warehouse this morning") -> str:
    return " ".join(f"{words} ({n})." for n in range(sentences))


def test_a_reply_within_the_limit_is_one_part():
    assert outbound.split_text("  Your refund is on its way.\n", 100) == ["Your refund is on its way."]


def test_paragraphs_that_fit_are_kept_whole():
    first, second, third = paragraph(10), paragraph(10), paragraph(10)

    parts = outbound.split_text(f"{first}\n\n{second}\n\n{third}", len(first) * 2 + 10)

    assert parts == [f"{first}\n\n{second}", third]


def test_a_paragraph_longer_than_the_limit_is_cut_after_a_sentence():
    text = paragraph(40)

    parts = outbound.split_text(text, 500)

    assert len(parts) > 1 and all(part.endswith(").") for part in parts)
    assert " ".join(parts) == text


def test_a_sentence_longer_than_the_limit_is_cut_between_words():
    text = " ".join(["word"] * 300)

    parts = outbound.split_text(text, 100)

    assert all(len(part) <= 100 and not part.startswith(" ") and part.endswith("word") for part in parts)
    assert " ".join(parts) == text


def test_a_word_longer_than_the_limit_is_cut_where_the_limit_falls():
    assert outbound.split_text("x" * 250, 100) == ["x" * 100, "x" * 100, "x" * 50]


def test_length_counts_utf16_units_so_emoji_count_twice():
    parts = outbound.split_text("🎉" * 150, 100)

    assert outbound.text_length("🎉") == 2
    assert [len(part) for part in parts] == [50, 50, 50]


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.sampled_from("ab .!?\n🎉é"), min_size=1, max_size=600),
       limit=st.integers(min_value=2, max_value=80))
def test_parts_fit_the_limit_and_keep_every_character_in_order(text, limit):
    parts = outbound.split_text(text, limit)

    if text.strip():
        assert all(part.strip() and outbound.text_length(part) <= limit for part in parts)
    assert "".join("".join(part.split()) for part in parts) == "".join(text.split())


@pytest.mark.parametrize("channel", outbound.SENDABLE_CHANNELS)
def test_every_part_of_a_long_reply_can_be_sent_on_its_channel(channel):
    limit = outbound.MAX_TEXT_LENGTH[channel]
    text = "\n\n".join(paragraph(30) for _ in range(12))
    to = "123456789" if channel in ("messenger", "instagram", "telegram") else "+14158675309"

    parts = outbound.split_text(text, limit)

    assert len(parts) > 1
    for part in parts:
        build_send_request(channel, to=to, text=part, config=CONFIG)


def recording_provider(refuse_call: int | None = None):
    """A sender that answers like the provider; the refuse_call-th request (1-based) gets a 400."""
    sender = RecordingSender(respond=lambda request: (
        HttpResponse(400, b'{"error": {"message": "Message too long", "code": 100}}')
        if len(sender.requests) == refuse_call else outbound.simulated_response(request)))
    return sender


def test_a_long_reply_goes_out_in_parts_in_order():
    sender, progress = recording_provider(), []
    text = "\n\n".join(paragraph(30) for _ in range(3))

    result = outbound.deliver_reply("whatsapp", to="+16505551234", text=text, config=CONFIG, sender=sender,
                                    on_sent=lambda index, provider_id: progress.append((index, provider_id)))

    bodies = [json_body(request)["text"]["body"] for request in sender.requests]
    assert result.ok and result.parts == len(bodies) > 1
    assert bodies == outbound.split_text(text, 4096) and "\n\n".join(bodies) == text
    assert progress == list(enumerate(result.provider_message_ids))[:-1]


def test_a_retry_resumes_after_the_parts_already_sent():
    sender = recording_provider()
    text = "\n\n".join(paragraph(30) for _ in range(3))
    parts = outbound.split_text(text, 2000)

    result = outbound.deliver_reply("messenger", to="1", text=text, config=CONFIG, sender=sender,
                                    sent=["m_first"])

    assert [json_body(r)["message"]["text"] for r in sender.requests] == parts[1:]
    assert result.ok and result.provider_message_ids[0] == "m_first" and len(result.provider_message_ids) == len(parts)


def test_a_part_the_provider_refuses_stops_the_reply_and_says_which():
    sender = recording_provider(refuse_call=2)
    text = "\n\n".join(paragraph(30) for _ in range(3))

    result = outbound.deliver_reply("messenger", to="1", text=text, config=CONFIG, sender=sender, sleep=lambda s: None)

    assert not result.ok and len(sender.requests) == 2 and len(result.provider_message_ids) == 1
    assert result.error.startswith(f"part 2 of {result.parts}: HTTP 400") and "Message too long" in result.error


# --- files as the providers' own media messages ------------------------------


def a_file(name="photo.png", content_type="image/png", size=120_000, url=None):
    return outbound.OutboundFile(url=url or f"https://help.example.com/api/files/7/0123456789abcdef-{name}?sig=1",
                                 filename=name, content_type=content_type, size=size)


def media(kind, file):
    return (outbound.Media(kind, file),)


@pytest.mark.parametrize("kind, file, content", [
    ("image", a_file(), {"link": a_file().url}),
    ("document", a_file("manual.pdf", "application/pdf"), {"link": a_file("manual.pdf").url, "filename": "manual.pdf"}),
    ("audio", a_file("hold.mp3", "audio/mpeg"), {"link": a_file("hold.mp3").url}),
    ("video", a_file("howto.mp4", "video/mp4"), {"link": a_file("howto.mp4").url}),
])
def test_whatsapp_media_message_is_sent_by_link_as_the_cloud_api_documents(kind, file, content):
    request = build_send_request("whatsapp", to="+16505551234", config=CONFIG, media=media(kind, file))

    assert (request.method, request.url) == ("POST", "https://graph.facebook.com/v21.0/106540352242922/messages")
    assert request.headers["Authorization"] == "Bearer EAAwa-token"
    assert json_body(request) == {"messaging_product": "whatsapp", "to": "16505551234", "type": kind, kind: content}


@pytest.mark.parametrize("channel, kind", [("messenger", "image"), ("messenger", "file"), ("instagram", "video")])
def test_messenger_and_instagram_media_is_an_attachment_by_url_that_is_not_kept_for_reuse(channel, kind):
    file = a_file()

    request = build_send_request(channel, to="5678901234567890", config=CONFIG, media=media(kind, file))

    assert request.url == "https://graph.facebook.com/v21.0/me/messages"
    assert json_body(request) == {"recipient": {"id": "5678901234567890"}, "messaging_type": "RESPONSE",
                                  "message": {"attachment": {"type": kind,
                                                             "payload": {"url": file.url, "is_reusable": False}}}}


@pytest.mark.parametrize("kind, method, file, extra", [
    ("photo", "sendPhoto", a_file(), {}),
    ("document", "sendDocument", a_file("manual.pdf", "application/pdf"), {"caption": "manual.pdf"}),
    ("audio", "sendAudio", a_file("hold.mp3", "audio/mpeg"), {"caption": "hold.mp3"}),
    ("video", "sendVideo", a_file("howto.mp4", "video/mp4"), {"caption": "howto.mp4"}),
])
def test_telegram_media_is_sent_with_the_url_as_the_file(kind, method, file, extra):
    request = build_send_request("telegram", to="-100123456", config=CONFIG, media=media(kind, file))

    assert request.url == f"https://api.telegram.org/bot123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11/{method}"
    assert json_body(request) == {"chat_id": -100123456, kind: file.url, **extra}


def test_twilio_mms_names_each_file_in_a_media_url_parameter_and_has_no_body():
    first, second = a_file("a.png"), a_file("b.pdf", "application/pdf")

    request = build_send_request("sms", to="+14158675309", config=CONFIG,
                                 media=(outbound.Media("media", first), outbound.Media("media", second)))

    assert request.url == "https://api.twilio.com/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages.json"
    assert parse_qs(request.body.decode()) == {"To": ["+14158675309"], "From": ["+14155552671"],
                                               "MediaUrl": [first.url, second.url]}


@pytest.mark.parametrize("channel, items, text, message_part", [
    ("whatsapp", [("sticker", a_file())], "", "no media type 'sticker'"),
    ("instagram", [("file", a_file())], "", "no media type 'file'"),
    ("telegram", [("photo", a_file()), ("photo", a_file())], "", "at most 1 file"),
    ("sms", [("media", a_file())] * 11, "", "at most 10 file"),
    ("messenger", [("image", a_file(url="file:///etc/passwd"))], "", "http(s) URL"),
    ("whatsapp", [("image", a_file())], "caption", "no text"),
])
def test_a_media_message_that_cannot_be_built_says_why(channel, items, text, message_part):
    with pytest.raises(ValidationError) as raised:
        build_send_request(channel, to="+14158675309", text=text, config=CONFIG,
                           media=[outbound.Media(kind, file) for kind, file in items])

    assert message_part in raised.value.message


@pytest.mark.parametrize("channel, file, kind", [
    ("whatsapp", a_file(), "image"),
    ("whatsapp", a_file(size=5_100_000), "document"),  # over the 5 MB of an image: still the file, as a document
    ("whatsapp", a_file("anim.gif", "image/gif"), "document"),
    ("whatsapp", a_file("data.zip", "application/zip"), "document"),
    ("whatsapp", a_file("hold.mp3", "audio/mpeg"), "audio"),
    ("whatsapp", a_file("howto.mp4", "video/mp4"), "video"),
    ("messenger", a_file("anim.gif", "image/gif"), "image"),
    ("messenger", a_file("manual.pdf", "application/pdf"), "file"),
    ("instagram", a_file("shot.jpg", "image/jpeg"), "image"),
    ("instagram", a_file("howto.mp4", "video/mp4"), "video"),
    ("instagram", a_file("manual.pdf", "application/pdf"), None),  # Instagram takes no documents
    ("instagram", a_file("hold.mp3", "audio/mpeg"), None),  # nor MP3
    ("telegram", a_file(), "photo"),
    ("telegram", a_file(size=5_100_000), None),  # photos by URL: 5 MB; sendDocument by URL takes no PNG
    ("telegram", a_file("manual.pdf", "application/pdf"), "document"),
    ("telegram", a_file("data.zip", "application/zip"), "document"),
    ("telegram", a_file("items.csv", "text/csv"), None),  # sendDocument by URL: GIF, PDF and ZIP only
    ("telegram", a_file("hold.mp3", "audio/mpeg"), "audio"),
    ("sms", a_file("manual.pdf", "application/pdf"), "media"),
    ("sms", a_file("data.zip", "application/zip"), None),
    ("sms", a_file("sticker.webp", "image/webp"), None),
    ("whatsapp", outbound.OutboundFile(url="", filename="x.png", content_type="image/png", size=1), None),  # no link
    ("whatsapp", a_file(size=0), None),  # size not known
])
def test_a_file_goes_as_the_channels_own_media_only_where_its_type_and_size_fit(channel, file, kind):
    messages, left = outbound.native_media(channel, [file])

    assert (messages, left) == (([media(kind, file)], []) if kind else ([], [file]))


def test_sms_files_share_mms_messages_of_at_most_5_mb_and_10_files():
    big = [a_file(f"scan{n}.jpg", "image/jpeg", size=2_000_000) for n in range(3)]
    small = [a_file(f"s{n}.png", size=1_000) for n in range(11)]

    messages, left = outbound.native_media("sms", [*big, *small])

    assert [[m.file for m in message] for message in messages] == [big[:2], [big[2], *small[:9]], small[9:]]
    assert left == []


def test_files_keep_their_order_and_those_the_channel_cannot_take_are_left():
    pdf, csv, photo = a_file("manual.pdf", "application/pdf"), a_file("items.csv", "text/csv"), a_file()

    messages, left = outbound.native_media("telegram", [pdf, csv, photo])

    assert messages == [media("document", pdf), media("photo", photo)] and left == [csv]


def test_a_reply_with_files_sends_the_text_then_one_media_message_per_file():
    sender, progress = recording_provider(), []
    pdf, photo = a_file("manual.pdf", "application/pdf"), a_file()
    text = "\n\n".join(paragraph(30) for _ in range(3))

    result = outbound.deliver_reply("whatsapp", to="+16505551234", text=text, config=CONFIG, sender=sender,
                                    media=[media("document", pdf), media("image", photo)],
                                    on_sent=lambda index, provider_id: progress.append((index, provider_id)))

    sent = [json_body(request) for request in sender.requests]
    texts = outbound.split_text(text, 4096)
    assert [body["type"] for body in sent] == ["text"] * len(texts) + ["document", "image"]
    assert [body["text"]["body"] for body in sent[:len(texts)]] == texts
    assert (sent[-2]["document"]["link"], sent[-1]["image"]["link"]) == (pdf.url, photo.url)
    assert result.ok and result.parts == len(sent) == len(result.provider_message_ids)
    assert progress == list(enumerate(result.provider_message_ids))[:-1]


def test_a_retry_resumes_with_the_files_not_sent_yet():
    sender = recording_provider()
    pdf, zipped = a_file("manual.pdf", "application/pdf"), a_file("data.zip", "application/zip")

    result = outbound.deliver_reply("telegram", to="42", text="See the files.", config=CONFIG, sender=sender,
                                    media=[media("document", pdf), media("document", zipped)],
                                    sent=["42:1", "42:2"])

    assert [request.url.rsplit("/", 1)[1] for request in sender.requests] == ["sendDocument"]
    assert json_body(sender.requests[0])["document"] == zipped.url
    assert result.ok and result.provider_message_ids[:2] == ["42:1", "42:2"] and len(result.provider_message_ids) == 3


def test_a_file_the_provider_refuses_fails_the_reply_and_says_which_part():
    sender = recording_provider(refuse_call=2)

    result = outbound.deliver_reply("messenger", to="1", text="Here it is.", config=CONFIG, sender=sender,
                                    media=[media("file", a_file("manual.pdf", "application/pdf"))],
                                    sleep=lambda s: None)

    assert not result.ok and len(result.provider_message_ids) == 1 and result.error.startswith("part 2 of 2: HTTP 400")


@pytest.mark.parametrize("channel, kind, to", [
    ("whatsapp", "image", "+16505551234"), ("messenger", "file", "1"), ("instagram", "image", "2"),
    ("telegram", "photo", "-100123"), ("telegram", "document", "5"), ("sms", "media", "+14158675309"),
])
def test_simulated_provider_answers_media_messages_like_text(channel, kind, to):
    sender = RecordingSender(respond=outbound.simulated_response)

    assert outbound.deliver(channel, to=to, media=media(kind, a_file()), config=CONFIG, sender=sender).ok
