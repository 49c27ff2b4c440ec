"""End to end in Chromium: an official asks for an expert, an expert answers in the console, the chat shows it live.

The app is served by a real uvicorn on a free loopback port with the delivery worker running in the server.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from pathlib import Path

import pytest

from tests.experts_support import build_console

pytestmark = pytest.mark.integration
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
ANSWER = "**Yes**: a four-year framework is the maximum (Art 33(1)). <script>window.pwned = 1</script>"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(tmp_path):  # type: ignore[no-untyped-def]
    """uvicorn serving the app (worker inside) in a thread; yields the base URL and the helpdesk."""
    import uvicorn

    from assistant.app import create_app

    helpdesk = build_console(tmp_path, escalation={"worker_in_server": True, "worker_poll_seconds": 0.2})
    helpdesk.experts.add("anna@example.eu", "Anna Expert", "correct horse battery")
    port = _free_port()
    config = uvicorn.Config(create_app(helpdesk.settings, helpdesk), host="127.0.0.1", port=port, log_level="warning")
    uvicorn_server = uvicorn.Server(config)
    thread = threading.Thread(target=uvicorn_server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uvicorn_server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert uvicorn_server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}", helpdesk
    uvicorn_server.should_exit = True
    thread.join(15)
    helpdesk.db.dispose()


@pytest.fixture
def browser():  # type: ignore[no-untyped-def]
    if not CHROMIUM.exists():
        pytest.skip("chromium not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def test_official_to_expert_and_back(server, browser) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    base, helpdesk = server
    official = browser.new_context().new_page()
    official.goto(base + "/")
    official.fill("#question", "I would like to talk to a human expert about extending our framework agreement.")
    official.click("#send")
    expect(official.locator(".escalation-ref").first).to_contain_text("ESC-", timeout=20000)
    escalation_id = re.search(r"ESC-[A-Z0-9]{6}", official.locator(".escalation-ref").first.inner_text()).group(0)

    expert = browser.new_context().new_page()
    dialogs: list[str] = []
    expert.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    expert.goto(base + "/console")
    expect(expert.locator("h1")).to_have_text("Expert console")  # 401: the login form
    expert.fill("#email", "anna@example.eu")
    expert.fill("#password", "correct horse battery")
    expert.click("button:has-text('Log in')")
    expect(expert.locator(f"tr[data-id='{escalation_id}']")).to_be_visible()
    expect(expert.locator("[data-count='open'] b")).to_have_text("1")
    expert.click(f"a:has-text('{escalation_id}')")
    expect(expert.locator(".transcript")).to_contain_text("talk to a human expert")
    expert.click("button:has-text('Claim')")
    expect(expert.locator(".notice")).to_have_text("You claimed this escalation.")
    expert.fill("#answer-text", ANSWER)
    expert.click("button:has-text('Preview')")
    expect(expert.locator(".preview strong")).to_have_text("Yes")
    expect(expert.locator(".preview")).to_contain_text("<script>window.pwned = 1</script>")  # shown as text
    expert.click("button:has-text('Send answer')")
    expect(expert.locator(".notice")).to_contain_text("on its way to the official")
    assert expert.evaluate("window.pwned === undefined")

    live = official.locator(".msg-expert")
    expect(live).to_contain_text("four-year framework is the maximum", timeout=20000)  # polled, no reload
    assert official.evaluate("window.pwned === undefined") and not dialogs
    official.reload()
    expect(official.locator(".msg-expert")).to_contain_text("four-year framework is the maximum", timeout=10000)
    assert helpdesk.escalations.status(escalation_id)["status"] == "answered"
    expert.goto(base + "/console/deliveries?status=sent")
    expect(expert.locator("tr[data-delivery]").first).to_be_visible()
