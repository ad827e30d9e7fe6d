"""A served small world (frozen clock) and a webhook receiver, over real loopback HTTP."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from sim.server import SimConfig, SimServer
from sim.webhooks import Faults
from sim.world import Scenario, build_world


@pytest.fixture(scope="module")
def sim_server() -> Iterator[SimServer]:
    """The small scenario served on a free port; deliveries retry fast for tests."""
    world = build_world(Scenario.small(seed=5))
    config = SimConfig(speed=0.0, tick_s=0.05, faults=Faults(retry_delay_s=0.05))
    with SimServer(world, config) as server:
        yield server


class Receiver:
    """Records webhook POSTs; fails the first ``fail_first`` of them with a 500."""

    def __init__(self, fail_first: int = 0) -> None:
        self.bodies: list[Any] = []
        self.raw: list[bytes] = []
        self.auth: list[str | None] = []
        self.fail_first = fail_first
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                data = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.raw.append(data)
                    receiver.auth.append(self.headers.get("Authorization"))
                    if receiver.fail_first > 0:
                        receiver.fail_first -= 1
                        status = 500
                    else:
                        try:
                            receiver.bodies.append(json.loads(data))
                            status = 200
                        except json.JSONDecodeError:
                            status = 400
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
