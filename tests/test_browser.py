"""The local web page in a real Chromium: paste, compare, read, click, download.

Needs a Chromium binary (``apt-get install chromium``; another path through
``STORYDIFF_CHROMIUM``). Without one these tests FAIL, on purpose: CI installs
it. ``STORYDIFF_SKIP_BROWSER=1`` skips the whole module. Playwright only
drives the browser; it never downloads one.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

if os.environ.get("STORYDIFF_SKIP_BROWSER") == "1":
    pytest.skip("STORYDIFF_SKIP_BROWSER=1", allow_module_level=True)

pytest.importorskip("fastapi", reason="needs the web extra: pip install 'storydiff[web]'")
pytest.importorskip("playwright", reason="needs playwright: pip install 'storydiff[dev]'")

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402

from storydiff.web import create_app  # noqa: E402

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("STORYDIFF_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

STORY_A = """Harbor City council approves ferry plan

HARBOR CITY — The city council on Tuesday approved a plan to replace the ageing ferry fleet, ending two years of debate. The plan calls for six new electric ferries, each carrying up to 300 passengers. Council members voted 9 to 4 in favour. The first boats are due to enter service in the spring of 2028.

The ferries will cost 85 million dollars in total. The state transport fund will pay half of the cost. Ticket prices will stay the same for at least five years, the council said.

Harbor master Elena Ruiz said the old boats were breaking down every week. Repairs cost the city nearly 2 million dollars last year. Unions had asked for a guarantee that no crew jobs would be cut. The council gave that guarantee in writing.

Residents of the north shore, who rely on the ferry to reach jobs downtown, welcomed the vote. A public meeting on the new timetable will take place next month.
"""

STORY_B = """Harbor City votes for new ferries

HARBOR CITY — On Tuesday the city council approved a plan to replace its ageing ferry fleet, closing two years of debate. Six new electric ferries are planned, each carrying up to 300 passengers. Council members voted 9 to 4 in favour. The first boats should enter service in the spring of 2028.

In total the ferries will cost 58 million dollars. The state transport fund will pay half of the cost. Ticket prices will stay the same for at least five years, the council said.

Harbor master Tomas Becker said the old boats were breaking down every week. Repairs cost the city nearly 2 million dollars last year. Unions had asked for a guarantee that no crew jobs would be cut.

Residents of the north shore, who rely on the ferry to reach jobs downtown, welcomed the vote. A public meeting on the new timetable will take place next month.
"""

MAX_UPLOAD = 1_000_000
SCRIPT_PROBE = "<script>window.__xss=1</script>"
ATTR_PROBE = '"><img src=x onerror="window.__xss=1">'


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """A real uvicorn server on a free loopback port, in a background thread."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(create_app(max_upload_bytes=MAX_UPLOAD), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the storydiff server did not answer /healthz within 30 s")
        time.sleep(0.05)
    yield url
    server.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not os.path.isfile(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install it (apt-get install chromium) or point "
                    "STORYDIFF_CHROMIUM at one; STORYDIFF_SKIP_BROWSER=1 skips these tests")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    """A fresh page; afterwards, checks that it asked nothing of any other host."""
    context = browser.new_context(viewport={"width": 1280, "height": 640}, accept_downloads=True)
    pg = context.new_page()
    requests: list[str] = []
    pg.on("request", lambda r: requests.append(r.url))
    yield pg
    context.close()
    foreign = [u for u in requests if not (u.startswith(base_url + "/") or u.split(":", 1)[0] in ("data", "about",
                                                                                              "blob"))]
    assert not foreign, f"the page made requests outside {base_url}: {foreign}"
    assert requests, "no request recorded: the request listener is broken"


def _compare(page: Page, base_url: str, a: str, b: str) -> None:
    page.goto(base_url + "/")
    page.fill("#a-text", a)
    page.fill("#b-text", b)
    page.select_option("#min-severity", "low")
    with page.expect_navigation(wait_until="load"):
        page.click("#compare")


def _in_viewport(page: Page, box: dict[str, Any] | None) -> bool:
    size = page.viewport_size
    assert box is not None and size is not None
    return box["y"] >= 0 and box["y"] + min(box["height"], size["height"]) <= size["height"]


def test_compare_lists_the_changes_and_clicking_one_scrolls_to_it(page: Page, base_url: str) -> None:
    _compare(page, base_url, STORY_A, STORY_B)
    changes = page.locator("#change-list")
    listed = changes.inner_text()
    for expected in ("58", "guarantee in writing"):  # the changed number, the removed sentence
        assert expected in listed, f"{expected!r} missing from the change list: {listed[:600]!r}"
    assert page.locator("#summary").is_visible()
    assert page.locator(".group[data-verdict]").count() >= 5
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web-report.png"), full_page=True)
    assert page.locator("#sdweb-toolbar").evaluate("e => getComputedStyle(e).display") == "flex", \
        "the toolbar's style was blocked (CSP)"

    # The removed sentence sits low in the story: its row starts out of view.
    item = page.locator("#change-list .change", has_text="guarantee in writing").first
    target = item.get_attribute("data-target") or (item.locator("a").first.get_attribute("href") or "")[1:]
    row = page.locator(f'[id="{target}"]')
    assert not _in_viewport(page, row.bounding_box()), "pick a change further down: its row is already in view"
    item.locator("a").first.click()
    page.wait_for_function("id => { const r = document.getElementById(id).getBoundingClientRect();"
                           " return r.top >= 0 && r.bottom <= innerHeight; }", arg=target, timeout=3000)
    assert _in_viewport(page, row.bounding_box())
    assert "guarantee in writing" in row.inner_text()
    page.screenshot(path=str(ARTIFACTS / "web-report-clicked.png"))

    # The report's own script runs under the page's CSP: its severity filter hides the medium change.
    page.select_option("#filter-severity", "high")
    assert item.is_hidden()


@pytest.mark.issue(4)
def test_changed_name_is_listed(page: Page, base_url: str) -> None:
    _compare(page, base_url, STORY_A, STORY_B)
    assert "Becker" in page.locator("#change-list").inner_text()


def test_document_text_stays_inert(page: Page, base_url: str) -> None:
    a = STORY_A + f"\nA reader wrote: {SCRIPT_PROBE} and left.\n"
    b = STORY_B + f"\nA reader wrote: {ATTR_PROBE} and left.\n"
    _compare(page, base_url, a, b)
    assert page.evaluate("window.__xss") is None
    text = page.evaluate("document.body.textContent")
    assert SCRIPT_PROBE in text and ATTR_PROBE in text
    assert page.locator('img[src="x"]').count() == 0


def test_form_error_keeps_the_input_and_stays_inert(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    page.fill("#a-text", f"Only one version: {SCRIPT_PROBE} {ATTR_PROBE}")
    with page.expect_navigation(wait_until="load"):
        page.click("#compare")
    assert "Version B is empty" in page.inner_text("#error")
    assert page.input_value("#a-text") == f"Only one version: {SCRIPT_PROBE} {ATTR_PROBE}"
    assert page.evaluate("window.__xss") is None


def test_too_large_upload_shows_the_form_with_a_message(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    page.fill("#b-text", STORY_B)
    page.set_input_files("#a-file", files=[{"name": "big.txt", "mimeType": "text/plain",
                                            "buffer": b"word " * (MAX_UPLOAD // 4)}])
    with page.expect_navigation(wait_until="load"):
        page.click("#compare")
    assert "larger than this server accepts" in page.inner_text("#error")
    assert page.locator("#compare").is_visible()


def test_download_buttons_give_the_same_comparison(page: Page, base_url: str, tmp_path: Path) -> None:
    _compare(page, base_url, STORY_A, STORY_B)
    with page.expect_download() as download:
        page.click("#sdweb-download-json")
    saved = tmp_path / "report.json"
    download.value.save_as(saved)
    document = json.loads(saved.read_text(encoding="utf-8"))
    assert document["schema"] == "storydiff.comparison/1"
    assert "Tomas Becker" in document["documents"][1]["text"]
    with page.expect_download() as download:
        page.click("#sdweb-download-csv")
    assert download.value.suggested_filename.endswith(".csv")
