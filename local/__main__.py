"""`python -m local`: run Parley locally (what `make run` starts)."""
from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import threading

from local.seed import DEMO_AGENTS, DEMO_PASSWORDS
from local.stack import REPO, LocalStack


def main() -> None:
    parser = argparse.ArgumentParser(description="Run Parley on this machine (moto, gateway, pollers, clock).")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PARLEY_PORT", 8000)))
    parser.add_argument("--moto-port", type=int, default=int(os.environ.get("PARLEY_MOTO_PORT", 4566)))
    parser.add_argument("--smtp-port", type=int, default=int(os.environ.get("PARLEY_SMTP_PORT", 2525)))
    parser.add_argument("--clock-seconds", type=float, default=float(os.environ.get("PARLEY_CLOCK_SECONDS", 60)))
    parser.add_argument("--reset", action="store_true", help="wipe saved local data and exit")
    parser.add_argument("--no-persist", action="store_true", help="keep nothing between runs")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    for noisy in ("werkzeug", "botocore", "moto", "urllib3", "mail.log"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if args.reset:
        shutil.rmtree(REPO / ".local", ignore_errors=True)
        print("Local data wiped.")
        return
    stack = LocalStack(port=args.port, moto_port=args.moto_port, clock_seconds=args.clock_seconds,
                       smtp_port=args.smtp_port,
                       data_dir=None if args.no_persist else REPO / ".local")
    stopping = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        stack.start()
    except BaseException:
        stack.stop()  # never leave moto running behind a stack that failed to start
        raise
    print(banner(stack), flush=True)
    stopping.wait()
    print("\nStopping Parley…", flush=True)
    stack.stop()
    print("Stopped. Your local data is kept in .local/ (make reset wipes it).", flush=True)


def banner(stack: LocalStack) -> str:
    logins = "\n".join(
        f"    {a['role']:<12} {a['email']:<22} {DEMO_PASSWORDS['admin' if a['role'] == 'admin' else 'agent']}"
        for a in DEMO_AGENTS)
    return f"""
  Parley is running.

    Agent app     {stack.url}
    Widget demo   {stack.url}/widget/demo/
    REST API      {stack.url}/api
    WebSocket     ws://{stack.host}:{stack.port}/ws
    SMTP          {stack.host}:{stack.smtp_port} (mail to support@parley.test)
    moto (AWS)    {stack.moto_url}

  Demo logins:
{logins}

  Ctrl-C stops it; data is kept for the next `make run`.
"""


if __name__ == "__main__":
    main()
