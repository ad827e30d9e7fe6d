"""The whole local stack as a user starts it (`walltrack run`), and a real headless browser."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import sync_playwright

from tests.conftest import REPO_ROOT, free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Stack:
    process: subprocess.Popen[bytes]
    base_url: str
    data_dir: Path
    bolt_port: int
    log_path: Path
    sim_url: str
    api_token: str = ""
    """The API token `walltrack run` uses: the one its environment gave it, or the one it made
    on its first run (read from its private file, as a user would)."""

    @property
    def auth(self) -> dict[str, str]:
        """What an API call but GET /health sends."""
        return {"Authorization": f"Bearer {self.api_token}"}

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


def start_stack(
    data_dir: Path, extra_env: dict[str, str] | None = None, *, own_group: bool = False
) -> Stack:
    """`walltrack run` on `data_dir`, healthy. `own_group`: in a process group of its own, as
    a terminal starts it, so `stop_stack(..., group=True)` can signal the whole group."""
    port, bolt, redis, sim = free_port(), free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "WALLTRACK_DATA_DIR": str(data_dir),
        "WALLTRACK_GRAPH_BOLT_PORT": str(bolt),
        "WALLTRACK_GRAPH_REDIS_PORT": str(redis),
        "WALLTRACK_API_BASE_URL": f"http://127.0.0.1:{port}",
        # the small simulated world (2 h of history) at 60x: builds in about a second
        "WALLTRACK_SIM_PORT": str(sim),
        "WALLTRACK_SIM_SMALL": "1",
        "WALLTRACK_SIM_SEED": "7",
        "WALLTRACK_SIM_SPEED": "60",
        **(extra_env or {}),
    }
    for name in ("WALLTRACK_DATABASE_URL", "WALLTRACK_NEO4J_URI"):
        env.pop(name, None)
    # As a user starts it: no API token set (`walltrack run` makes, or reuses, its own) and no
    # dashboard password, unless the test gives them.
    for name in ("WALLTRACK_API_TOKEN", "WALLTRACK_DASHBOARD_PASSWORD"):
        if name not in (extra_env or {}):
            env.pop(name, None)
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / "run.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "walltrack.cli", "run", "--port", str(port)],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=own_group,
    )
    stack = Stack(
        process, f"http://127.0.0.1:{port}", data_dir, bolt, log_path, f"http://127.0.0.1:{sim}"
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"walltrack run exited early:\n{stack.log_tail()}")
        try:
            if httpx.get(f"{stack.base_url}/health", timeout=5).status_code == 200:
                stack.api_token = env.get("WALLTRACK_API_TOKEN") or _token_file(data_dir)
                return stack
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    stop_stack(stack)
    raise RuntimeError(f"stack not healthy within 90 s:\n{stack.log_tail()}")


def _token_file(data_dir: Path) -> str:
    """The token `walltrack run` made in the data directory: private to its owner."""
    path = data_dir / "api-token"
    assert path.stat().st_mode & 0o777 == 0o600, oct(path.stat().st_mode)
    return path.read_text(encoding="utf-8").strip()


def stop_stack(stack: Stack, *, sig: int = signal.SIGINT, group: bool = False) -> int:
    """`sig` to `walltrack run`, or with `group` to its whole process group, as a terminal's
    Ctrl-C does (the stack must have been started with `own_group`)."""
    if stack.process.poll() is None:
        if group:
            os.killpg(stack.process.pid, sig)
        else:
            stack.process.send_signal(sig)
        try:
            stack.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            stack.process.kill()
            stack.process.wait()
    return stack.process.returncode


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("stack"))
    yield running
    stop_stack(running)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:

    if not Path(CHROMIUM).exists():
        pytest.fail("chromium not installed: `make browser` installs Debian's chromium")
    # Playwright gives every launch a fresh, empty profile (its own --user-data-dir).
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def save_settings_until(page: Any, text: str) -> None:
    """Click Save once and wait for the message under it to show `text`. With 11 tabs on a
    busy stack a save's answer has taken over 20 s in CI, hence the long wait. No second click:
    a Save that gets no answer is the bug this wait would hide (the form used to be re-rendered
    under the click; see ui/settings.py)."""
    page.locator("#settings-save").click()
    page.locator("#settings-message").get_by_text(text).wait_for(timeout=60_000)
