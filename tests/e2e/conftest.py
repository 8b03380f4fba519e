"""Fixtures of the browser tests: Chromium, pages with bounded waits, their script errors."""

import os
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.e2e.browser import CHROMIUM, CHROMIUM_ENV, CHROMIUM_FLAGS, WAIT_MS


@pytest.fixture
def browser():
    """Debian's Chromium, headless, closed after the test."""
    if not CHROMIUM.exists():
        pytest.skip("the browser tests need Debian's Chromium: "
                    "apt-get update && apt-get install -y chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_FLAGS, timeout=WAIT_MS,
                                             env={**os.environ, **CHROMIUM_ENV})
        yield browser
        browser.close()


@pytest.fixture
def script_errors() -> list[str]:
    """Uncaught exceptions and console errors of the test's pages."""
    return []


@pytest.fixture
def new_page(browser, script_errors) -> Iterator[Callable[..., Page]]:
    """Open a page in a context of its own (viewport, locale…), closed after the test."""
    contexts = []

    def open_page(**context_options) -> Page:
        context = browser.new_context(**context_options)
        contexts.append(context)
        context.set_default_timeout(WAIT_MS)
        expect.set_options(timeout=WAIT_MS)
        page = context.new_page()
        page.on("pageerror", lambda err: script_errors.append(str(err)))
        page.on("console", lambda msg: msg.type == "error" and script_errors.append(msg.text))
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page) -> Page:
    """A page of a browser that prefers Vietnamese, on a desk screen at the counter."""
    return new_page(viewport={"width": 1280, "height": 800}, locale="vi-VN")
