"""The dashboard in a real headless Chromium against the running local stack."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.conftest import Stack, save_settings_until

INTERVAL = "#setting-token_refresh-interval_minutes input"


def _open_settings(page: Any, stack: Stack, step_title: str) -> None:
    page.goto(f"{stack.base_url}/ui/")
    page.get_by_role("tab", name="Settings").click()
    page.locator("#settings-step input").click()
    page.get_by_role("option", name=step_title).click()
    page.locator(INTERVAL).wait_for(state="visible")
    page.locator("#settings-version").wait_for(state="visible")


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
    save_settings_until(page, "Saved")
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
    save_settings_until(page, "Not saved (422)")
    # Then the error is shown beside the field, the message under Save points at it, and the
    # stored settings are untouched
    message = page.locator("#settings-message")
    beside = page.locator("#setting-error-token_refresh-interval_minutes")
    assert "greater than" in beside.inner_text()
    assert "interval_minutes" in message.inner_text()
    assert "greater than" not in message.inner_text()
    field_box = page.locator("#setting-token_refresh-interval_minutes").bounding_box()
    error_box = beside.bounding_box()
    assert 0 <= error_box["y"] - (field_box["y"] + field_box["height"]) < 40, (field_box, error_box)
    after = httpx.get(f"{stack.base_url}/config/token_refresh", headers=stack.auth).json()
    assert after["version"] == before["version"]
    assert after["values"] == before["values"]


def test_save_shows_the_new_version_and_a_save_without_change_says_nothing_changed(
    page: Any, stack: Stack
) -> None:
    # Given the Settings tab on the surveillance step at the stored version
    before = httpx.get(f"{stack.base_url}/config/token_refresh", headers=stack.auth).json()
    _open_settings(page, stack, "Token surveillance (step 2)")
    label = page.locator("#settings-version")
    assert label.inner_text().strip() == f"Version {before['version']}"
    # When a changed value is saved
    page.locator(INTERVAL).fill(str(before["values"]["interval_minutes"] + 1))
    saved_at = before["version"] + 1
    save_settings_until(page, f"version {saved_at}")
    message = page.locator("#settings-message")
    # Then the label above the form shows that new version too
    page.wait_for_function(
        "v => document.querySelector('#settings-version').innerText.trim() === v",
        arg=f"Version {saved_at}",
    )
    # When Save is clicked again with nothing changed
    page.locator("#settings-save").click()
    # Then the UI says nothing changed and no version is made
    message.get_by_text("Nothing changed").wait_for()
    assert label.inner_text().strip() == f"Version {saved_at}"
    after = httpx.get(f"{stack.base_url}/config/token_refresh", headers=stack.auth).json()
    assert after["version"] == saved_at
    # When another step is selected / Then the message about the first step is gone
    page.locator("#settings-step input").click()
    page.get_by_role("option", name="Token discovery (step 1)").click()
    page.wait_for_function("() => !document.querySelector('#settings-message').innerText.trim()")
