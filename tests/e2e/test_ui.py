"""The dashboard in a real headless Chromium against the running local stack."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.conftest import Stack

INTERVAL = "#setting-token_refresh-interval_minutes input"


def _open_settings(page: Any, stack: Stack, step_title: str) -> None:
    page.goto(f"{stack.base_url}/ui/")
    page.get_by_role("tab", name="Settings").click()
    page.locator("#settings-step input").click()
    page.get_by_role("option", name=step_title).click()
    page.locator(INTERVAL).wait_for(state="visible")


def test_status_tab_shows_every_component_healthy(page: Any, stack: Stack) -> None:
    # Given the stack is up / When the dashboard opens
    page.goto(f"{stack.base_url}/ui/")
    # Then the Status tab lists postgres and graph as up
    page.locator("#health-summary").get_by_text("All components healthy").wait_for()
    cell_texts = page.locator("#health-table [data-testid^='cell-']").all_inner_texts()
    cells = [c.strip() for c in cell_texts]
    rows = {cells[i]: cells[i + 1] for i in range(0, len(cells) - 3, 4)}
    assert rows == {"postgres": "up", "graph": "up"}, cells


def test_a_setting_saved_in_the_ui_persists_across_reload(page: Any, stack: Stack) -> None:
    # Given the Settings tab on the surveillance step
    _open_settings(page, stack, "Token surveillance (step 2)")
    # When the refresh interval is changed and saved
    page.locator(INTERVAL).fill("9")
    page.locator("#settings-save").click()
    page.locator("#settings-message").get_by_text("Saved").wait_for()
    # Then after a reload the form shows the stored value, and so does the API
    page.reload()
    _open_settings(page, stack, "Token surveillance (step 2)")
    assert page.locator(INTERVAL).input_value() == "9"
    stored = httpx.get(f"{stack.base_url}/config/token_refresh", headers=stack.auth).json()
    assert stored["values"]["interval_minutes"] == 9


def test_an_invalid_setting_shows_the_error_and_changes_nothing(page: Any, stack: Stack) -> None:
    # Given the current stored version
    before = httpx.get(f"{stack.base_url}/config/token_refresh", headers=stack.auth).json()
    _open_settings(page, stack, "Token surveillance (step 2)")
    # When an out-of-range interval is saved
    page.locator(INTERVAL).fill("0")
    page.locator("#settings-save").click()
    # Then the UI names the field and the stored settings are untouched
    message = page.locator("#settings-message")
    message.get_by_text("Not saved (422)").wait_for()
    assert "interval_minutes" in message.inner_text()
    after = httpx.get(f"{stack.base_url}/config/token_refresh", headers=stack.auth).json()
    assert after["version"] == before["version"]
    assert after["values"] == before["values"]
