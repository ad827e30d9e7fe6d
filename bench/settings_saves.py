"""Settings saves in a real browser, again and again, on a loaded machine: how many get no
"Saved" answer.

Run: .venv/bin/python bench/settings_saves.py [--runs 20] [--load 2]
     (make bench-settings-saves ARGS="...")

Starts the e2e stack (`walltrack run`, small world at 60x, loopback ports), and `--load` busy
processes beside it (a CI machine runs the stack while it is busy). Each run opens a fresh page,
picks "Token surveillance (step 2)", types a new refresh interval and clicks Save once, then
waits 40 s for the answer. A run fails when the answer is not "Saved" (an "Error", "Nothing
changed" because the value typed was lost, or no answer). Prints each run, the failed count,
and what the page sent to Gradio's queue during a failed run. Exits 1 if any run failed.

Measured 2026-12-07 (2-CPU machine): the form as a `gr.render` (a70adc1) failed 2 of 20 here at
--load 2 (one save never answered, as in CI; one typed value lost), and 4 of 12 / 2 of 20 in
the script this grew from; the fixed-slot form failed 0 of 80 (20 + 20 at --load 2, 40 at 3).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS, start_stack, stop_stack  # noqa: E402

INTERVAL = "#setting-token_refresh-interval_minutes input"
ANSWERED = "() => /Saved|Nothing changed|Not saved|Error/.test(document.querySelector('#settings-message')?.innerText ?? '')"  # noqa: E501


def _spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        sum(i * i for i in range(10_000))


def _queue_log(page: Any, started: float) -> list[str]:
    """What the page sends to Gradio's queue (event index and data), as it happens."""
    log: list[str] = []

    def on_request(request: Any) -> None:
        if "gradio_api/queue/join" not in request.url:
            return
        try:
            body = json.loads(request.post_data or "{}")
            sent = f"fn={body.get('fn_index')} data={str(body.get('data'))[:120]}"
        except ValueError:
            sent = (request.post_data or "")[:120]
        log.append(f"{time.monotonic() - started:6.2f}s join {sent}")

    def on_response(response: Any) -> None:
        if "gradio_api" in response.url and response.status >= 400:
            log.append(f"{time.monotonic() - started:6.2f}s HTTP {response.status}")

    page.on("request", on_request)
    page.on("response", on_response)
    return log


def one_save(browser: Any, base_url: str, value: str) -> tuple[str, list[str]]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(20_000)
    log = _queue_log(page, time.monotonic())
    try:
        page.goto(f"{base_url}/ui/")
        page.get_by_role("tab", name="Settings").click()
        page.locator("#settings-step input").click()
        page.get_by_role("option", name="Token surveillance (step 2)").click()
        page.locator(INTERVAL).wait_for(state="visible")
        page.locator("#settings-version").wait_for(state="visible")
        page.locator(INTERVAL).fill(value)
        page.locator("#settings-save").click()
        try:
            page.wait_for_function(ANSWERED, timeout=40_000)
            answer = page.locator("#settings-message").inner_text().strip()
        except PlaywrightTimeoutError:
            answer = "<no answer in 40 s>"
    except PlaywrightTimeoutError as exc:
        answer = f"<{str(exc).splitlines()[0]}>"
    finally:
        context.close()
    return answer, log


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--load", type=int, default=2, help="busy processes beside the stack")
    args = parser.parse_args()
    stack = start_stack(Path(tempfile.mkdtemp(prefix="settings-saves-")))
    spinners = [
        multiprocessing.Process(target=_spin, args=(args.runs * 15.0,), daemon=True)
        for _ in range(args.load)
    ]
    for spinner in spinners:
        spinner.start()
    failed = 0
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            # the stored interval starts at its default; every run types a different one
            for run in range(args.runs):
                value = str(6 + run % 4) if run % 4 != 3 else "13"
                answer, log = one_save(browser, stack.base_url, value)
                ok = answer.startswith("Saved")
                failed += not ok
                print(
                    f"run {run:3d}: typed {value:>2} -> {answer.splitlines()[0][:90]}", flush=True
                )
                if not ok:
                    print("\n".join(f"    {line}" for line in log), flush=True)
            browser.close()
    finally:
        for spinner in spinners:
            spinner.terminate()
        stop_stack(stack)
    print(f"failed saves: {failed} of {args.runs} (load {args.load})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
