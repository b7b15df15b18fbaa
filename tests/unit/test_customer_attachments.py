"""Customers' files: upload forms only for their own conversation, and a message only carries their own uploads,
checked again in storage (fake S3 and store, no AWS)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from botocore.exceptions import ClientError

from chalicelib import bootstrap, config
from chalicelib.api.tokens import Principal
from chalicelib.domain import attachments as files
from chalicelib.errors import NotFoundError, PayloadTooLargeError, ValidationError
from chalicelib.realtime.frames import parse
from chalicelib.services import attachments, conversations
from chalicelib.services.ingest import Stored

CUSTOMER = Principal("customer", "cust-1")
CONVERSATION = {"ticket_id": 42, "customer_id": "cust-1", "channel": "chat", "last_seq": 3}


class FakeS3:
    """Objects by key (head: content type, length, metadata); records copies and upload forms."""

    def __init__(self):
        self.objects: dict[str, dict] = {}
        self.copies: list[tuple[str, str]] = []
        self.forms: list[dict] = []

    def put(self, key, size=100, content_type="image/png", uploader="customer#cust-1", filename="photo.png"):
        self.objects[key] = {"ContentType": content_type, "ContentLength": size,
                             "Metadata": {"uploader": uploader, "filename": filename}}

    def head_object(self, Bucket, Key):
        if Key not in self.objects:
            raise ClientError({"Error": {"Code": "404", "Message": "Not Found"}}, "HeadObject")
        return self.objects[Key]

    def copy_object(self, Bucket, Key, CopySource):
        self.copies.append((CopySource["Key"], Key))

    def generate_presigned_post(self, bucket, key, Fields, ExpiresIn, Conditions):
        self.forms.append({"key": key, "fields": Fields, "conditions": Conditions})
        return {"url": "https://s3.example/bucket", "fields": {**Fields, "key": key}}


class FakeStore:
    def __init__(self):
        self.conversations = {"conv-1": CONVERSATION, "conv-2": {**CONVERSATION, "ticket_id": 43,
                                                                 "customer_id": "cust-2"}}

    def get_conversation(self, conversation_id):
        return self.conversations.get(conversation_id)

    def message_seq(self, conversation_id, message_id):
        return None


@pytest.fixture
def s3(monkeypatch):
    """Fake S3 and store; the contacts handed to ingest are kept in s3.ingested."""
    fake = FakeS3()
    fake.ingested = []
    monkeypatch.setattr(bootstrap, "client", lambda service, endpoint_url=None: fake)
    monkeypatch.setattr(bootstrap, "s3_signer", lambda: fake)
    monkeypatch.setattr(bootstrap, "ticket_store", FakeStore)
    monkeypatch.setattr(conversations, "store_now",
                        lambda contact, conversation: fake.ingested.append(contact.to_dict()) or Stored({"id": 42}, 4))
    monkeypatch.setattr(config, "settings", lambda: SimpleNamespace(attachments_bucket="files"))
    return fake


def test_a_customer_gets_an_upload_form_for_their_own_conversation_only(s3):
    answer = attachments.customer_upload_form(CUSTOMER, "conv-1", "../Screen shot.png", "image/png", 2048)
    key = answer["attachment"]["id"]
    assert key.startswith("uploads/42/") and key.endswith("-Screen_shot.png")
    assert answer["attachment"]["filename"] == "Screen shot.png"
    [form] = s3.forms
    assert form["fields"]["x-amz-meta-uploader"] == "customer#cust-1"
    assert ["content-length-range", 1, files.MAX_FILE_BYTES] in form["conditions"]

    with pytest.raises(NotFoundError, match="conversation conv-2 not found"):
        attachments.customer_upload_form(CUSTOMER, "conv-2", "photo.png", "image/png", 2048)
    with pytest.raises(NotFoundError):
        attachments.customer_upload_form(CUSTOMER, "no-such-conversation", "photo.png", "image/png", 2048)
    assert len(s3.forms) == 1


@pytest.mark.parametrize("name, kind, size, error", [
    ("setup.exe", "application/octet-stream", 10, ValidationError),
    ("page.html", "text/html", 10, ValidationError),
    ("huge.pdf", "application/pdf", files.MAX_FILE_BYTES + 1, PayloadTooLargeError),
])
def test_customers_get_the_same_limits_as_agents(s3, name, kind, size, error):
    with pytest.raises(error):
        attachments.customer_upload_form(CUSTOMER, "conv-1", name, kind, size)
    assert s3.forms == []


def test_a_message_carries_the_customers_upload_checked_again_and_copied(s3):
    key = "uploads/42/0123456789abcdef-photo.png"
    s3.put(key, filename="Photo%20%C3%A9t%C3%A9.png")
    added = conversations.add_customer_message(customer_id="cust-1", conversation_id="conv-1", body="See this",
                                               client_msg_id="m-1", attachments=[key, key])
    stored = {"key": "attachments/42/0123456789abcdef-photo.png", "filename": "Photo été.png",
              "content_type": "image/png", "size": 100, "inline": False}
    assert (added["message_id"], added["status"], added["seq"]) == ("m-1", "stored", 4)
    assert s3.copies == [(key, stored["key"])]
    [contact] = s3.ingested
    assert contact["attachments"] == [stored]


@pytest.mark.parametrize("prepare, key, complaint", [
    (lambda s3: s3.put("uploads/43/0123456789abcdef-a.png", uploader="customer#cust-2"),
     "uploads/43/0123456789abcdef-a.png", "uploaded to another conversation"),
    (lambda s3: s3.put("uploads/42/0123456789abcdef-a.png", uploader="agent#agent-1"),
     "uploads/42/0123456789abcdef-a.png", "was not uploaded by you"),
    (lambda s3: None, "uploads/42/0123456789abcdef-a.png", "has not been uploaded"),
    (lambda s3: None, "attachments/42/0123456789abcdef-a.png", "not a file uploaded with POST /api/sdk"),
    (lambda s3: s3.put("uploads/42/0123456789abcdef-a.png", content_type="text/html", filename="a.html"),
     "uploads/42/0123456789abcdef-a.png", "cannot be attached"),
])
def test_a_message_refuses_uploads_that_are_not_the_customers_own_here(s3, prepare, key, complaint):
    prepare(s3)
    with pytest.raises(ValidationError, match=complaint):
        conversations.add_customer_message(customer_id="cust-1", conversation_id="conv-1", body="See this",
                                           client_msg_id="m-2", attachments=[key])
    assert s3.copies == [] and s3.ingested == []


def test_a_message_refuses_an_upload_that_grew_past_the_limit_and_files_too_large_together(s3):
    s3.put("uploads/42/0123456789abcdef-big.png", size=files.MAX_FILE_BYTES + 1)
    with pytest.raises(PayloadTooLargeError):
        conversations.add_customer_message(customer_id="cust-1", conversation_id="conv-1", body="x",
                                           client_msg_id=None, attachments=["uploads/42/0123456789abcdef-big.png"])
    s3.put("uploads/42/0123456789abcdef-a.png", size=files.MAX_FILE_BYTES)
    s3.put("uploads/42/0123456789abcdef-b.png", size=files.MAX_FILE_BYTES)
    with pytest.raises(PayloadTooLargeError, match="add up to"):
        conversations.add_customer_message(customer_id="cust-1", conversation_id="conv-1", body="x",
                                           client_msg_id=None, attachments=["uploads/42/0123456789abcdef-a.png",
                                                                            "uploads/42/0123456789abcdef-b.png"])
    assert s3.copies == []


def test_someone_elses_conversation_is_not_found_before_any_file_is_looked_at(s3):
    s3.put("uploads/43/0123456789abcdef-a.png", uploader="customer#cust-2")
    with pytest.raises(NotFoundError):
        conversations.add_customer_message(customer_id="cust-1", conversation_id="conv-2", body="x",
                                           client_msg_id=None, attachments=["uploads/43/0123456789abcdef-a.png"])
    assert s3.copies == [] and s3.ingested == []


def test_the_message_frame_takes_at_most_five_attachment_ids():
    frame = parse('{"type": "message", "conversation_id": "c", "body": "hi", "client_msg_id": "m",'
                  ' "attachments": ["uploads/1/0123456789abcdef-a.png"]}')
    assert frame.attachments == ["uploads/1/0123456789abcdef-a.png"]
    assert parse('{"type": "message", "conversation_id": "c", "body": "hi", "client_msg_id": "m"}').attachments == []
    with pytest.raises(ValidationError, match="attachments"):
        parse('{"type": "message", "conversation_id": "c", "body": "hi", "client_msg_id": "m", "attachments": '
              + str(["k"] * 6).replace("'", '"') + "}")
