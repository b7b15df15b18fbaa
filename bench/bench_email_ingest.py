"""Email ingest throughput over the shared corpus: Parley side by side with django-helpdesk 2.6.1.

    .venv/bin/python bench/bench_email_ingest.py [rounds]      (default 5 rounds over every .eml)

Parley: a local stack is started; in this process each mail goes the production way after SES has
stored it in S3: read from S3, parse, rate-count, attachments to S3, then the ingest consumer's
``receive`` (identity, ticket transaction, events on the bus) against the stack's moto. The SES
upload itself is done before the clock starts (it is SES's work, not Parley's).

django-helpdesk: its own email import, ``helpdesk.email.extract_email_metadata`` (what its mailbox
importer calls for each message), on the same bytes, in a bench-only virtualenv (.bench-venv,
created on first run with ``pip install django-helpdesk==2.6.1``) with a throwaway SQLite database.

A floor is measured on the same stack: per mail only what any design must do (read the raw mail from S3,
one DynamoDB transaction, one event), to show how far a rate can go here at all.

Each round gives every mail a fresh Message-ID (so it is new mail, not a redelivery); after the
rounds, one reply per ticket is sent that threads back (Parley: In-Reply-To its Message-ID;
django-helpdesk: its "[queue-id]" subject slug). Prints both rates, the ratio, and what became of
every mail: ticketed, threaded, ignored (auto-reply/bounce) or quarantined, checked against the manifest.
"""
from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")  # per-mail info lines would drown the figures

from moto_stats import by_operation, moto_calls  # noqa: E402  (bench/ is the script's folder)
from tests.corpus import EMAIL_DIR  # noqa: E402

BENCH_VENV = REPO / ".bench-venv"
HELPDESK_VERSION = "2.6.1"
WORKERS = 8  # mails in flight at once after round one, as SES invokes one Lambda per mail
_MESSAGE_ID = re.compile(rb"(?im)^(message-id:[ \t]*<)")


def corpus() -> list[tuple[str, bytes, bool]]:
    """(file name, raw bytes, should open a ticket) for every .eml of the manifest."""
    with open(EMAIL_DIR / "MANIFEST.tsv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [(row["file"], (EMAIL_DIR / row["file"]).read_bytes(), row["should_create_ticket"] == "yes")
            for row in rows]


def for_round(raw: bytes, number: int) -> bytes:
    """The mail with its Message-ID made unique to this round."""
    return _MESSAGE_ID.sub(lambda m: m.group(1) + f"r{number}.".encode(), raw, count=1)


def reply_mail(sender: str, subject: str, in_reply_to: str | None, number: int) -> bytes:
    """A customer's short answer to a ticket (threading header and subject as the help desk asks)."""
    headers = [f"From: Bench Customer <{sender}>", "To: support@parley.test", f"Subject: {subject}",
               f"Message-ID: <bench-reply-{number}-{uuid.uuid4().hex[:8]}@customer.example>",
               "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8"]
    if in_reply_to:
        headers += [f"In-Reply-To: {in_reply_to}", f"References: {in_reply_to}"]
    body = "Thanks, that answers it.\n\nOn Mon, Support wrote:\n> Here is your answer.\n"
    return ("\r\n".join(headers) + "\r\n\r\n" + body.replace("\n", "\r\n")).encode()


# --- Parley ------------------------------------------------------------------------------------------


def bench_parley(mails: list[tuple[str, bytes, bool]], rounds: int) -> dict:
    """Run the corpus through Parley's intake and ingest on a local stack's moto; returns figures."""
    from local.launcher import launch, stack_environment

    stack = launch(Path(tempfile.mkdtemp()))
    try:
        with stack_environment(stack):
            return {**_parley_rounds(mails, rounds), "floor": _floor(mails, rounds)}
    finally:
        stack.stop()


def _floor(mails: list[tuple[str, bytes, bool]], rounds: int) -> tuple[int, float]:
    """The least any design must do per mail on this stack, timed like Parley's later rounds: read the
    raw mail from S3, write the ticket and its message in one DynamoDB transaction, publish one event.
    No parsing, no customer, no threading, no routing: a bound on the rate, not a help desk."""
    from chalicelib.bootstrap import client
    from chalicelib.config import settings

    s3, dynamodb, events = client("s3"), client("dynamodb"), client("events")
    config = settings()
    keys = []
    for number, (_, raw, _) in enumerate([m for _ in range(max(1, rounds - 1)) for m in mails]):
        keys.append(f"bench-floor/{number}")
        s3.put_object(Bucket=config.attachments_bucket, Key=keys[-1], Body=raw)

    def minimal(key: str) -> None:
        raw = s3.get_object(Bucket=config.attachments_bucket, Key=key)["Body"].read()
        item_id = uuid.uuid4().hex
        dynamodb.transact_write_items(TransactItems=[{"Put": {
            "TableName": config.tickets_table, "ConditionExpression": "attribute_not_exists(pk)",
            "Item": {"pk": {"S": f"BENCHFLOOR#{item_id}"}, "sk": {"S": sk}, "body": {"S": raw[:2000].hex()}}}}
            for sk in ("TICKET", "MSG#0000000001")])
        events.put_events(Entries=[{"Source": "parley.bench", "DetailType": "BenchFloor",
                                    "EventBusName": config.event_bus_name, "Detail": json.dumps({"id": item_id})}])

    started = time.perf_counter()
    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(minimal, keys))
    return len(keys), time.perf_counter() - started


def _parley_rounds(mails: list[tuple[str, bytes, bool]], rounds: int) -> dict:
    from chalicelib.bootstrap import client
    from chalicelib.config import settings
    from chalicelib.observability import invocation, metrics
    from chalicelib.services import email_inbound
    from chalicelib.services.ingest import receive

    # The per-sender hourly limit would quarantine repeated rounds of the same senders: lift it here only.
    email_inbound.MAX_MAILS_PER_SENDER_PER_HOUR = 10**9
    metrics.flush_metrics = lambda *args, **kwargs: metrics.clear_metrics()  # no CloudWatch here: dropped, not printed
    s3, bucket = client("s3"), settings().attachments_bucket
    counts: Counter = Counter()
    wrong: list[str] = []
    tickets: list[tuple[int, str, str]] = []  # (ticket id, requester email, subject) of round one
    lock = threading.Lock()

    def upload(raw: bytes) -> str:
        """What SES's S3 action does before the Lambda runs (not timed)."""
        mail_id = uuid.uuid4().hex
        s3.put_object(Bucket=bucket, Key=email_inbound.RAW_PREFIX + mail_id, Body=raw)
        return mail_id

    def ingest(job: tuple[str, str, bool | None, bool]) -> None:
        name, mail_id, should_ticket, keep = job
        created: dict = {}

        def deliver(contact) -> None:  # the ingest consumer's work, done inline
            ticket = receive(contact)
            created.update(ticket=ticket, threaded=bool(contact.ticket_id) and ticket["id"] == contact.ticket_id,
                           email=contact.customer_email)

        key = email_inbound.RAW_PREFIX + mail_id
        with invocation(mail_id):  # one Lambda invocation per mail, as SES's receipt rule makes it
            outcome = email_inbound.take_in(email_inbound._read_raw(key), mail_id=mail_id, raw_key=key,
                                            deliver=deliver)
        kind = ("threaded" if created.get("threaded") else "ticketed") if outcome.action == "queued" else (
            "ignored" if outcome.action in ("bounce", "auto_reply") else outcome.action)
        with lock:
            counts[kind] += 1
            if should_ticket is not None and (kind in ("ticketed", "threaded")) != should_ticket:
                wrong.append(f"{name}: {kind} ({outcome.reason})")
            if keep and kind == "ticketed":
                tickets.append((created["ticket"]["id"], created["email"], created["ticket"]["subject"]))

    def timed(jobs: list, workers: int) -> tuple[int, float, float]:
        cpu, wall = time.process_time(), time.perf_counter()
        if workers == 1:
            for job in jobs:
                ingest(job)
        else:
            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(ingest, jobs))
        return len(jobs), time.perf_counter() - wall, time.process_time() - cpu

    first = [(name, upload(for_round(raw, 0)), should, True) for name, raw, should in mails]
    calls_before = moto_calls(os.environ["AWS_ENDPOINT_URL"])
    sequential = timed(first, 1)
    domain = settings().mail_domain
    replies = [(f"reply-{ticket_id}", upload(reply_mail(sender, f"Re: {subject} [#{ticket_id}]",
                                                        f"<t{ticket_id}.bench{index}@{domain}>", index)), None, False)
               for index, (ticket_id, sender, subject) in enumerate(sorted(tickets))]
    threaded = timed(replies, 1)
    rest = [(name, upload(for_round(raw, number)), should, False)
            for number in range(1, rounds) for name, raw, should in mails]
    concurrent = timed(rest, WORKERS) if rest else (0, 0.0, 0.0)
    calls_after = moto_calls(os.environ["AWS_ENDPOINT_URL"])
    uploads = len(replies) + len(rest)  # the SES uploads made between timed phases are not Parley's
    calls, moto_ms = calls_after[0] - calls_before[0], calls_after[1] - calls_before[1]
    calls["PUT (REST)"] -= uploads
    phases = [sequential, threaded, concurrent]
    return {"calls": calls, "moto_ms": moto_ms, "mails": sum(p[0] for p in phases), "seconds": sum(p[1] for p in phases),
            "cpu_seconds": sum(p[2] for p in phases), "counts": dict(counts), "wrong": wrong,
            "sequential": (sequential[0] + threaded[0], sequential[1] + threaded[1]), "concurrent": concurrent[:2]}


# --- django-helpdesk -----------------------------------------------------------------------------------

_SETTINGS = """
SECRET_KEY = "bench-only"
DEBUG = False
USE_TZ = True
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
                  "django.contrib.sessions", "django.contrib.messages", "django.contrib.sites",
                  "django.contrib.humanize", "rest_framework", "helpdesk"]
MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware",
              "django.contrib.auth.middleware.AuthenticationMiddleware",
              "django.contrib.messages.middleware.MessageMiddleware"]
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
              "OPTIONS": {"context_processors": ["django.template.context_processors.request",
                                                 "django.contrib.auth.context_processors.auth",
                                                 "django.contrib.messages.context_processors.messages"]}}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": %(db)r}}
SITE_ID = 1
ROOT_URLCONF = "bench_urls"
MEDIA_ROOT = %(media)r
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_FROM_EMAIL = "support@parley.test"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "/login/"
HELPDESK_TEAMS_MODE_ENABLED = False  # teams need pinax-teams, not a dependency of django-helpdesk
"""

_URLS = """
from django.urls import include, path
urlpatterns = [path("helpdesk/", include("helpdesk.urls", namespace="helpdesk"))]
"""

_DRIVER = r'''
import json, logging, re, sys, time, uuid
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.utils import encoding
from helpdesk.email import extract_email_metadata
from helpdesk.exceptions import DeleteIgnoredTicketException, IgnoreTicketException
from helpdesk.models import FollowUp, Queue, Ticket

logging.disable(logging.CRITICAL)
logger = logging.getLogger("bench")
queue = Queue.objects.create(title="Support", slug="support", email_address="support@parley.test",
                             allow_email_submission=True, email_box_type="local")
job = json.load(open(sys.argv[1]))
counts, wrong, timings, first_round = {}, [], [], []
MESSAGE_ID = re.compile(r"(?im)^(message-id:[ \t]*<)")

def ingest(name, raw_bytes, should_ticket, keep):
    # As its local-mailbox importer does: the file read as text, undecodable bytes replaced.
    message = encoding.force_str(raw_bytes.decode("utf-8", errors="replace"), errors="replace")
    before = Ticket.objects.count()
    started = time.perf_counter()
    try:
        ticket = extract_email_metadata(message=message, queue=queue, logger=logger)
        kind = "ticketed" if Ticket.objects.count() > before else ("threaded" if ticket else "ignored")
    except (IgnoreTicketException, DeleteIgnoredTicketException):
        ticket, kind = None, "ignored"
    except Exception as error:
        ticket, kind = None, "error"
        wrong.append(f"{name}: {type(error).__name__}: {str(error)[:120]}")
    timings.append(time.perf_counter() - started)
    counts[kind] = counts.get(kind, 0) + 1
    if should_ticket is not None and kind != "error" and (kind in ("ticketed", "threaded")) != should_ticket:
        wrong.append(f"{name}: {kind}")
    if keep and kind == "ticketed":
        first_round.append((ticket.id, ticket.submitter_email, ticket.title))

for number in range(job["rounds"]):
    for name, path, should_ticket in job["mails"]:
        raw = open(path, "rb").read()
        raw = re.sub(rb"(?im)^(message-id:[ \t]*<)", lambda m: m.group(1) + f"r{number}.".encode(), raw, count=1)
        ingest(name, raw, should_ticket, number == 0)
for index, (ticket_id, sender, title) in enumerate(first_round):
    body = "Thanks, that answers it.\r\n\r\nOn Mon, Support wrote:\r\n> Here is your answer.\r\n"
    raw = (f"From: Bench Customer <{sender}>\r\nTo: support@parley.test\r\n"
           f"Subject: Re: [support-{ticket_id}] {title}\r\n"
           f"Message-ID: <bench-reply-{index}-{uuid.uuid4().hex[:8]}@customer.example>\r\n"
           "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode()
    ingest(f"reply-{ticket_id}", raw, None, False)
print(json.dumps({"mails": len(timings), "seconds": sum(timings), "counts": counts, "wrong": wrong}))
'''


def helpdesk_python() -> tuple[Path | None, str]:
    """The bench virtualenv's python with django-helpdesk installed (made on first use), or why not."""
    python = BENCH_VENV / "bin" / "python"
    check = [str(python), "-c", f"import importlib.metadata as m; assert m.version('django-helpdesk') == "
                                f"'{HELPDESK_VERSION}'"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return python, ""
    steps = [["python3.11", "-m", "venv", str(BENCH_VENV)],
             [str(python), "-m", "pip", "install", "--quiet", f"django-helpdesk=={HELPDESK_VERSION}"]]
    for step in steps:
        result = subprocess.run(step, capture_output=True, text=True)
        if result.returncode != 0:
            return None, f"`{' '.join(step)}` failed: {(result.stderr or result.stdout).strip()[-400:]}"
    return python, ""


def bench_helpdesk(mails: list[tuple[str, bytes, bool]], rounds: int) -> dict:
    """Run the same corpus through django-helpdesk's email import; returns figures or {'error': why}."""
    python, problem = helpdesk_python()
    if python is None:
        return {"error": problem}
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        (folder / "bench_settings.py").write_text(
            _SETTINGS % {"db": str(folder / "helpdesk.sqlite3"), "media": str(folder / "media")})
        (folder / "bench_urls.py").write_text(_URLS)
        (folder / "driver.py").write_text(textwrap.dedent(_DRIVER))
        (folder / "job.json").write_text(json.dumps({"rounds": rounds, "mails": [
            (name, str(EMAIL_DIR / name), should_ticket) for name, _, should_ticket in mails]}))
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench_settings", "PYTHONPATH": str(folder)}
        result = subprocess.run([str(python), str(folder / "driver.py"), str(folder / "job.json")], cwd=folder,
                                env=env, capture_output=True, text=True)
    if result.returncode != 0:
        return {"error": f"its import failed: {result.stderr.strip()[-800:]}"}
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- report -------------------------------------------------------------------------------------------


def _rate(mails: int, seconds: float) -> str:
    return f"{mails / seconds:7.1f} mails/s" if seconds else "      - mails/s"


def _line(label: str, figures: dict) -> str:
    counts = ", ".join(f"{k}={v}" for k, v in sorted(figures["counts"].items()))
    return (f"{label:<16} {figures['mails']:>5} mails in {figures['seconds']:7.2f}s = "
            f"{_rate(figures['mails'], figures['seconds'])}   {counts}")


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    mails = corpus()
    if not mails:
        raise SystemExit(f"no corpus under {EMAIL_DIR}; set PARLEY_CORPUS to the corpus folder")
    print(f"corpus: {len(mails)} emails ({sum(1 for *_, t in mails if t)} customer mail, "
          f"{sum(1 for *_, t in mails if not t)} bounces/auto-replies), {rounds} rounds + one reply per ticket")
    ours = bench_parley(mails, rounds)
    print(_line("Parley", ours))
    print(f"  one at a time: {_rate(*ours['sequential'])} ({ours['sequential'][0]} mails, round one and the replies)"
          f"; {WORKERS} at once: {_rate(*ours['concurrent'])} ({ours['concurrent'][0]} mails, later rounds)")
    print(f"  Parley's own CPU: {1000 * ours['cpu_seconds'] / ours['mails']:.1f} ms per mail in this process "
          "(the rest of the wall time is spent waiting for moto)")
    calls, moto_ms, count = ours["calls"], ours["moto_ms"], ours["mails"]
    print(f"  AWS calls per mail (moto's count): {calls.total() / count:.1f}, {moto_ms.total() / count:.1f} ms of moto "
          f"time — by operation (calls, ms): {by_operation(calls, moto_ms, count)}")
    print(f"  floor on this stack (S3 read + one transaction + one event per mail, nothing else; {WORKERS} at once): "
          f"{_rate(*ours['floor'])} ({ours['floor'][0]} mails)")
    theirs = bench_helpdesk(mails, rounds)
    if "error" in theirs:
        print(f"django-helpdesk {HELPDESK_VERSION}: not measured: {theirs['error']}")
    else:
        print(_line("django-helpdesk", theirs))
        ratio = (ours["mails"] / ours["seconds"]) / (theirs["mails"] / theirs["seconds"])
        print(f"ratio: Parley ingests {ratio:.2f}x django-helpdesk's rate "
              "(Parley over HTTP to moto: every DynamoDB/S3/SQS/EventBridge call is a local HTTP request; "
              "django-helpdesk in-process on SQLite)")
        floor = (ours["floor"][0] / ours["floor"][1]) / (theirs["mails"] / theirs["seconds"])
        print(f"  the floor above is {floor:.2f}x django-helpdesk's rate: no design that takes each mail on its own "
              "(SES invokes one Lambda per mail), stores it durably and tells the rest of the system can go faster "
              "on this stack")
        if theirs["wrong"]:
            print(f"django-helpdesk misfiled {len(theirs['wrong'])}: " + "; ".join(theirs["wrong"][:8]))
    if ours["wrong"]:
        print(f"Parley misfiled {len(ours['wrong'])}: " + "; ".join(ours["wrong"][:8]))
    else:
        print("Parley: every corpus mail ticketed, threaded or rightly ignored, as the manifest says")


if __name__ == "__main__":
    main()
