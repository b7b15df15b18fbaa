"""Every real email in the shared corpus, sent over SMTP to the local stack, is ticketed or rightly ignored."""
from __future__ import annotations

import csv

import pytest

from tests.corpus import EMAIL_DIR
from tests.functional.channel_helpers import send_mail, tickets_of, wait_for_ticket


def _manifest() -> list[dict[str, str]]:
    with open(EMAIL_DIR / "MANIFEST.tsv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


ROWS = _manifest()


def _subject(row: dict[str, str]) -> str:
    """The manifest's decoded subject as a ticket shows it (whitespace runs collapsed)."""
    return " ".join(row["subject_decoded"].replace("\\t", "\t").replace("\\n", "\n").split())


@pytest.fixture(scope="module")
def delivered(stack) -> dict[str, str]:
    """Send every corpus mail once (machine mail first); the SMTP reply of each, by file name."""
    ordered = sorted(ROWS, key=lambda row: row["should_create_ticket"] == "yes")
    return {row["file"]: send_mail(stack, (EMAIL_DIR / row["file"]).read_bytes(), mail_from=row["from_address"])
            for row in ordered}


TICKETED = [row for row in ROWS if row["should_create_ticket"] == "yes"]
IGNORED = [row for row in ROWS if row["should_create_ticket"] == "no"]


@pytest.mark.parametrize("row", TICKETED, ids=[row["file"] for row in TICKETED])
def test_customer_mail_from_the_corpus_becomes_a_ticket_for_its_sender(stack, delivered, row):
    # given a customer's mail sent to support@ / when it is received
    sender = row["from_address"].lower()

    # then a ticket exists for the sender with the mail's subject, its first message the reply text
    view = wait_for_ticket(stack, "email", sender, channel="email", subject=_subject(row))
    assert view["customer"]["email"] == sender
    first = view["messages"][0]
    assert first["author_type"] == "customer" and first["channel"] == "email"
    assert first["body"].strip()
    if row["expected_reply_text"]:
        expected = (EMAIL_DIR / row["expected_reply_text"]).read_text(encoding="utf-8")
        assert first["body"].strip() == expected.strip()


@pytest.mark.parametrize("row", IGNORED, ids=[row["file"] for row in IGNORED])
def test_bounces_and_auto_replies_from_the_corpus_open_no_ticket(stack, delivered, row):
    # given machine mail (a bounce, DSN or automatic reply) / when it is received
    outcome = delivered[row["file"]]

    # then Parley recognised it and no ticket exists for it
    assert "(bounce" in outcome or "(auto_reply" in outcome, outcome
    assert tickets_of(stack, "email", row["from_address"].lower(), subject=_subject(row)) == []


def test_an_email_attachment_is_served_through_a_short_lived_link(stack, delivered):
    # given a corpus mail with a PDF attached
    row = next(r for r in ROWS if r["file"] == "mikel-mail__attachment_pdf.eml")
    view = wait_for_ticket(stack, "email", row["from_address"].lower(), channel="email", subject=_subject(row))
    attachment = view["messages"][0]["attachments"][0]
    assert attachment["filename"].endswith(".pdf") and attachment["size"] > 0

    # when an agent opens it
    import requests

    folder, filename = attachment["key"].split("/")[1:]
    response = requests.get(stack.api(f"/tickets/{view['ticket']['id']}/attachments/{folder}/{filename}"),
                            headers=stack.auth(), allow_redirects=False, timeout=30)

    # then Parley redirects to the stored file, which holds the PDF
    assert response.status_code == 302
    content = requests.get(response.headers["Location"], timeout=30).content
    assert content.startswith(b"%PDF") and len(content) == attachment["size"]
