"""`walltrack run` as a person uses it: Ctrl-C stops every child; data survives a restart."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
from neo4j import GraphDatabase

from tests.e2e.conftest import start_stack, stop_stack


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_ctrl_c_stops_every_child_and_data_persists(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    # Given a running stack with a saved setting and a graph node
    first = start_stack(data_dir)
    try:
        # (the simulated market it started answers with DexScreener's shapes)
        profiles = httpx.get(f"{first.sim_url}/token-profiles/latest/v1", timeout=10)
        assert profiles.status_code == 200
        assert isinstance(profiles.json(), list)
        saved = httpx.put(
            f"{first.base_url}/config/token_refresh",
            headers=first.auth,
            json={"interval_minutes": 17},
            timeout=10,
        )
        assert saved.status_code == 200
        driver = GraphDatabase.driver(f"bolt://127.0.0.1:{first.bolt_port}", auth=None)
        driver.execute_query("MERGE (w:Wallet {address: 'persisted-wallet'})")
        # (the driver is deliberately not closed: see walltrack.data.graph.driver)
    finally:
        # When Ctrl-C is pressed
        code = stop_stack(first)
    # Then the process exits cleanly and its Postgres, graph server and simulated market are gone
    assert code == 0, first.log_tail()
    assert not _port_open(first.bolt_port)
    assert not _port_open(int(first.sim_url.rsplit(":", 1)[1]))
    assert not (data_dir / "postgres" / "postmaster.pid").exists()

    # And a new run on the same folder sees the same data
    second = start_stack(data_dir)
    try:
        stored = httpx.get(
            f"{second.base_url}/config/token_refresh", headers=second.auth, timeout=10
        ).json()
        assert stored["values"]["interval_minutes"] == 17
        driver = GraphDatabase.driver(f"bolt://127.0.0.1:{second.bolt_port}", auth=None)
        records, _, _ = driver.execute_query(
            "MATCH (w:Wallet {address: 'persisted-wallet'}) RETURN count(w) AS n"
        )
        assert records[0]["n"] == 1
    finally:
        stop_stack(second)
