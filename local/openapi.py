"""Generate docs/openapi.json from the Chalice routes and the views they call (`make openapi`).

Each route's summary is its view's docstring, its security the view's `endpoint(auth=..., roles=...)`,
and its request body the pydantic model the view reads. tests/unit/test_openapi.py fails when the
committed file differs from what this generates, so the document cannot drift from the code.
"""
from __future__ import annotations

import ast
import importlib
import inspect
import json
import re
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
OUTPUT = REPO / "docs" / "openapi.json"
ERROR = {"type": "object", "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
         "required": ["error", "message"]}


def _view_calls(function: ast.FunctionDef) -> dict[str, ast.Attribute]:
    """Which module.view each HTTP method of an app.py route calls ("*" = the methods not branched on)."""
    calls: dict[str, ast.Attribute] = {}

    def call_in(statements: list[ast.stmt]) -> ast.Attribute | None:
        for statement in statements:
            if isinstance(statement, ast.Return) and isinstance(statement.value, ast.Call):
                func = statement.value.func
                if isinstance(func, ast.Attribute):
                    return func
        return None

    for statement in function.body:
        if isinstance(statement, ast.If) and isinstance(statement.test, ast.Compare):
            method = statement.test.comparators[0]
            if isinstance(method, ast.Constant) and (call := call_in(statement.body)):
                calls[method.value] = call
    if (call := call_in(function.body)) is not None:
        calls["*"] = call
    return calls


def _resolve(app_module: Any, node: ast.Attribute) -> Any:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    parts.append(node.id)
    target: Any = app_module
    for name in reversed(parts):
        target = getattr(target, name, None)
        if target is None:
            return None
    return target


def _body_model(view: Any) -> Any:
    inner = inspect.unwrap(view)
    match = re.search(r"read_json\(request, (\w+)\)", inspect.getsource(inner))
    return getattr(inspect.getmodule(inner), match.group(1), None) if match else None


def generate() -> dict[str, Any]:
    """The OpenAPI document for the app's REST routes."""
    sys.path.insert(0, str(REPO))
    app_module = importlib.import_module("app")
    tree = ast.parse((REPO / "app.py").read_text())
    functions = {f.name: f for f in tree.body if isinstance(f, ast.FunctionDef)}
    paths: dict[str, Any] = {}
    for path, methods in sorted(app_module.app.routes.items()):
        for method, entry in sorted(methods.items()):
            if method == "OPTIONS":
                continue
            calls = _view_calls(functions[entry.view_name])
            node = calls.get(method) or calls.get("*")
            view = _resolve(app_module, node) if node is not None else None
            paths.setdefault(path, {})[method.lower()] = _operation(path, method, entry.view_name, view)
    return {"openapi": "3.0.3",
            "info": {"title": "Parley API", "version": "1.0",
                     "description": "Omnichannel help desk. Errors are {\"error\": code, \"message\": text}."},
            "servers": [{"url": "http://127.0.0.1:8000", "description": "local stack"}],
            "components": {"securitySchemes": {
                "agentJwt": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                             "description": "POST /api/auth/login; role from cognito:groups"},
                "visitorToken": {"type": "http", "scheme": "bearer", "description": "POST /api/sdk/sessions"},
                "zendeskBasic": {"type": "http", "scheme": "basic",
                                 "description": "email:password or email/token:API_TOKEN, as Zendesk"}},
                "schemas": {"Error": ERROR}},
            "paths": paths}


def _operation(path: str, method: str, name: str, view: Any) -> dict[str, Any]:
    doc = inspect.getdoc(inspect.unwrap(view)) if view else None
    summary, _, description = (doc or name.replace("_", " ")).partition("\n")
    operation: dict[str, Any] = {"operationId": f"{name}_{method.lower()}", "summary": summary.strip()}
    if not doc:
        operation["x-undocumented"] = True
    if description.strip():
        operation["description"] = description.strip()
    parameters = [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
                  for p in re.findall(r"{(\w+)}", path)]
    if parameters:
        operation["parameters"] = parameters
    auth, roles = getattr(view, "auth", None), getattr(view, "roles", None)
    if path.startswith("/api/v2/"):
        operation["security"] = [{"zendeskBasic": []}, {"agentJwt": []}]
    elif auth == "agent":
        operation["security"] = [{"agentJwt": []}]
        operation["x-roles"] = list(roles or [])
    elif auth == "customer":
        operation["security"] = [{"visitorToken": []}]
    model = _body_model(view) if view else None
    if model is not None and hasattr(model, "model_json_schema"):
        operation["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": model.model_json_schema()}}}
    operation["responses"] = {
        "200": {"description": "OK"},
        "4XX": {"description": "A request Parley refuses, with the reason",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}
    return operation


def render() -> str:
    return json.dumps(generate(), indent=2, sort_keys=False) + "\n"


if __name__ == "__main__":
    OUTPUT.write_text(render())
    print(f"wrote {OUTPUT.relative_to(REPO)}")
