"""`walltrack run` with a dashboard password: the browser meets a login page first, and once
logged in the dashboard shows what only the API token can read. All on 127.0.0.1 (the refusal
to serve beyond loopback without a password is checked at the argument level, in
tests/unit/test_dashboard_access.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import Stack, start_stack, stop_stack

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(
        tmp_path_factory.mktemp("guarded"), {"WALLTRACK_DASHBOARD_PASSWORD": PASSWORD}
    )
    yield running
    stop_stack(running)


def test_the_dashboard_asks_for_a_login_then_shows_the_apis_data(page: Any, guarded: Stack) -> None:
    # Given `walltrack run` with WALLTRACK_DASHBOARD_PASSWORD set
    # When the dashboard is opened
    page.goto(f"{guarded.base_url}/ui/")
    # Then a login page comes first, and no dashboard
    page.get_by_label("username").wait_for()
    assert page.locator("#health-summary").count() == 0
    # When the user logs in (default user `walltrack`)
    page.get_by_label("username").fill("walltrack")
    page.get_by_label("password").fill(PASSWORD)
    page.get_by_role("button", name="Login").click()
    # Then the Status tab shows the health, and the schedules the API serves only with its
    # token (the dashboard was handed it in process)
    page.locator("#health-summary").get_by_text("All components healthy").wait_for()
    cells = page.locator("#schedules-table [data-testid^='cell-']")
    deadline = time.monotonic() + 20
    while "token_refresh" not in [c.strip() for c in cells.all_inner_texts()]:
        assert time.monotonic() < deadline, cells.all_inner_texts()
        page.wait_for_timeout(250)


def test_a_wrong_password_shows_nothing(page: Any, guarded: Stack) -> None:
    page.goto(f"{guarded.base_url}/ui/")
    page.get_by_label("username").fill("walltrack")
    page.get_by_label("password").fill(PASSWORD + "x")
    page.get_by_role("button", name="Login").click()
    page.get_by_text("Incorrect Credentials", exact=False).wait_for()
    assert page.locator("#health-summary").count() == 0


def test_run_prints_where_its_token_is_never_the_token(guarded: Stack) -> None:
    # Given the run made its own token (none in its environment) / Then its output names the
    # private file and never holds the token itself
    log = guarded.log_path.read_text(errors="replace")
    assert str((guarded.data_dir / "api-token").resolve()) in log
    assert guarded.api_token not in log
