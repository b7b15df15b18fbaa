"""The local API Gateway: REST under /api, WebSockets at /ws, the @connections API, and the web app.

It builds the events API Gateway would send and calls the same Chalice handlers Lambda runs.
"""
from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

from chalice.config import Config
from chalice.local import ForbiddenError as GatewayForbidden
from chalice.local import LocalGateway
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from local.lambda_events import LambdaContext, new_connection_id, websocket_event

log = logging.getLogger("parley.local")
WEB_DIR = Path(__file__).resolve().parents[1] / "web"


class Gateway:
    """Routes HTTP and WebSocket traffic into the Chalice app's handlers."""

    def __init__(self, app_module: Any, domain: str, extra_routes: list[Any] | None = None):
        from chalice.local import CustomLocalChalice, LocalChalice

        chalice_app = app_module.app
        # Requests run in a thread pool: give the app a per-thread current_request, as `chalice local` does.
        CustomLocalChalice.__bases__ = (LocalChalice, chalice_app.__class__)
        chalice_app.__class__ = CustomLocalChalice
        self._rest = LocalGateway(chalice_app, Config(chalice_stage="local", config_from_disk={}))
        self._ws = {route: getattr(app_module, config.handler_string.split(".", 1)[1])
                    for route, config in chalice_app.websocket_handlers.items()}
        self._domain = domain
        self._sockets: dict[str, WebSocket] = {}
        routes = [
            Route("/api/{path:path}", self.rest, methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]),
            Route("/@connections/{connection_id:path}", self.connections, methods=["POST", "GET", "DELETE"]),
            WebSocketRoute("/ws", self.websocket),
            *(extra_routes or []),
            Mount("/widget", StaticFiles(directory=WEB_DIR / "widget", html=True, check_dir=False)),
            Mount("/", StaticFiles(directory=WEB_DIR / "app", html=True, check_dir=False)),
        ]
        self.asgi = Starlette(routes=routes)

    # REST ----------------------------------------------------------------------------------------
    async def rest(self, request: Request) -> Response:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        headers = dict(request.headers)
        body = await request.body()
        try:
            result = await run_in_threadpool(self._rest.handle_request, request.method, path, headers, body or None)
        except GatewayForbidden as error:
            return Response(error.body, status_code=403, headers=error.headers, media_type="application/json")
        return _to_response(result)

    # WebSockets ----------------------------------------------------------------------------------
    async def websocket(self, socket: WebSocket) -> None:
        connection_id = new_connection_id()
        connect = websocket_event("CONNECT", connection_id, domain=self._domain, headers=dict(socket.headers),
                                  query=dict(socket.query_params))
        result = await run_in_threadpool(self._call_ws, "$connect", connect)
        if (result or {}).get("statusCode", 200) != 200:
            await socket.close(code=1008, reason=_reason(result))
            return
        await socket.accept()
        self._sockets[connection_id] = socket
        try:
            while True:
                text = await socket.receive_text()
                event = websocket_event("MESSAGE", connection_id, domain=self._domain, body=text)
                asyncio.get_running_loop().run_in_executor(None, self._call_ws, "$default", event)
        except WebSocketDisconnect:
            pass
        finally:
            self._sockets.pop(connection_id, None)
            await run_in_threadpool(self._call_ws, "$disconnect",
                                    websocket_event("DISCONNECT", connection_id, domain=self._domain))

    def _call_ws(self, route: str, event: dict[str, Any]) -> dict[str, Any] | None:
        try:
            return self._ws[route](event, LambdaContext(f"ws{route}"))
        except Exception:
            log.exception("websocket handler %s failed", route)
            return {"statusCode": 500}

    async def connections(self, request: Request) -> Response:
        """API Gateway's @connections API: post to, inspect or close a connection."""
        connection_id = request.path_params["connection_id"]
        socket = self._sockets.get(connection_id)
        if socket is None:
            return JSONResponse({"message": "Gone"}, status_code=410, headers={"x-amzn-ErrorType": "GoneException"})
        if request.method == "POST":
            try:
                await socket.send_text((await request.body()).decode())
            except (RuntimeError, WebSocketDisconnect):
                self._sockets.pop(connection_id, None)
                return JSONResponse({"message": "Gone"}, status_code=410,
                                    headers={"x-amzn-ErrorType": "GoneException"})
            return Response(status_code=200)
        if request.method == "DELETE":
            await socket.close()
            return Response(status_code=204)
        return JSONResponse({"ConnectedAt": None, "Identity": {"SourceIp": "127.0.0.1"}})


def _to_response(result: dict[str, Any]) -> Response:
    body = result.get("body") or b""
    if result.get("isBase64Encoded"):
        import base64
        body = base64.b64decode(body)
    headers = {k: v for k, v in (result.get("headers") or {}).items()}
    response = Response(content=body, status_code=result["statusCode"], headers=headers)
    for name, values in (result.get("multiValueHeaders") or {}).items():
        for v in values:
            response.headers.append(name, v)
    return response


def _reason(result: dict[str, Any] | None) -> str:
    try:
        return json.loads((result or {}).get("body") or "{}").get("message", "refused")[:120]
    except ValueError:
        return "refused"

