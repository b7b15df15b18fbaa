"""The deployable shape: the packaged template lints clean, and importing the app stays cheap."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def packaged(tmp_path_factory):
    out = tmp_path_factory.mktemp("package")
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}
    subprocess.run([str(BIN / "chalice"), "package", "--stage", "prod", "--pkg-format",
                    "cloudformation", "--template-format", "yaml", "--merge-template", "infra/template.yaml",
                    str(out)], cwd=REPO, env=env, check=True, capture_output=True)
    return out / "sam.yaml"


def test_packaged_template_passes_cfn_lint(packaged):
    result = subprocess.run([str(BIN / "cfn-lint"), str(packaged)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_packaged_template_wires_queues_with_partial_batch_failures(packaged):
    text = packaged.read_text()
    for function in ("InboundConsumerSqsEventSource", "EventConsumerSqsEventSource",
                     "DeliveryConsumerSqsEventSource"):
        block = text.split(f"{function}:", 1)[1].split("Type: SQS", 1)[0]
        assert "ReportBatchItemFailures" in block and ".Arn}" in block


def test_packaged_template_has_the_websocket_routes(packaged):
    text = packaged.read_text()
    for route in ("$connect", "$default", "$disconnect"):
        assert f"RouteKey: {route}" in text or f"RouteKey: '{route}'" in text


def test_packaged_template_passes_the_public_url_parameter_to_every_function(packaged):
    template = yaml.safe_load(packaged.read_text())
    assert template["Parameters"]["PublicUrl"]["Default"] == ""
    environment = template["Globals"]["Function"]["Environment"]["Variables"]
    assert environment["PUBLIC_URL"] == {"Ref": "PublicUrl"}


def test_importing_the_app_creates_no_aws_client():
    code = ("import sys, app; "
            "print('boto3' in sys.modules, 'botocore.client' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]
