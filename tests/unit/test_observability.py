"""Metrics leave an invocation as one EMF line when it counted something, and nothing (no warning) otherwise."""
from __future__ import annotations

import json
import warnings

from chalicelib.observability import count, invocation


def test_an_invocation_that_counted_flushes_one_metric_line(capsys):
    with invocation("request-1"):
        count("TicketsCreated")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert [line["TicketsCreated"] for line in lines] == [[1.0]]


def test_an_invocation_that_counted_nothing_writes_and_warns_nothing(capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # powertools warns on an empty flush
        with invocation("request-2"):
            pass
    assert '"_aws"' not in capsys.readouterr().out
