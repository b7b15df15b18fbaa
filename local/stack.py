"""The whole product on one machine: moto, the template's resources, gateway, pollers, clock, demo data."""
from __future__ import annotations

import importlib
import logging
import multiprocessing
import os
import sys
import threading
from pathlib import Path
from typing import Any

from local.cfn import load_template
from local.gc_pauses import keep_collections_short
from local.resources import TEMPLATE, create_resources
from local.worker import QueueSource, connect_websocket_api, follow_clock, run

REPO = Path(__file__).resolve().parents[1]
REGION = "us-east-1"
BATCHES_PER_QUEUE = int(os.environ.get("PARLEY_POLLERS", "8"))  # batches a queue's handler runs at once
log = logging.getLogger("parley.local")


class LocalStack:
    """Starts and stops every local piece; the same class serves `make run` and the functional tests."""

    def __init__(self, *, port: int = 8000, moto_port: int = 4566, host: str = "127.0.0.1",
                 data_dir: Path | None = REPO / ".local", seed: bool = True, clock_seconds: float = 60.0,
                 smtp_port: int = 2525):
        self.port, self.moto_port, self.host = port, moto_port, host
        self.smtp_port = smtp_port
        self.smtp: Any = None
        self.url = f"http://{host}:{port}"
        self.moto_url = f"http://{host}:{moto_port}"
        self.data_dir, self.seed, self.clock_seconds = data_dir, seed, clock_seconds
        self.stop_event = threading.Event()
        self.worker: Any = None
        self.clock: Any = None
        self.environment: dict[str, str] = {}
        self._moto: Any = None
        self._server: Any = None
        self._saver: threading.Thread | None = None
        self._processes = multiprocessing.get_context("spawn")
        self.clock_offset = self._processes.Value("d", 0.0)  # seconds Parley's clock runs ahead (/_local/clock/advance)
        self.ready = False

    # start -----------------------------------------------------------------------------------------
    def start(self) -> None:
        """Bring everything up; returns once the gateway answers."""
        self._aws_environment()
        from local.moto_server import MotoServer

        self._moto = MotoServer(self.host, self.moto_port)
        self._moto.start()
        overrides = {k: v for k, v in os.environ.items()}
        env, creator = create_resources(self.moto_url, REGION, overrides)
        pool = env["USER_POOL_ID"]
        env.update({
            "PARLEY_STAGE": "local",
            "JWKS_URL": f"{self.moto_url}/{pool}/.well-known/jwks.json",
            "JWT_ISSUER": f"https://cognito-idp.{REGION}.amazonaws.com/{pool}",
            "WEBSOCKET_ENDPOINT": self.url,
            "PUBLIC_URL": self.url,
        })
        self.environment = env
        os.environ.update(env)
        self._restore(creator)
        sys.path.insert(0, str(REPO)) if str(REPO) not in sys.path else None
        app_module = importlib.import_module("app")
        connect_websocket_api(app_module, self.url, REGION)
        self._start_pollers(app_module, creator)
        self._start_smtp(app_module, creator)
        self._start_gateway(app_module)
        if self.seed:
            self._seed()
        if self.data_dir:
            self._saver = threading.Thread(target=self._save_periodically, name="saver", daemon=True)
            self._saver.start()
        keep_collections_short(self.stop_event)
        self.ready = True

    def _aws_environment(self) -> None:
        for name, value in {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
                            "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION,
                            "AWS_ENDPOINT_URL": self.moto_url, "POWERTOOLS_TRACE_DISABLED": "true",
                            "POWERTOOLS_METRICS_NAMESPACE": "Parley", "POWERTOOLS_SERVICE_NAME": "parley",
                            "POWERTOOLS_DEV": "false"}.items():
            os.environ[name] = value
        os.environ["AWS_ENDPOINT_URL"] = self.moto_url

    def _start_pollers(self, app_module: Any, creator: Any) -> None:
        """The queue pollers in a worker process (local/worker.py); the clock here, beside /_local/clock/tick."""
        from local.pollers import Clock

        follow_clock(self.clock_offset)
        template = load_template(TEMPLATE)
        sources = []
        for source in app_module.app.event_sources:
            if type(source).__name__ == "SQSEventConfig":
                queue = _queue_for_function(template, source.name)
                sources.append(QueueSource(source.name, creator.resolver.ref(queue),
                                           creator.resolver.get_att(queue, "Arn"), source.batch_size))
        ready, self._worker_stop = self._processes.Event(), self._processes.Event()
        self.worker = self._processes.Process(
            target=run, name="parley-worker", daemon=True,
            args=(dict(os.environ), sources, BATCHES_PER_QUEUE, REGION, self.url, self.clock_offset, ready,
                  self._worker_stop))
        self.worker.start()
        if not ready.wait(120) or not self.worker.is_alive():
            raise RuntimeError("the queue worker process did not start; see the log above")
        schedules = {s.name: getattr(app_module, s.name) for s in app_module.app.event_sources
                     if type(s).__name__ == "ScheduledEventConfig"}
        self.clock = Clock(schedules, self.clock_seconds, REGION, self.stop_event)
        self.clock.start()

    def _start_smtp(self, app_module: Any, creator: Any) -> None:
        from local.smtp import LocalSmtp

        self.smtp = LocalSmtp(host=self.host, port=self.smtp_port, s3=creator.client("s3"),
                              bucket=self.environment["ATTACHMENTS_BUCKET"],
                              support_address=self.environment["SUPPORT_ADDRESS"],
                              handler=app_module.inbound_email, region=REGION)
        self.smtp.start()

    def _start_gateway(self, app_module: Any) -> None:
        import uvicorn
        from starlette.responses import JSONResponse
        from starlette.routing import Route
        from starlette.concurrency import run_in_threadpool

        from local.gateway import Gateway

        async def tick(request: Any) -> JSONResponse:
            return JSONResponse(await run_in_threadpool(self.clock.tick), media_type="application/json")

        async def advance(request: Any) -> JSONResponse:
            try:
                body = await request.json() if await request.body() else {}
            except ValueError:
                body = None
            seconds = body.get("seconds", 0) if isinstance(body, dict) else None
            if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0:
                return JSONResponse({"error": "invalid", "message": 'send {"seconds": N} with N >= 0; '
                                     "time only moves forward"}, status_code=400)
            return JSONResponse({"now": self.advance_clock(float(seconds))})

        async def health(request: Any) -> JSONResponse:
            public = {k: v for k, v in self.environment.items() if "SECRET" not in k and "TOKEN" not in k}
            return JSONResponse({"ok": self.ready, "url": self.url, "moto_url": self.moto_url, "resources": public},
                                status_code=200 if self.ready else 503)

        extra = [Route("/_local/clock/tick", tick, methods=["POST"]),
                 Route("/_local/clock/advance", advance, methods=["POST"]), Route("/_local/health", health)]
        gateway = Gateway(app_module, f"{self.host}:{self.port}", extra)
        config = uvicorn.Config(gateway.asgi, host=self.host, port=self.port, log_level="warning",
                                ws="websockets-sansio", lifespan="off", timeout_graceful_shutdown=2)
        self._server = uvicorn.Server(config)
        thread = threading.Thread(target=self._server.run, name="gateway", daemon=True)
        thread.start()
        while not self._server.started:
            if not thread.is_alive():
                raise RuntimeError(f"the gateway could not start on {self.url} (is the port in use?)")
            self.stop_event.wait(0.05)

    def advance_clock(self, seconds: float) -> str:
        """Move Parley's clock (chalicelib.clock) forward by seconds, for trying time rules; returns the new now."""
        from chalicelib import clock

        with self.clock_offset.get_lock():
            self.clock_offset.value += seconds
        return clock.iso(clock.now())

    def _seed(self) -> None:
        from chalicelib.bootstrap import client
        from local.seed import seed_logins, seed_profiles

        seed_logins(client("cognito-idp"), self.environment["USER_POOL_ID"])
        seed_profiles()

    # persistence -----------------------------------------------------------------------------------
    @property
    def _snapshot(self) -> Path | None:
        return self.data_dir / "dynamodb.json" if self.data_dir else None

    def _tables(self) -> list[str]:
        return [self.environment[k] for k in ("TICKETS_TABLE", "AGENTS_TABLE", "CONNECTIONS_TABLE")]

    def _restore(self, creator: Any) -> None:
        if self._snapshot:
            from local import state

            count = state.load(creator.client("dynamodb"), self._snapshot)
            if count:
                log.info("restored %d items from %s", count, self._snapshot)

    def save(self) -> None:
        """Snapshot the tables now."""
        if self._snapshot:
            from chalicelib.bootstrap import client
            from local import state

            state.save(client("dynamodb"), self._tables(), self._snapshot)

    def _save_periodically(self) -> None:
        while not self.stop_event.wait(15):
            try:
                self.save()
            except Exception:
                log.exception("saving local data failed")

    # stop ------------------------------------------------------------------------------------------
    def stop(self) -> None:
        """Stop pollers and clock, save data, stop the gateway and moto."""
        self.stop_event.set()
        if self.worker is not None:
            self._worker_stop.set()
            self.worker.join(timeout=15)
            if self.worker.is_alive():
                self.worker.terminate()
        try:
            if self.ready:  # a stack that never started has nothing of the user's to keep
                self.save()
        except Exception:
            log.exception("saving local data failed")
        if self.smtp:
            self.smtp.stop()
        if self._server:
            self._server.should_exit = True
        if self._moto:
            self._moto.stop()


def _queue_for_function(template: dict[str, Any], function_name: str) -> str:
    """The queue logical id the template wires to a Chalice SQS handler (by the handler's logical id)."""
    logical_id = "".join(part.capitalize() for part in function_name.split("_"))
    events = template["Resources"].get(logical_id, {}).get("Properties", {}).get("Events", {})
    for event in events.values():
        queue = event.get("Properties", {}).get("Queue", {})
        sub = queue.get("Fn::Sub", "") if isinstance(queue, dict) else ""
        if sub.startswith("${") and sub.endswith(".Arn}"):
            return sub[2:-5]
    raise RuntimeError(f"infra/template.yaml wires no queue to {function_name} ({logical_id}.Properties.Events)")
