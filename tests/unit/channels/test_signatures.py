"""Webhook signatures: real requests verify, forged ones are refused."""
import ast
from urllib.parse import parse_qs

import pytest

from chalicelib.channels.signatures import (
    meta_signature,
    meta_subscription_challenge,
    twilio_body_hash,
    twilio_signature,
    verify_meta_signature,
    verify_meta_subscription,
    verify_telegram_secret,
    verify_twilio_signature,
)
from chalicelib.errors import ForbiddenError
from tests.corpus import WEBHOOK_DIR

TWILIO_VECTORS_FILE = WEBHOOK_DIR / "twilio__twilio-python__test_request_validator.py.txt"


def _twilio_vectors():
    """The literal values of twilio-python's validator test: setUp fields and per-test `expected`."""
    tree = ast.parse(TWILIO_VECTORS_FILE.read_text(encoding="utf-8"))
    values, per_test = {}, {}
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef):
            continue
        for node in ast.walk(function):
            if not isinstance(node, ast.Assign) or len(node.targets) != 1:
                continue
            target = node.targets[0]
            name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", None)
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                continue
            if function.name == "setUp":
                values[name] = value
            elif name == "expected":
                per_test[function.name] = value
    return values, per_test


VECTORS, PER_TEST = _twilio_vectors()
TOKEN, URI, PARAMS = VECTORS["token"], VECTORS["uri"], VECTORS["params"]


def test_twilio_vectors_are_read_from_the_corpus():
    assert TOKEN == "12345"
    assert VECTORS["expected"] == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    assert len(PER_TEST) >= 3


def test_twilio_signature_matches_published_vector():
    assert twilio_signature(TOKEN, URI, PARAMS) == VECTORS["expected"]
    assert verify_twilio_signature(TOKEN, URI, PARAMS, VECTORS["expected"])


def test_twilio_duplicate_keys_sort_and_dedupe_values():
    pairs = [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234"), ("Digits", "1234")]
    as_lists = parse_qs("Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234&Digits=1234")

    assert twilio_signature(TOKEN, URI, pairs) == VECTORS["duplicate_expected"]
    assert twilio_signature(TOKEN, URI, as_lists) == VECTORS["duplicate_expected"]


def test_twilio_accepts_a_signature_made_without_the_port_we_were_called_on():
    assert verify_twilio_signature(TOKEN, URI.replace(".com", ".com:1234"), PARAMS, VECTORS["expected"])


def test_twilio_http_url_with_explicit_port():
    uri = URI.replace(".com", ".com:1234").replace("https", "http")

    assert verify_twilio_signature(TOKEN, uri, PARAMS, PER_TEST["test_validation_removes_port_on_http"])


def test_twilio_accepts_a_signature_made_with_the_standard_https_port():
    assert verify_twilio_signature(TOKEN, URI, PARAMS, PER_TEST["test_validation_adds_port_on_https"])


def test_twilio_accepts_a_signature_made_with_the_standard_http_port():
    uri = URI.replace("https", "http")

    assert verify_twilio_signature(TOKEN, uri, PARAMS, PER_TEST["test_validation_adds_port_on_http"])


def test_twilio_json_body_is_checked_through_body_sha256():
    uri = URI + "&bodySHA256=" + VECTORS["bodyHash"]

    assert twilio_body_hash(VECTORS["body"]) == VECTORS["bodyHash"]
    assert verify_twilio_signature(TOKEN, uri, VECTORS["body"], "a9nBmqA0ju/hNViExpshrM61xv4=")
    assert verify_twilio_signature(TOKEN, uri, VECTORS["body"].encode(), "a9nBmqA0ju/hNViExpshrM61xv4=")


@pytest.mark.parametrize(
    "token, uri, params, signature",
    [
        ("54321", URI, PARAMS, VECTORS["expected"]),  # wrong auth token
        (TOKEN, URI, {**PARAMS, "Digits": "9999"}, VECTORS["expected"]),  # tampered parameter
        (TOKEN, URI.replace("mycompany", "attacker"), PARAMS, VECTORS["expected"]),  # other URL
        (TOKEN, URI, PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B9="),  # forged signature
        (TOKEN, URI, PARAMS, ""),
        (TOKEN, URI, PARAMS, None),
        ("", URI, PARAMS, VECTORS["expected"]),  # no token configured
    ],
)
def test_twilio_forged_or_tampered_requests_are_refused(token, uri, params, signature):
    assert verify_twilio_signature(token, uri, params, signature) is False


def test_twilio_json_body_changed_after_signing_is_refused():
    uri = URI + "&bodySHA256=" + VECTORS["bodyHash"]

    assert not verify_twilio_signature(TOKEN, uri, '{"property": "other", "boolean": true}', "a9nBmqA0ju/hNViExpshrM61xv4=")


# --- Meta -------------------------------------------------------------------

META_SECRET = "It's a Secret to Everybody"
META_BODY = b"Hello, World!"
META_HEADER = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"


def test_meta_signature_matches_published_vector():
    assert meta_signature(META_SECRET, META_BODY) == META_HEADER
    assert verify_meta_signature(META_SECRET, META_BODY, META_HEADER)
    assert verify_meta_signature(META_SECRET, META_BODY.decode(), META_HEADER.upper().replace("SHA256=", "sha256="))


@pytest.mark.parametrize(
    "secret, body, header",
    [
        ("another secret", META_BODY, META_HEADER),
        (META_SECRET, b"Hello, World?", META_HEADER),
        (META_SECRET, META_BODY, META_HEADER[:-1] + "f"),
        (META_SECRET, META_BODY, META_HEADER.removeprefix("sha256=")),
        (META_SECRET, META_BODY, "sha1=" + "0" * 40),
        (META_SECRET, META_BODY, None),
        ("", META_BODY, meta_signature("", META_BODY)),
    ],
)
def test_meta_forged_signatures_are_refused(secret, body, header):
    assert verify_meta_signature(secret, body, header) is False


def test_meta_handshake_echoes_the_challenge_for_the_right_token():
    params = {"hub.mode": "subscribe", "hub.verify_token": "parley-verify", "hub.challenge": "1158201444"}

    assert meta_subscription_challenge(params, "parley-verify") == "1158201444"
    assert meta_subscription_challenge(parse_qs("hub.mode=subscribe&hub.verify_token=parley-verify&hub.challenge=77"), "parley-verify") == "77"
    assert verify_meta_subscription(params, "parley-verify")


@pytest.mark.parametrize(
    "params, reason",
    [
        ({"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"}, "verify token"),
        ({"hub.mode": "unsubscribe", "hub.verify_token": "parley-verify", "hub.challenge": "1"}, "hub.mode"),
        ({"hub.mode": "subscribe", "hub.verify_token": "parley-verify"}, "hub.challenge"),
    ],
)
def test_meta_handshake_is_refused_otherwise(params, reason):
    with pytest.raises(ForbiddenError) as raised:
        meta_subscription_challenge(params, "parley-verify")

    assert reason in raised.value.message
    assert not verify_meta_subscription(params, "parley-verify")


def test_meta_handshake_is_refused_when_no_verify_token_is_configured():
    assert not verify_meta_subscription({"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}, "")


# --- Telegram ---------------------------------------------------------------


def test_telegram_secret_token_must_match_exactly():
    assert verify_telegram_secret("s3cr3t-Token_1", "s3cr3t-Token_1")
    assert not verify_telegram_secret("s3cr3t-Token_1", "s3cr3t-Token_2")
    assert not verify_telegram_secret("s3cr3t-Token_1", None)
    assert not verify_telegram_secret("", "")


def test_twilio_raw_form_body_verifies_like_the_parsed_form():
    raw = "CallSid=CA1234567890ABCDE&Digits=1234&From=%2B14158675309&To=%2B18005551212&Caller=%2B14158675309"

    assert verify_twilio_signature(TOKEN, URI, raw, VECTORS["expected"])
    assert verify_twilio_signature(TOKEN, URI, raw.encode(), VECTORS["expected"])
    assert not verify_twilio_signature(TOKEN, URI, raw.replace("1234&", "9999&"), VECTORS["expected"])
