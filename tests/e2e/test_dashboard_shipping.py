"""The dashboard as it ships, in a real browser against the local API that requires a token.

Two entry points, each run as it runs in production, bound to 127.0.0.1: the Docker image's CMD
(read from the Dockerfile, so the test cannot drift from it) and the Space's `python app.py` in
a folder laid out by `make space`. Both run in a Python that refuses every module the image's
requirements do not install (tests/support/lean.py), so a missing requirement fails here."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from dockerfile_parse import DockerfileParser

from tests.conftest import REPO_ROOT, free_port
from tests.e2e.conftest import Stack, start_stack, stop_stack
from tests.support.lean import blocked_modules, blocker_env, read_requirements
from tools.space import PACKAGES, lay_out

TOKEN = secrets.token_urlsafe(32)
USER = "ops"
PASSWORD = secrets.token_urlsafe(16)


@dataclass
class Dashboard:
    process: subprocess.Popen[bytes]
    url: str
    log_path: Path

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


@pytest.fixture(scope="module")
def secured_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """`walltrack run` with an API token: every API call without it is refused."""
    running = start_stack(tmp_path_factory.mktemp("secured"), {"WALLTRACK_API_TOKEN": TOKEN})
    yield running
    stop_stack(running)


def _contract(stack: Stack) -> dict[str, str]:
    """The environment a deployment gives the dashboard (README's env contract)."""
    return {
        "WALLTRACK_API_BASE_URL": stack.base_url,
        "WALLTRACK_API_TOKEN": TOKEN,
        "WALLTRACK_DASHBOARD_USER": USER,
        "WALLTRACK_DASHBOARD_PASSWORD": PASSWORD,
    }


def _clean_env() -> dict[str, str]:
    """This process's environment minus any WalltTrack or Gradio setting it may carry."""
    return {
        k: v for k, v in os.environ.items() if not k.startswith(("WALLTRACK_", "GRADIO_", "PYTHON"))
    }


def _serve(argv: list[str], env: dict[str, str], cwd: Path, port: int) -> Dashboard:
    log_path = cwd.parent / f"dashboard-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    dashboard = Dashboard(process, f"http://127.0.0.1:{port}", log_path)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{argv} exited {process.returncode}:\n{dashboard.log_tail()}")
        try:
            if httpx.get(dashboard.url, timeout=5).status_code == 200:
                return dashboard
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    _stop(dashboard)
    raise RuntimeError(f"{argv} not serving within 90 s:\n{dashboard.log_tail()}")


def _stop(dashboard: Dashboard) -> None:
    if dashboard.process.poll() is None:
        dashboard.process.terminate()
        try:
            dashboard.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            dashboard.process.kill()
            dashboard.process.wait()


def _lean(workdir: Path, base: dict[str, str], *, path: list[Path]) -> dict[str, str]:
    blocked = blocked_modules(read_requirements(), PACKAGES)
    return blocker_env(workdir, blocked, base, path=path)


@pytest.fixture(scope="module")
def image_dashboard(
    secured_stack: Stack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Dashboard]:
    """The Dockerfile's CMD with its ENV, its --host and --port moved to loopback."""
    parsed = DockerfileParser(str(REPO_ROOT / "Dockerfile"))
    argv = json.loads(parsed.cmd)
    port = free_port()
    for flag, value in (("--host", "127.0.0.1"), ("--port", str(port))):
        argv[argv.index(flag) + 1] = value
    # The image's `walltrack` console script is this venv's: the same entry point, installed.
    argv[0] = str(Path(sys.executable).with_name(argv[0]))
    workdir = tmp_path_factory.mktemp("image")
    env = {**_clean_env(), **parsed.envs, **_contract(secured_stack)}
    running = _serve(argv, _lean(workdir, env, path=[REPO_ROOT]), workdir, port)
    yield running
    _stop(running)


@pytest.fixture(scope="module")
def space_dashboard(
    secured_stack: Stack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Dashboard]:
    """`python app.py` in a Space laid out by `make space`, told where to listen as Spaces
    tells it (GRADIO_SERVER_NAME/PORT); nothing of this checkout is on its path."""
    space = tmp_path_factory.mktemp("space") / "space"
    lay_out(space)
    port = free_port()
    env = {
        **_clean_env(),
        **_contract(secured_stack),
        "GRADIO_SERVER_NAME": "127.0.0.1",
        "GRADIO_SERVER_PORT": str(port),
    }
    running = _serve([sys.executable, "app.py"], _lean(space.parent, env, path=[]), space, port)
    yield running
    _stop(running)


def _log_in(page: Any, dashboard: Dashboard, password: str) -> None:
    page.goto(dashboard.url)
    page.get_by_label("username").fill(USER)
    page.get_by_label("password").fill(password)
    page.get_by_role("button", name="Login").click()


def _assert_status_tab_shows_the_apis_health(page: Any) -> None:
    page.locator("#health-summary").get_by_text("All components healthy").wait_for()
    cells = [
        c.strip() for c in page.locator("#health-table [data-testid^='cell-']").all_inner_texts()
    ]
    rows = {cells[i]: cells[i + 1] for i in range(0, len(cells) - 3, 4)}
    assert rows == {"postgres": "up", "graph": "up"}, cells


@pytest.mark.parametrize("name", ["image_dashboard", "space_dashboard"])
def test_each_entry_listens_only_where_it_is_told(
    name: str, request: pytest.FixtureRequest
) -> None:
    # Given an entry point told to listen on 127.0.0.1 (Docker's CMD rewritten, Spaces'
    # GRADIO_SERVER_NAME) / When its listening sockets are read from the kernel
    dashboard: Dashboard = request.getfixturevalue(name)
    listening = {
        (c.laddr.ip, c.laddr.port)
        for c in psutil.Process(dashboard.process.pid).net_connections(kind="inet")
        if c.status == psutil.CONN_LISTEN
    }
    # Then it listens on that address and port only
    assert listening == {("127.0.0.1", int(dashboard.url.rsplit(":", 1)[1]))}


def test_the_api_refuses_a_call_without_the_token(secured_stack: Stack) -> None:
    # Given the API started with a token / When it is called without one
    response = httpx.get(f"{secured_stack.base_url}/config", timeout=10)
    # Then it refuses: the dashboard's green Status tab below proves it sent the token
    assert response.status_code == 401


def test_the_image_cmd_logs_in_and_shows_the_apis_health(
    page: Any, image_dashboard: Dashboard
) -> None:
    # Given the image's entry point serving / When a user opens it, sees the login, logs in
    _log_in(page, image_dashboard, PASSWORD)
    # Then the Status tab shows every component of the API as up
    _assert_status_tab_shows_the_apis_health(page)


def test_the_image_cmd_refuses_a_wrong_password(page: Any, image_dashboard: Dashboard) -> None:
    # Given the image's entry point / When the password is wrong
    _log_in(page, image_dashboard, PASSWORD + "x")
    # Then the login page stays, saying so, and no dashboard is shown
    page.get_by_text("Incorrect Credentials", exact=False).wait_for()
    assert page.locator("#health-summary").count() == 0


def test_the_space_app_logs_in_and_shows_the_apis_health(
    page: Any, space_dashboard: Dashboard
) -> None:
    # Given the Space's app.py serving from its own folder / When a user logs in
    _log_in(page, space_dashboard, PASSWORD)
    # Then the Status tab shows every component of the API as up
    _assert_status_tab_shows_the_apis_health(page)
