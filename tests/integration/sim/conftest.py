"""A served small world (frozen clock), a webhook receiver, ways to wait on the sim over real
loopback HTTP, and what the swap parser must answer for each of a world's transactions."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from sim.chain import USDC_MINT, WSOL_MINT
from sim.server import SimClock, SimConfig, SimServer
from sim.webhooks import Faults
from sim.world import FLAG_MULTIHOP, SWAP, Scenario, World, build_world


@pytest.fixture(scope="module")
def sim_server() -> Iterator[SimServer]:
    """The small scenario served on a free port; deliveries retry fast for tests."""
    world = build_world(Scenario.small(seed=5))
    config = SimConfig(speed=0.0, tick_s=0.05, faults=Faults(retry_delay_s=0.05))
    with SimServer(world, config) as server:
        yield server


def wait_until(
    condition: Callable[[], bool],
    *,
    message: str,
    timeout_s: float = 10.0,
    interval_s: float = 0.02,
) -> None:
    """Poll ``condition`` every ``interval_s`` until it holds; fail with ``message`` after
    ``timeout_s`` (for what only a running clock can bring, e.g. a first live delivery)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s} s waiting until {message}")
        time.sleep(interval_s)


def run_clock_to(server: SimServer, at_ms: int) -> None:
    """Move a served world's frozen clock to ``at_ms``: the world executes everything scheduled
    up to then, and this returns once every resulting webhook delivery (retries included) is
    finished, so a test can assert without sleeping."""
    server.sim.clock = SimClock(at_ms, 0)
    server.call(server.sim.tick)
    server.call(server.sim.deliverer.drain)


class _Listener(ThreadingHTTPServer):
    # room for a burst of concurrent deliveries: a refused connect would be a transport error,
    # an extra retry the test did not ask for
    request_queue_size = 256


class Receiver:
    """Records webhook POSTs; fails the first ``fail_first`` of them with a 500, answers a body
    that is not JSON with a 400 and everything else with a 200."""

    def __init__(self, fail_first: int = 0) -> None:
        self.bodies: list[Any] = []  # accepted (200) POSTs, parsed
        self.raw: list[bytes] = []  # every POST received
        self.auth: list[str | None] = []  # the Authorization header of every POST
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

        self.httpd = _Listener(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def signatures(self) -> list[str]:
        """Signatures of every accepted delivery, in arrival order (duplicates kept)."""
        with self.lock:
            return [tx["signature"] for body in self.bodies for tx in body]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def world_trade(w: World, tx: int) -> dict[str, Any] | None:
    """The trade the world executed in `tx`, in the parser's terms (None: not a trade)."""
    if w.t_kind[tx] != SWAP:
        return None
    pool, tok = w.pools[w.t_pool[tx]], w.tokens[w.t_token[tx]]
    # a 2-hop route is paid in SOL into the SOL/USDC pool, then USDC into the token's USDC pool
    quote_mint = WSOL_MINT if w.t_flags[tx] & FLAG_MULTIHOP else pool.quote_mint
    quote_decimals = 6 if quote_mint == USDC_MINT else 9
    buy = w.t_side[tx] == 0
    token_raw, quote_raw = (w.t_out[tx], w.t_in[tx]) if buy else (w.t_in[tx], w.t_out[tx])
    return {
        "wallet": w.addr[w.t_wallet[tx]],
        "side": "buy" if buy else "sell",
        "token_mint": tok.mint,
        "token_amount": Decimal(token_raw).scaleb(-tok.decimals),
        "quote_mint": quote_mint,
        "quote_amount": Decimal(quote_raw).scaleb(-quote_decimals),
    }


def at_parser_limit(w: World, tx: int, body: dict[str, Any]) -> bool:
    """Is this body the parser's documented limit (README, `walltrack parse-helius`): no
    instructions, and a fee paid to an unknown trading bot's wallet?"""
    return not body["instructions"] and w.t_kind[tx] == SWAP and w.t_bot[tx] < 0


def expected_swaps(w: World, tx: int, body: dict[str, Any]) -> list[dict[str, Any]]:
    """What the parser must answer for `body` (transaction `tx` as rendered): the world's trade
    or nothing; at the limit, the venue's price with the unknown bot's fee left in (a buy paid
    it on top, a sell received that much less)."""
    trade = world_trade(w, tx)
    if trade is None:
        return []
    if at_parser_limit(w, tx, body):
        fee = Decimal(w.t_bot_fee[tx]).scaleb(-9)
        trade["quote_amount"] += fee if trade["side"] == "buy" else -fee
    return [trade]


def swap_fields(swap: Any) -> dict[str, Any]:
    """A parsed `Swap`'s fields that `world_trade` states."""
    return {
        k: getattr(swap, k)
        for k in ("wallet", "side", "token_mint", "token_amount", "quote_mint", "quote_amount")
    }
