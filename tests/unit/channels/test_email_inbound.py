"""Parsing inbound email: headers, charsets, bodies, attachments, ticket tokens and malformed MIME."""
import base64

import pytest

from chalicelib.channels.email import UnparseableEmailError, find_ticket_token, parse_email
from chalicelib.errors import ParleyError


def _raw(headers: str, body: bytes = b"Hello\n") -> bytes:
    return headers.strip("\n").replace("\n", "\r\n").encode("latin-1") + b"\r\n\r\n" + body


def _b64(text: str, charset: str) -> str:
    return base64.b64encode(text.encode(charset)).decode("ascii")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("=?UTF-8?B?8J+OiQ==?= Party =?UTF-8?B?8J+Nvw==?=", "🎉 Party 🍿"),
        ("=?windows-1251?B?wOv04OLo8go=?=", "Алфавит"),
        ("=?UTF-8?Q?Bestellung_Nr?=. 12", "Bestellung Nr. 12"),
        ("=?NONE?Q?Caf=E9?=", "Café"),
        (f"=?gb2312?B?{_b64('镕铈', 'gbk')}?=", "镕铈"),
        (f"=?ks_c_5601-1987?B?{_b64('한국어', 'cp949')}?=", "한국어"),
        (f"=?koi8-r?B?{_b64('Привет', 'koi8-r')}?=", "Привет"),
        ("=?iso-2022-jp?B?GyRCJF4kXyRgJGEkYhsoQg==?=", "まみむめも"),
        ("=?utf-8?Q?abc?=\n =?utf-8?Q?def?=", "abcdef"),
    ],
)
def test_subject_is_fully_decoded_whatever_the_charset_trick(header, expected):
    email = parse_email(_raw(f"From: a@example.com\nSubject: {header}"))

    assert email.subject == expected


def test_raw_latin1_bytes_in_the_from_name_are_decoded():
    raw = "From: José Müller <Jose@Example.COM>\r\nSubject: hi\r\n\r\nbody".encode("latin-1")

    email = parse_email(raw)

    assert (email.from_name, email.from_address) == ("José Müller", "jose@example.com")


def test_addresses_and_thread_ids_are_normalised():
    email = parse_email(
        _raw(
            "From: \"Doe, Jane\" <Jane@Example.com>\nTo: Support <SUPPORT@acme.test>, b@acme.test\n"
            "Cc: c@example.com\nReply-To: jane.private@example.com\nSubject: x\nMessage-ID: <abc@mail.example.com>\n"
            "In-Reply-To: <t7.m1@mail.acme.test>\nReferences: <root@example.com>\n <t7.m1@mail.acme.test>"
        )
    )

    assert (email.from_name, email.from_address) == ("Doe, Jane", "jane@example.com")
    assert email.to == ["support@acme.test", "b@acme.test"]
    assert (email.cc, email.reply_to) == (["c@example.com"], ["jane.private@example.com"])
    assert email.message_id == "abc@mail.example.com"
    assert email.in_reply_to == "t7.m1@mail.acme.test"
    assert email.references == ["root@example.com", "t7.m1@mail.acme.test"]


@pytest.mark.parametrize(
    ("charset", "text", "encoding"),
    [
        ("shift_jis", "お問い合わせありがとうございます", "cp932"),
        ("windows-1251", "Здравствуйте, заказ не пришёл", "cp1251"),
        ("koi8-r", "Здравствуйте, заказ не пришёл", "koi8-r"),
        ("gb2312", "您好，镕铈订单没有到", "gbk"),
        ("euc-kr", "주문이 도착하지 않았습니다", "cp949"),
        ("ks_c_5601-1987", "주문이 도착하지 않았습니다", "cp949"),
        ("iso-8859-1", "Grüße aus Köln", "latin-1"),
        ("iso-8859-1", "Grüße aus Köln, déclaré latin-1 mais en UTF-8", "utf-8"),
        ("NONE", "Grüße aus Köln", "latin-1"),
        ("x-bogus-charset", "Grüße aus Köln", "utf-8"),
        ("utf-8", "Grüße aus Köln, déclaré UTF-8 mais en Windows-1252 – voilà", "cp1252"),
    ],
)
def test_body_is_decoded_from_declared_misdeclared_and_unknown_charsets(charset, text, encoding):
    raw = _raw(
        f"From: a@example.com\nSubject: s\nContent-Type: text/plain; charset={charset}\n"
        "Content-Transfer-Encoding: 8bit",
        text.encode(encoding),
    )

    assert parse_email(raw).text == text


def test_iso_2022_jp_body_is_decoded():
    raw = _raw(
        "From: a@example.com\nSubject: s\nContent-Type: text/plain; charset=ISO-2022-JP",
        "すみません。".encode("iso2022_jp"),
    )

    assert parse_email(raw).text == "すみません。"


def test_html_only_mail_is_sanitised_and_rendered_as_readable_text():
    html = (
        "<html><head><style>p{color:red}</style><script>alert(1)</script></head><body>"
        "<h1>Order   problem</h1><p onclick=\"steal()\">My order <b>#12</b> is late.</p>"
        "<p>See <a href=\"javascript:alert(2)\">this</a> and <a href=\"https://shop.example/o/12\">the order</a>."
        "<img src=\"cid:logo@x\" alt=\"\"></p><ul><li>one</li><li>two</li></ul></body></html>"
    )
    raw = _raw("From: a@example.com\nSubject: s\nContent-Type: text/html; charset=utf-8", html.encode())

    email = parse_email(raw)

    assert email.text == "Order problem\nMy order #12 is late.\nSee this and the order.\n- one\n- two"
    assert "<script" not in email.html and "alert" not in email.html and "onclick" not in email.html
    assert "javascript:" not in email.html and "color:red" not in email.html
    assert 'href="https://shop.example/o/12"' in email.html and 'src="cid:logo@x"' in email.html
    assert "<b>#12</b>" in email.html


def test_html_only_reply_loses_its_blockquoted_history():
    html = (
        "<div>Thanks, fixed!</div><div class=\"gmail_quote\">On Mon, Apr 2, 2012 at 6:26 PM, Ann "
        "&lt;ann@example.com&gt; wrote:<blockquote>Is it fixed?<br>Ann</blockquote></div>"
    )
    raw = _raw("From: a@example.com\nSubject: Re: s\nContent-Type: text/html; charset=utf-8", html.encode())

    assert parse_email(raw).reply_text == "Thanks, fixed!"


def _multipart(subtype: str, parts: list[str], boundary: str = "XyZ") -> bytes:
    body = "".join(f"--{boundary}\r\n{part}\r\n" for part in parts) + f"--{boundary}--\r\n"
    return _raw(
        f"From: a@example.com\nSubject: s\nMIME-Version: 1.0\n"
        f"Content-Type: multipart/{subtype}; boundary=\"{boundary}\"",
        body.encode("utf-8"),
    )


def test_alternative_parts_give_text_from_plain_and_html_from_html():
    raw = _multipart(
        "alternative",
        [
            "Content-Type: text/plain; charset=utf-8\r\n\r\nPlain words",
            "Content-Type: text/html; charset=utf-8\r\n\r\n<p>Rich <i>words</i></p>",
        ],
    )

    email = parse_email(raw)

    assert (email.text, email.html) == ("Plain words", "<p>Rich <i>words</i></p>")


def test_attachments_inline_images_and_forwarded_messages_are_collected():
    png = base64.b64encode(b"\x89PNG fake image").decode()
    raw = _multipart(
        "mixed",
        [
            "Content-Type: text/plain\r\n\r\nSee attached.",
            f"Content-Type: image/png\r\nContent-ID: <img1@x>\r\nContent-Disposition: inline\r\n"
            f"Content-Transfer-Encoding: base64\r\n\r\n{png}",
            "Content-Type: application/pdf\r\n"
            "Content-Disposition: attachment; filename*=UTF-8''Rechnung%20M%C3%A4rz.pdf\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQ=",
            "Content-Type: text/plain; name=\"=?UTF-8?B?0L7RgtGH0ZHRgi50eHQ=?=\"\r\n"
            "Content-Disposition: attachment\r\n\r\n"
            "report",
            "Content-Type: message/rfc822\r\n\r\nFrom: b@example.com\r\nSubject: Original order\r\n\r\nOld text",
        ],
    )

    email = parse_email(raw)

    assert email.text == "See attached."
    by_name = {a.filename: a for a in email.attachments}
    assert set(by_name) == {"attachment-1.png", "Rechnung März.pdf", "отчёт.txt", "Original order.eml"}
    assert by_name["attachment-1.png"].inline and by_name["attachment-1.png"].content_id == "img1@x"
    assert by_name["Rechnung März.pdf"].content == b"%PDF-1.4" and not by_name["Rechnung März.pdf"].inline
    assert b"Old text" in by_name["Original order.eml"].content


def test_x_uuencode_attachment_is_decoded():
    uu = "begin 644 note.txt\r\n%:&5L;&\\`\r\n`\r\nend"
    raw = _multipart(
        "mixed",
        [
            "Content-Type: text/plain\r\n\r\nbody",
            f"Content-Type: text/plain; name=\"note.txt\"\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\n{uu}",
        ],
    )

    [attachment] = parse_email(raw).attachments

    assert (attachment.filename, attachment.content) == ("note.txt", b"hello")


def test_top_level_non_text_mail_is_one_attachment():
    raw = _raw(
        "From: a@example.com\nSubject: s\nContent-Type: application/pdf; name=\"scan.pdf\"\n"
        "Content-Transfer-Encoding: base64",
        b"JVBERi0xLjQ=",
    )

    email = parse_email(raw)

    assert email.text == "" and email.reply_text == ""
    assert [(a.filename, a.content) for a in email.attachments] == [("scan.pdf", b"%PDF-1.4")]


def test_multipart_whose_declared_boundary_is_wrong_is_recovered():
    body = (
        "--real-boundary\r\nContent-Type: text/plain\r\n\r\nThe real text\r\n"
        "--real-boundary\r\nContent-Type: text/html\r\n\r\n<p>The real text</p>\r\n--real-boundary--\r\n"
    )
    raw = _raw(
        "From: a@example.com\nSubject: s\nContent-Type: multipart/alternative; boundary=\"declared-but-unused\"",
        body.encode(),
    )

    email = parse_email(raw)

    assert email.text == "The real text"
    assert "StartBoundaryNotFoundDefect" in email.defects


def test_multipart_without_boundary_parameter_keeps_its_text():
    raw = _raw("From: a@example.com\nSubject: s\nContent-Type: multipart/mixed", b"Just some words\r\n")

    assert parse_email(raw).text == "Just some words"


def test_unquoted_boundary_with_equals_sign_is_read_with_the_legacy_parser():
    raw = _raw(
        "From: a@example.com\nSubject: s\nContent-Type: multipart/alternative;\n        boundary=----=_NextPart_000_01",
        b"preamble\r\n------=_NextPart_000_01\r\nContent-Type: text/plain\r\n\r\n"
        b"Inside\r\n------=_NextPart_000_01--\r\n",
    )

    assert parse_email(raw).text == "Inside"


def test_headers_only_mail_parses_with_empty_body():
    email = parse_email(b"From: a@example.com\r\nSubject: only headers\r\n")

    assert (email.subject, email.text, email.reply_text, email.kind) == ("only headers", "", "", "message")


def test_text_without_headers_is_still_read_as_a_body():
    email = parse_email(b"just a line of text without any header")

    assert email.from_address == "" and "just a line" in email.text


@pytest.mark.parametrize("raw", [b"", b"  \r\n\r\n  "])
def test_empty_input_is_unparseable_with_a_reason(raw):
    with pytest.raises(UnparseableEmailError, match="empty") as caught:
        parse_email(raw)
    assert isinstance(caught.value, ParleyError)


def test_text_instead_of_bytes_is_refused_with_a_reason():
    with pytest.raises(UnparseableEmailError, match="raw bytes"):
        parse_email("From: a@example.com\n\nhi")


@pytest.mark.parametrize(
    ("subject", "addresses", "expected"),
    [
        ("Re: Printer broken [#1234]", [], 1234),
        ("[#77] Re: Fwd: hello", ["other@example.com"], 77),
        ("Re: Printer broken", ["Support+t981@mail.acme.test"], 981),
        ("Re: Printer broken", ["support@acme.test", "support+t55@acme.test"], 55),
        ("Re: Printer #1234", ["support+news@acme.test"], None),
        ("", [], None),
    ],
)
def test_ticket_token_is_found_in_subject_or_plus_address(subject, addresses, expected):
    assert find_ticket_token(subject, addresses) == expected
