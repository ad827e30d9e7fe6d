"""`walltrack run` / `walltrack sim` and the simulated market child process."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from walltrack.cli import build_parser
from walltrack.cli.market import (
    SIM_API_KEY,
    MarketOptions,
    MarketStartError,
    options_from,
    point_services_at,
)
from walltrack.cli.market_clock import CLOCK_FILE, HEARTBEAT_S, resume_options
from walltrack.config.settings import EnvSettings


def test_sim_options_become_the_simulators_command_line() -> None:
    # Given the options a user types
    typed = "sim --seed 9 --speed 60 --sim-port 9999 --small --sim-arg=--rate-limits=documented"
    args = build_parser().parse_args(typed.split())
    # When they are turned into the child's argv
    argv = options_from(args).argv()
    # Then the simulator gets exactly them, bound to loopback
    assert argv[1:4] == ["-m", "sim", "serve"]
    assert argv[argv.index("--host") + 1] == "127.0.0.1"
    assert argv[argv.index("--port") + 1] == "9999"
    assert argv[argv.index("--seed") + 1] == "9"
    assert argv[argv.index("--speed") + 1] == "60.0"
    assert "--small" in argv
    assert argv[-1] == "--rate-limits=documented"


def test_the_calibrated_world_is_served_unless_another_is_asked_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("WALLTRACK_SIM_SCENARIO", raising=False)
    monkeypatch.delenv("WALLTRACK_SIM_SMALL", raising=False)

    def scenario(typed: str) -> str | None:
        argv = options_from(build_parser().parse_args(typed.split())).argv()
        return argv[argv.index("--scenario") + 1] if "--scenario" in argv else None

    # Given no world option, Then the calibrated world is served
    assert scenario("run") == "calibrated"
    # Given --scenario default, Then the older default day (the sim's own default name)
    assert scenario("run --scenario default") == "default"
    # Given --small, Then the small test world, no scenario on top of it
    assert scenario("run --small") is None
    # Given the environment's choice, Then it is served
    monkeypatch.setenv("WALLTRACK_SIM_SCENARIO", "calibrated-small")
    assert scenario("run") == "calibrated-small"


def test_a_folder_of_the_default_day_still_matches_when_it_is_asked_for_by_name() -> None:
    # Given the world a folder recorded before worlds were named (seed 3, the default day)
    before = {"seed": 3, "small": False, "scenario": None, "history_hours": None}
    # Then `--scenario default` names the same world, and the calibrated one another
    assert MarketOptions(seed=3, scenario="default").world() == before
    assert MarketOptions(seed=3, scenario="calibrated").world() != before


def test_every_external_service_points_at_the_market(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given real-service URLs in the environment (registered so the test restores them)
    names = ["DEXSCREENER_BASE_URL", "HELIUS_API_BASE_URL", "HELIUS_RPC_URL"]
    names += ["JUPITER_BASE_URL", "RUGCHECK_BASE_URL", "HELIUS_API_KEY", "JUPITER_API_KEY"]
    for name in names:
        monkeypatch.setenv(f"WALLTRACK_{name}", "https://real.example")
    # registered then removed, so the test restores whatever was there (or nothing)
    for plan in ("WALLTRACK_HELIUS_PLAN", "WALLTRACK_JUPITER_PLAN"):
        monkeypatch.setenv(plan, "free")
        monkeypatch.delenv(plan)
    # When the market's base URL is applied before settings are read
    point_services_at("http://127.0.0.1:8765")
    settings = EnvSettings(_env_file=None)
    # Then every client base URL and key is the simulator's
    assert settings.dexscreener_base_url == "http://127.0.0.1:8765"
    assert settings.helius_api_base_url == "http://127.0.0.1:8765"
    assert settings.helius_rpc_url == "http://127.0.0.1:8765"
    assert settings.jupiter_base_url == "http://127.0.0.1:8765"
    assert settings.rugcheck_base_url == "http://127.0.0.1:8765"
    assert settings.helius_api_key is not None
    assert settings.helius_api_key.get_secret_value() == SIM_API_KEY
    # And the Helius and Jupiter plans default to developer beside the market, unless one was
    # exported
    assert settings.helius_plan == "developer"
    assert settings.jupiter_plan == "developer"


def test_a_resumed_market_is_told_where_its_clock_starts() -> None:
    # Given options resuming at a saved business time
    options = MarketOptions(seed=3, resume_at=datetime(2026, 3, 10, 15, 30, tzinfo=UTC))
    # When they become the simulator's command line
    argv = options.argv()
    # Then the simulator starts its clock there
    assert argv[argv.index("--resume-at") + 1] == "2026-03-10T15:30:00+00:00"
    assert options.started_at == options.resume_at
    assert "--resume-at" not in MarketOptions(seed=3).argv()


def _saved(folder: Path, *, stopped: bool, world: dict[str, object] | None = None) -> None:
    record = {
        "world": world or MarketOptions(seed=3).world(),
        "business_time": "2026-03-10T15:30:00+00:00",
        "speed": 60.0,
        "stopped": stopped,
    }
    (folder / CLOCK_FILE).write_text(json.dumps(record), encoding="utf-8")


def test_a_killed_stack_resumes_one_heartbeat_later(tmp_path: Path) -> None:
    saved = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)
    # Given a clean stop's record, then a record a killed stack left (no final write)
    _saved(tmp_path, stopped=True)
    clean = resume_options(MarketOptions(seed=3), tmp_path).resume_at
    _saved(tmp_path, stopped=False)
    killed = resume_options(MarketOptions(seed=3), tmp_path).resume_at
    # Then the clean stop resumes exactly there; the killed one a heartbeat of its speed later,
    # past whatever it stamped after its last write
    assert clean == saved
    assert killed == saved + timedelta(seconds=HEARTBEAT_S * 60)


def test_a_first_start_and_an_unreadable_record(tmp_path: Path) -> None:
    # A folder without a record starts the market at its epoch
    assert resume_options(MarketOptions(seed=3), tmp_path).resume_at is None
    # A record that cannot be read is a clear error, saying what to do
    (tmp_path / CLOCK_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(MarketStartError, match="delete it"):
        resume_options(MarketOptions(seed=3), tmp_path)
