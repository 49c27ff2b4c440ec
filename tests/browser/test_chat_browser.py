"""The chat page in a real Chromium: streamed cited answers, sources, feedback, experts, reload, language, a11y."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from assistant.store.models import Feedback
from tests.browser.conftest import PHONE, LiveServer, axe_violations

pytestmark = pytest.mark.integration

SCREENSHOTS = Path(__file__).resolve().parents[2] / "evals" / "screenshots"
THRESHOLD_QUESTION = "What is the EU threshold for supplies and services contracts of sub-central authorities?"
OWN_CASE_QUESTION = "Our mayor wants to award the contract to her cousin's firm in our town, can we do that?"

# Counts how often the answer being streamed changes before it is complete: more than once means it streamed.
STREAM_PROBE = """() => {
  window.__streamUpdates = 0;
  new MutationObserver((records) => {
    if (records.some((r) => r.target.closest && r.target.closest('.body.streaming')
                        || (r.target.parentElement && r.target.parentElement.closest('.body.streaming')))) {
      window.__streamUpdates += 1;
    }
  }).observe(document.getElementById('log'), {subtree: true, childList: true, characterData: true});
}"""


def ask(page: Any, question: str) -> Any:
    """Type a question, send it with Enter and wait for the finished answer; returns the answer element."""
    before = page.locator(".msg-assistant").count()
    page.get_by_label("Your question").fill(question)
    page.get_by_label("Your question").press("Enter")
    answer = page.locator(".msg-assistant").nth(before)
    answer.locator(".outcome").wait_for()
    return answer


def conversation_id(page: Any) -> str | None:
    return page.evaluate("() => localStorage.getItem('helpdesk.conversation')")  # type: ignore[no-any-return]


def test_a_cited_answer_streams_in_and_a_citation_opens_the_source(page: Any, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/")
    page.evaluate(STREAM_PROBE)
    answer = ask(page, THRESHOLD_QUESTION)
    assert page.evaluate("() => window.__streamUpdates") >= 2
    assert answer.locator(".badge").inner_text() == "Answered from the guidance"
    assert "216,000" in answer.locator(".body").inner_text()
    citations = answer.locator(".citations li")
    assert citations.count() >= 1
    assert citations.first.locator(".n").inner_text().strip() == "[1]"
    assert answer.locator(".body a.cite-ref").count() >= 1  # [n] markers in the text link to their source
    assert page.locator("#log-region").get_attribute("aria-busy") == "false"
    assert page.locator("#status").inner_text() == "The answer is ready. Answered from the guidance"

    href = citations.first.locator("a.cite").get_attribute("href")
    citations.first.locator("a.cite").click()
    page.wait_for_url(re.compile(r"/documents/"))
    fragment = href.split("#", 1)[1]
    assert page.url == href
    target = page.locator(f'[id="{fragment}"]')
    assert target.count() == 1 and target.is_visible()
    assert page.evaluate("() => document.querySelector(':target') !== null")


def test_feedback_is_given_with_a_comment(page: Any, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/")
    answer = ask(page, THRESHOLD_QUESTION)
    helpful = answer.get_by_role("button", name="Helpful", exact=True)
    helpful.click()
    page.wait_for_function("() => document.getElementById('status').textContent.includes('Thank you')")
    assert helpful.get_attribute("aria-pressed") == "true"
    assert answer.get_by_role("button", name="Not helpful").get_attribute("aria-pressed") == "false"
    answer.get_by_label("What could be better? (optional)").fill("Also give the works threshold.")
    answer.get_by_role("button", name="Send comment").click()
    answer.locator(".comment-form").wait_for(state="hidden")
    with live_server.helpdesk.db.session() as session:
        rows = session.scalars(select(Feedback).where(Feedback.conversation_id == conversation_id(page))).all()
        assert [(r.rating, r.comment) for r in rows] == [(1, "Also give the works threshold.")]


def test_ask_an_expert_shows_the_reference_and_the_answer_arrives(page: Any, live_server: LiveServer) -> None:
    from assistant.services.expert_queue import AnswerForm

    page.goto(live_server.url + "/")
    answer = ask(page, THRESHOLD_QUESTION)
    opener = answer.get_by_role("button", name="Ask an expert")
    opener.click()
    assert opener.get_attribute("aria-expanded") == "true"
    assert page.evaluate("() => document.activeElement.name") == "note"
    answer.get_by_label("What should the expert know? (optional)").fill("We buy for three municipalities.")
    answer.get_by_label("Country code, for example DE (optional)").fill("at")
    answer.get_by_role("button", name="Send to an expert").click()
    sent = answer.locator(".expert-sent")
    sent.wait_for()
    reference = re.search(r"ESC-[A-Z0-9]{6}", sent.inner_text())
    assert reference and "Expected answer by" in sent.inner_text()
    escalation = live_server.helpdesk.escalations.status(reference.group(0))
    assert escalation["status"] == "open"

    expert = live_server.helpdesk.experts.add("expert.browser@example.eu", "Eva Expert", "correct horse battery 9")
    live_server.helpdesk.queue.answer(reference.group(0), expert,
                                      AnswerForm(text="For 2026-2027 it is EUR 216,000, works EUR 5,404,000."))
    live_server.helpdesk.outbox.deliver_due()
    arrived = page.locator(".msg-expert")
    arrived.wait_for(timeout=20_000)
    assert "EUR 5,404,000" in arrived.inner_text() and "Answer from an expert" in arrived.inner_text()


def test_escalated_and_declined_outcomes_say_what_happens_next(page: Any, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/")
    escalated = ask(page, OWN_CASE_QUESTION)
    assert escalated.locator(".badge").inner_text() == "Sent to an expert"
    assert re.search(r"Reference ESC-[A-Z0-9]{6}\. Expected answer by .+\.", escalated.locator(".outcome").inner_text())
    declined = ask(page, "Can you recommend a good pizza recipe for tonight?")
    assert declined.locator(".badge").inner_text() == "Outside the helpdesk's scope"
    assert declined.get_by_role("link", name="Browse the template library").is_visible()


def test_a_follow_up_and_a_reload_keep_the_conversation(page: Any, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/")
    ask(page, THRESHOLD_QUESTION)
    first_id = conversation_id(page)
    ask(page, "And for works contracts?")
    assert conversation_id(page) == first_id
    page.reload()
    page.locator(".msg-assistant .citations").first.wait_for()
    assert page.locator(".msg-user").all_inner_texts()[0].endswith(THRESHOLD_QUESTION)
    assert page.locator(".msg-user").count() == 2 and page.locator(".msg-assistant").count() == 2
    assert page.locator("#empty").is_hidden()
    page.get_by_role("button", name="New conversation").click()
    assert page.locator(".msg").count() == 0 and conversation_id(page) is None


def test_another_browser_cannot_open_the_conversation(browser: Any, page: Any, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/")
    ask(page, THRESHOLD_QUESTION)
    stolen = conversation_id(page)
    other = browser.new_context(locale="en-GB")
    try:
        intruder = other.new_page()
        intruder.goto(live_server.url + "/")
        intruder.evaluate("(id) => localStorage.setItem('helpdesk.conversation', id)", stolen)
        response = intruder.request.get(f"{live_server.url}/api/conversations/{stolen}")
        assert response.status == 404
        intruder.reload()
        intruder.wait_for_function("() => localStorage.getItem('helpdesk.conversation') === null")
        assert intruder.locator(".msg").count() == 0
    finally:
        other.close()


def test_the_language_switcher_and_answers_in_the_questions_language(page: Any, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/")
    page.get_by_label("Language").select_option("de")
    page.get_by_role("button", name="Change language").click()
    page.wait_for_url(re.compile(r"lang=de"))
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.get_by_label("Ihre Frage").is_visible()
    page.get_by_label("Ihre Frage").fill("Welcher EU-Schwellenwert gilt für Liefer- und Dienstleistungsaufträge "
                                        "der Kommunen?")
    page.get_by_label("Ihre Frage").press("Enter")
    answer = page.locator(".msg-assistant").first
    answer.locator(".outcome").wait_for()
    assert answer.get_attribute("lang") == "de"
    assert answer.get_by_role("button", name="Hilfreich", exact=True).is_visible()
    page.goto(live_server.url + "/library")
    assert page.get_by_role("heading", name="Vorlagenbibliothek").is_visible()


def test_the_browser_language_is_the_default(browser: Any, live_server: LiveServer) -> None:
    french = browser.new_context(locale="fr-FR")
    try:
        page = french.new_page()
        page.goto(live_server.url + "/")
        assert page.locator("html").get_attribute("lang") == "fr"
        assert page.get_by_label("Votre question").is_visible()
    finally:
        french.close()


def test_keyboard_only(page: Any, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "question":
            break
    assert page.evaluate("() => document.activeElement.id") == "question"
    page.keyboard.type(THRESHOLD_QUESTION)
    page.keyboard.press("Enter")
    page.locator(".msg-assistant .tools").wait_for()
    for _ in range(40):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("() => document.activeElement.dataset.rating") == "up":
            break
    page.keyboard.press("Space")
    page.wait_for_function(
        "() => document.querySelector('.vote[data-rating=up]').getAttribute('aria-pressed') === 'true'")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_no_serious_accessibility_violations_and_screenshots(page: Any, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/")
    assert axe_violations(page) == []
    escalated_answer = ask(page, THRESHOLD_QUESTION)
    escalated_answer.get_by_role("button", name="Helpful", exact=True).click()
    escalated_answer.get_by_role("button", name="Ask an expert").click()
    assert axe_violations(page) == []
    escalated_answer.get_by_role("button", name="Cancel").click()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "chat-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert axe_violations(page) == []
    page.screenshot(path=str(SCREENSHOTS / "chat-phone.png"), full_page=True)
    assert (SCREENSHOTS / "chat-desktop.png").stat().st_size > 10_000

    for path in ("/library", "/documents/T-PLA-01", "/documents/G-01#sec-1.2"):
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(live_server.url + path)
        assert axe_violations(page) == [], path
        page.set_viewport_size(PHONE)
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), path


def test_the_expert_pages_have_no_serious_accessibility_violations(page: Any, live_server: LiveServer) -> None:
    helpdesk = live_server.helpdesk
    helpdesk.experts.add("expert.axe@example.eu", "Axel Expert", "correct horse battery 9")
    reply = helpdesk.assistant.ask(OWN_CASE_QUESTION)
    page.goto(live_server.url + "/console/login")
    assert axe_violations(page) == []
    page.get_by_label("E-mail").fill("expert.axe@example.eu")
    page.get_by_label("Password").fill("correct horse battery 9")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/console$"))
    assert axe_violations(page) == []
    page.goto(f"{live_server.url}/console/escalations/{reply.escalation_id}")
    assert reply.escalation_id in page.content()
    assert axe_violations(page) == []
