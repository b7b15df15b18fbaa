"""The local SMTP listener's side of the contract: which recipients it takes, and the SES event it builds."""
import json

from aws_lambda_powertools.utilities.parser.models import SesModel

from local.smtp import accepts, ses_receipt_event
from tests.corpus import WEBHOOK_DIR

RAW = (b"From: Ann Example <ann@example.com>\r\nTo: support@parley.test\r\nCc: bob@example.com\r\n"
       b"Subject: Printer on fire\r\nMessage-ID: <x1@example.com>\r\nDate: Tue, 24 Nov 2026 09:00:00 +0000\r\n"
       b"\r\nIt burns.\r\n")


def test_the_support_address_and_its_plus_addresses_are_accepted_others_refused():
    assert accepts("support@parley.test", "support@parley.test")
    assert accepts("<Support+t42@Parley.Test>", "support@parley.test")
    assert not accepts("sales@parley.test", "support@parley.test")
    assert not accepts("support@parley.test.evil.example", "support@parley.test")
    assert not accepts("supportx@parley.test", "support@parley.test")


def test_the_receipt_event_has_the_shape_ses_sends():
    # given a received mail / when the listener builds the Lambda action's event
    event = ses_receipt_event(RAW, message_id="o3vrnil0e2ic28tr", mail_from="ann@example.com",
                              recipients=["support@parley.test"], region="us-east-1")

    # then it validates as an SES event and carries what the handler reads
    record = SesModel(**event).Records[0]
    assert record.ses.mail.messageId == "o3vrnil0e2ic28tr"
    assert record.ses.mail.commonHeaders.subject == "Printer on fire"
    assert record.ses.receipt.recipients == ["support@parley.test"]
    assert record.ses.receipt.action.type == "Lambda"


def test_the_receipt_event_has_the_same_keys_as_the_corpus_sample():
    sample = json.loads((WEBHOOK_DIR / "ses__powertools__sesEvent.json").read_text())["Records"][0]
    built = ses_receipt_event(RAW, message_id="m1", mail_from="ann@example.com",
                              recipients=["support@parley.test"], region="us-east-1")["Records"][0]

    assert set(built) == set(sample)
    assert set(built["ses"]["mail"]) == set(sample["ses"]["mail"])
    # SES adds dmarcPolicy only to mail that fails DMARC
    assert set(built["ses"]["receipt"]) == set(sample["ses"]["receipt"]) - {"dmarcPolicy"}
