"""Reply stripping: customers' new words survive, quoted history does not."""
import pytest

from chalicelib.channels.email.quotes import extract_reply


def test_gmail_attribution_wrapped_over_two_lines_is_removed():
    text = (
        "Yes, here is how to reproduce it.\n\n"
        "On Thu, Aug 19, 2021 at 2:07 PM Tejaswini from Email sender test <\n"
        "tejaswini@example.com> wrote:\n\n"
        "> Any update on this?\n>\n"
    )

    assert extract_reply(text) == "Yes, here is how to reproduce it."


@pytest.mark.parametrize(
    "attribution",
    [
        "Am 02.04.2012 um 14:20 schrieb Bob Example <bob@example.com>:",
        "Le 2 avr. 2012 à 14:20, Bob Example <bob@example.com> a écrit :",
        "El 2 abr 2012, a las 14:20, Bob Example <bob@example.com> escribió:",
        "Op 2 apr. 2012 om 14:20 heeft Bob Example <bob@example.com> het volgende geschreven:",
        "Op ma 2 apr. 2012 om 14:20 schreef Bob Example <bob@example.com>:",
        "Il giorno lun 2 apr 2012 alle ore 14:20 Bob Example <bob@example.com> ha scritto:",
        "W dniu 2 kwietnia 2012 14:20 użytkownik Bob <bob@example.com> napisał:",
        "Den 2 april 2012 14:20 skrev Bob Example <bob@example.com>:",
        "Em seg., 2 de abr. de 2012 às 14:20, Bob <bob@example.com> escreveu:",
        "02.04.2012 14:20 пользователь \"Bob\" <bob@example.com> написал:",
        "On Apr 3, 2012, at 4:19 PM, bob wrote:",
    ],
)
def test_localized_attribution_lines_start_the_quote(attribution):
    text = f"Danke, das hilft.\n\n{attribution}\n\n> Hi, can you help?\n> Bob\n"

    assert extract_reply(text) == "Danke, das hilft."


def test_outlook_header_block_and_everything_below_is_removed():
    text = (
        "Thanks, that fixed it.\n\n"
        "________________________________\n"
        "From: Support <support@example.com>\n"
        "Sent: Monday, April 2, 2012 5:44 PM\n"
        "To: Bob\n"
        "Subject: RE: Printer\n\n"
        "Please restart the printer.\n"
    )

    assert extract_reply(text) == "Thanks, that fixed it."


def test_original_message_separator_cuts_the_history():
    text = "Hello\n\n-----Original Message-----\nFrom: bob@example.com\nSent: Mon\n\nHi\n"

    assert extract_reply(text) == "Hello"


def test_answer_written_below_the_quote_is_kept():
    text = "On 04/02/2012 06:26 PM, Megan One wrote:\n> Hi\nHello, the answer is below the quote."

    assert extract_reply(text) == "Hello, the answer is below the quote."


def test_signature_left_below_a_removed_quote_goes_with_it():
    text = (
        "Yes.\n\nOn Mon, Apr 2, 2012 at 6:26 PM, Ann <ann@example.com> wrote:\n\n> Ok?\n\n"
        "--\nBob Example\nAcme Ltd\n"
    )

    assert extract_reply(text) == "Yes."


def test_sent_from_my_phone_written_above_the_quote_stays():
    text = "Hello\n\nSent from my iPhone\n\nOn Apr 3, 2012, at 4:19 PM, bob <bob@example.com> wrote:\n\n> Hi\n"

    assert extract_reply(text) == "Hello\n\nSent from my iPhone"


def test_quoted_lines_without_attribution_are_removed():
    text = "Sure, Tuesday works.\n\n> Can we meet on Tuesday?\n> Regards\n"

    assert extract_reply(text) == "Sure, Tuesday works."


def test_inline_answers_between_quotes_are_kept_whole():
    text = "> Which model?\nThe X200.\n> Which year?\n2019.\n"

    assert extract_reply(text) == text.strip()


def test_forwarded_mail_is_kept_whole():
    text = "---------- Forwarded message ---------\nFrom: Ann <ann@example.com>\nDate: Mon\n\nMy order is late.\n"

    assert extract_reply(text) == text.strip()


def test_a_message_that_is_only_quote_falls_back_to_the_full_text():
    text = "> only a quote\n> nothing new\n"

    assert extract_reply(text) == text.strip()


def test_plain_message_is_returned_unchanged():
    text = "Hi,\n\nmy invoice 123 is wrong.\nFrom: London\n\nThanks"

    assert extract_reply(text) == text
