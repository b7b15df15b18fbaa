"""Every agent route verifies the Cognito JWT (signature, expiry) and the role from cognito:groups."""
from __future__ import annotations

import gzip
import json
import time
from pathlib import Path

import jwt
import moto
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def _pool_private_key() -> jwt.PyJWK:
    """The signing key of moto's user pools (what Cognito holds in AWS)."""
    path = Path(moto.__file__).parent / "cognitoidp" / "resources" / "jwks-private.json.gz"
    return jwt.PyJWK(json.loads(gzip.decompress(path.read_bytes())))


def test_login_returns_a_token_and_the_agent_profile(stack):
    response = requests.post(stack.api("/auth/login"), json={"email": "agent1@parley.test",
                                                             "password": "Parley-agent-1"}, timeout=10)
    assert response.status_code == 200
    body = response.json()
    assert body["agent"]["email"] == "agent1@parley.test" and body["agent"]["role"] == "agent"
    assert "agent" in _claims(body["token"])["cognito:groups"]


@pytest.mark.parametrize("password", ["wrong-password", ""])
def test_a_wrong_password_is_refused_with_a_reason(stack, password):
    response = requests.post(stack.api("/auth/login"), json={"email": "agent1@parley.test", "password": password},
                             timeout=10)
    assert response.status_code in (400, 401)
    assert response.json()["error"] in ("unauthorized", "invalid") and response.json()["message"]


def test_agent_routes_refuse_a_missing_token(stack):
    response = requests.get(stack.api("/tickets"), timeout=10)
    assert response.status_code == 401
    assert "Authorization" in response.json()["message"]


def test_agent_routes_refuse_a_forged_token(stack):
    real = _claims(stack.login("agent1@parley.test"))
    real["cognito:groups"] = ["admin"]
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    header = jwt.get_unverified_header(stack.login("agent1@parley.test"))
    forged = jwt.encode(real, other_key, algorithm="RS256", headers={"kid": header["kid"]})
    response = requests.get(stack.api("/tickets"), headers={"Authorization": f"Bearer {forged}"}, timeout=10)
    assert response.status_code == 401


def test_agent_routes_refuse_an_expired_token(stack):
    claims = _claims(stack.login("agent1@parley.test"))
    claims.update(iat=int(time.time()) - 7200, exp=int(time.time()) - 3600)
    key = _pool_private_key()
    expired = jwt.encode(claims, key.key, algorithm="RS256", headers={"kid": key.key_id})
    response = requests.get(stack.api("/tickets"), headers={"Authorization": f"Bearer {expired}"}, timeout=10)
    assert response.status_code == 401
    assert "expired" in response.json()["message"]


def test_a_token_signed_by_the_pool_key_is_accepted(stack):
    """The expiry test above is meaningful only if a fresh token signed the same way passes."""
    claims = _claims(stack.login("agent1@parley.test"))
    key = _pool_private_key()
    fresh = jwt.encode(claims, key.key, algorithm="RS256", headers={"kid": key.key_id})
    assert requests.get(stack.api("/tickets"), headers={"Authorization": f"Bearer {fresh}"}, timeout=10).ok


def test_only_admins_change_routing_settings(stack):
    department = {"name": "Returns", "strategy": "round_robin", "max_per_agent": 4}
    as_agent = requests.post(stack.api("/departments"), json=department, headers=stack.auth("agent1@parley.test"),
                             timeout=10)
    assert as_agent.status_code == 403
    assert "admin" in as_agent.json()["message"]
    as_admin = requests.post(stack.api("/departments"), json=department, headers=stack.auth(), timeout=10)
    assert as_admin.status_code == 201
    names = [d["name"] for d in requests.get(stack.api("/departments"), headers=stack.auth("agent1@parley.test"),
                                             timeout=10).json()["departments"]]
    assert "Returns" in names


def test_a_websocket_with_a_bad_token_is_refused_at_connect(stack):
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{stack.ws_url}?token=not-a-token", open_timeout=10)
    assert refused.value.response.status_code == 403


def test_the_widget_api_answers_only_allowed_origins(stack):
    allowed = requests.options(stack.api("/sdk/sessions"), headers={"Origin": "http://localhost:8000"}, timeout=10)
    assert allowed.status_code == 204
    assert allowed.headers["Access-Control-Allow-Origin"] == "http://localhost:8000"
    other = requests.post(stack.api("/sdk/sessions"), json={}, headers={"Origin": "https://evil.example"}, timeout=10)
    assert other.status_code == 403
    assert "Access-Control-Allow-Origin" not in other.headers
