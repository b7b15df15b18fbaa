"""docs/openapi.json describes exactly the routes the app serves (regenerate with `make openapi`)."""
from __future__ import annotations

import json

from local.openapi import OUTPUT, generate


def test_the_committed_openapi_document_matches_the_routes():
    committed = json.loads(OUTPUT.read_text())
    assert committed == generate(), "docs/openapi.json is stale: run `make openapi` and commit it"


def test_every_operation_says_what_it_does():
    for path, methods in generate()["paths"].items():
        for method, operation in methods.items():
            assert not operation.get("x-undocumented"), f"{method.upper()} {path} needs a docstring on its view"
