"""Email parsing throughput over the shared corpus: messages per second and how many of each kind.

    .venv/bin/python bench/bench_email_parse.py [rounds]      (default 20 rounds over every .eml)
"""
from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chalicelib.channels.email import parse_email  # noqa: E402
from tests.corpus import EMAIL_DIR  # noqa: E402


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    corpus = [path.read_bytes() for path in sorted(EMAIL_DIR.glob("*.eml"))]
    if not corpus:
        raise SystemExit(f"no .eml files under {EMAIL_DIR}; set PARLEY_CORPUS to the corpus folder")
    kinds = Counter(parse_email(raw).kind for raw in corpus)
    started = time.perf_counter()
    for _ in range(rounds):
        for raw in corpus:
            parse_email(raw)
    elapsed = time.perf_counter() - started
    parsed = rounds * len(corpus)
    megabytes = rounds * sum(len(raw) for raw in corpus) / 1e6
    print(f"emails in corpus: {len(corpus)} ({sum(len(r) for r in corpus) / 1e3:.0f} kB)")
    print(f"parsed {parsed} emails in {elapsed:.2f}s: {parsed / elapsed:.0f} messages/s, "
          f"{megabytes / elapsed:.1f} MB/s")
    print("kinds: " + ", ".join(f"{kind}={count}" for kind, count in sorted(kinds.items())))


if __name__ == "__main__":
    main()
