"""The local mail server: SMTP on 127.0.0.1:2525 that does what SES's receipt rule does in AWS.

Mail to the support address (or its plus-addresses, such as the ``support+t123@`` Reply-To Parley
sends) is accepted; any other recipient is refused with 550 and the reason. An accepted mail is stored
in the attachments bucket at ``inbound-mail/<message id>`` exactly as the rule's S3 action stores it,
then the ``inbound_email`` handler is called with the receipt event SES's Lambda action sends, so the
local stack and AWS share one code path from there on.
"""
from __future__ import annotations

import asyncio
import base64
import logging
import os
import time
from email import policy
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from typing import Any, Callable

from local.cfn import ACCOUNT_ID
from local.lambda_events import LambdaContext

log = logging.getLogger("parley.local")

RAW_PREFIX = "inbound-mail/"  # the receipt rule's S3 action ObjectKeyPrefix (infra/template.yaml)


def ses_message_id() -> str:
    """An id shaped like SES's (lower-case letters and digits), also the S3 object name."""
    return base64.b32encode(os.urandom(25)).decode("ascii").lower()


def ses_receipt_event(raw: bytes, *, message_id: str, mail_from: str, recipients: list[str], region: str,
                      function_name: str = "inbound_email") -> dict[str, Any]:
    """The event SES's receipt rule Lambda action sends for a received mail (see the corpus sesEvent.json)."""
    headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
    moment = time.time()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment)) + f".{int(moment * 1000) % 1000:03d}Z"

    def addresses(name: str) -> list[str]:
        return [str(value) for value in headers.get_all(name, [])]

    common = {"returnPath": mail_from, "from": addresses("from"), "to": addresses("to"),
              "messageId": str(headers.get("message-id", "")), "date": str(headers.get("date", "")),
              "subject": str(headers.get("subject", ""))}
    if headers.get_all("cc"):
        common["cc"] = addresses("cc")
    return {"Records": [{
        "eventSource": "aws:ses", "eventVersion": "1.0",
        "ses": {
            "mail": {
                "timestamp": stamp, "source": mail_from, "messageId": message_id, "destination": recipients,
                "headersTruncated": False,
                "headers": [{"name": name, "value": str(value)} for name, value in headers.items()],
                "commonHeaders": {k: v for k, v in common.items() if v not in ("", [])},
            },
            "receipt": {
                "timestamp": stamp, "processingTimeMillis": 1, "recipients": recipients,
                # Nothing is scanned or authenticated locally: GRAY, SES's verdict for "could not tell".
                "spamVerdict": {"status": "GRAY"}, "virusVerdict": {"status": "GRAY"},
                "spfVerdict": {"status": "GRAY"}, "dkimVerdict": {"status": "GRAY"},
                "dmarcVerdict": {"status": "GRAY"},
                "action": {"type": "Lambda", "invocationType": "Event",
                           "functionArn": f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{function_name}"},
            },
        },
    }]}


def accepts(address: str, support_address: str) -> bool:
    """True for the support address and its plus-addresses (support+anything@domain), case-insensitive."""
    local, _, domain = support_address.lower().partition("@")
    rcpt_local, at, rcpt_domain = address.strip().strip("<>").lower().rpartition("@")
    return bool(at) and rcpt_domain == domain and (rcpt_local == local or rcpt_local.startswith(local + "+"))


class _Handler:
    """aiosmtpd hooks: refuse unknown recipients, then store and hand over each accepted mail."""

    def __init__(self, receiver: "LocalSmtp"):
        self._receiver = receiver

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list) -> str:
        if not accepts(address, self._receiver.support_address):
            return (f"550 5.1.1 <{address}>: no such mailbox; Parley receives mail at "
                    f"{self._receiver.support_address}")
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        loop = asyncio.get_running_loop()
        try:
            receipt = await loop.run_in_executor(None, self._receiver.receive, raw, envelope.mail_from or "",
                                                 list(envelope.rcpt_tos))
        except Exception:
            log.exception("an inbound mail could not be handed to inbound_email")
            return "451 4.3.0 the mail could not be processed; try again later"
        return f"250 2.0.0 Ok: {receipt}"


class LocalSmtp:
    """The SMTP listener: store each mail in S3 under inbound-mail/, then call the inbound_email handler."""

    def __init__(self, *, host: str, port: int, s3: Any, bucket: str, support_address: str,
                 handler: Callable[[dict[str, Any], Any], Any], region: str):
        self.host, self.port = host, port
        self.support_address = support_address
        self._s3, self._bucket, self._handler, self._region = s3, bucket, handler, region
        self._controller: Any = None

    def start(self) -> None:
        """Listen (in aiosmtpd's own thread); returns once the port accepts connections."""
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import SMTP

        class LenientSMTP(SMTP):
            line_length_limit = 1024 * 1024  # real mail breaks RFC 5321's 1000-octet lines; take it anyway

        class LenientController(Controller):
            def factory(self) -> SMTP:
                return LenientSMTP(self.handler, **self.SMTP_kwargs)

        self._controller = LenientController(_Handler(self), hostname=self.host, port=self.port,
                                             server_hostname="parley.local", enable_SMTPUTF8=True,
                                             data_size_limit=40 * 1024 * 1024)  # SES's limit for received mail
        self._controller.start()

    def stop(self) -> None:
        """Stop listening."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def receive(self, raw: bytes, mail_from: str, recipients: list[str]) -> str:
        """What SES does with an accepted mail: S3 action, then the Lambda action.

        Returns "<message id> (<what Parley did>)" for the SMTP reply: a local convenience SES does not offer.
        """
        message_id = ses_message_id()
        self._s3.put_object(Bucket=self._bucket, Key=RAW_PREFIX + message_id, Body=raw)
        event = ses_receipt_event(raw, message_id=message_id, mail_from=mail_from,
                                  recipients=[address for _, address in getaddresses(recipients)] or recipients,
                                  region=self._region)
        result = self._handler(event, LambdaContext("inbound_email")) or {}
        done = "; ".join(f"{o.get('action')}" + (f": {o['reason']}" if o.get("reason") else "")
                         for o in result.get("outcomes") or [])
        return f"{message_id} ({' '.join(done.split())[:300]})"
