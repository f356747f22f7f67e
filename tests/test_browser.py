"""The local web page in a real Chromium: paste, compare, read, click, download.

Needs a Chromium binary (``apt-get install chromium``; another path through
``STORYDIFF_CHROMIUM``). Without one these tests FAIL, on purpose: CI installs
it. ``STORYDIFF_SKIP_BROWSER=1`` skips the whole module. Playwright only
drives the browser; it never downloads one.
"""

from __future__ import annotations

import json
import os
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
from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402

from storydiff.web import app as web_app  # noqa: E402
from storydiff.web import create_app  # noqa: E402
from storydiff.web.server import build_server, listen  # noqa: E402

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
    sock = listen("127.0.0.1", 0)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    # Web addresses on 127.0.0.1 are allowed here so that a local test site can be fetched.
    server = build_server(create_app(max_upload_bytes=MAX_UPLOAD, allow_private_urls=True))
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


def _compare(page: Page, base_url: str, a: str, b: str, *, floor: str = "low") -> None:
    page.goto(base_url + "/")
    page.fill("#a-text", a)
    page.fill("#b-text", b)
    page.select_option("#min-severity", floor)
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


# --- the page as a new user meets it (issue 18) ---------------------------------------

NAV = ("<!doctype html><html><head><title>Harbor news</title></head><body><nav><a href='/'>{}</a></nav>"
       "<article>{}</article></body></html>")


def _paragraphs(story: str) -> str:
    return "".join(f"<p>{p}</p>" for p in story.strip().split("\n\n"))


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Holds every comparison of the served app until the returned event is set."""
    release = threading.Event()
    real = web_app.compare

    def held_compare(*args: Any, **kwargs: Any) -> Any:
        release.wait(20)
        return real(*args, **kwargs)

    monkeypatch.setattr(web_app, "compare", held_compare)
    yield release
    release.set()


@pytest.mark.issue(18)
def test_named_result_has_its_own_address(page: Page, base_url: str, browser: Browser) -> None:
    page.goto(base_url + "/")
    page.fill("#a-name", "Ministry statement")
    page.fill("#b-name", "Daily copy")
    page.fill("#a-text", STORY_A)
    page.fill("#b-text", STORY_B)
    with page.expect_navigation(wait_until="load"):
        page.click("#compare")
    assert "/r/" in page.url, page.url
    assert "Ministry statement → Daily copy" in page.inner_text("h1")
    # The address works on its own: a bookmark, or a link sent to a colleague on this computer.
    other = browser.new_context().new_page()
    other.goto(page.url)
    assert "Ministry statement → Daily copy" in other.inner_text("h1")
    assert "58" in other.inner_text("#change-list")
    twin = other.request.get(page.url + ".json").json()
    assert [d["id"] for d in twin["documents"]] == ["Ministry statement", "Daily copy"]
    other.context.close()


@pytest.mark.issue(18)
def test_new_comparison_keeps_the_texts_and_names(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    page.fill("#a-name", "draft")
    page.fill("#a-text", STORY_A)
    page.fill("#b-text", STORY_B)
    page.select_option("#min-severity", "high")
    with page.expect_navigation(wait_until="load"):
        page.click("#compare")
    with page.expect_navigation(wait_until="load"):
        page.click("#sdweb-new")
    assert page.input_value("#a-text") == STORY_A and page.input_value("#b-text") == STORY_B
    assert page.input_value("#a-name") == "draft" and page.input_value("#min-severity") == "high"


@pytest.mark.issue(18)
def test_ctrl_enter_submits_and_comparing_shows_meanwhile(page: Page, base_url: str,
                                                          held: threading.Event) -> None:
    page.goto(base_url + "/")
    page.fill("#a-text", STORY_A)
    page.fill("#b-text", STORY_B)
    assert page.locator("#comparing").is_hidden()
    # While a navigation is pending Playwright waits for it before looking at the page, so the page
    # itself notes what it shows in the meantime (sessionStorage outlives the navigation).
    page.evaluate("""() => { const busy = document.getElementById('comparing');
        new MutationObserver(() => { const b = document.getElementById('compare');
            if (!busy.hidden && busy.offsetHeight > 0) {
                sessionStorage.setItem('seen', b.textContent + '|' + b.disabled + '|' + busy.textContent); } })
        .observe(busy, {attributes: true}); }""")
    page.focus("#b-text")
    with page.expect_navigation(wait_until="load"):
        page.keyboard.press("Control+Enter")
        time.sleep(0.5)  # the comparison is held: the page waits with its indicator on
        held.set()
    assert "/r/" in page.url and "58" in page.inner_text("#change-list")
    seen = page.evaluate("sessionStorage.getItem('seen')") or ""
    assert seen.startswith("Comparing…|true|Comparing…"), seen


@pytest.mark.issue(18)
def test_a_dropped_file_becomes_the_version(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    page.fill("#b-text", STORY_B)
    drop = page.evaluate_handle(
        "text => { const dt = new DataTransfer();"
        " dt.items.add(new File([text], 'statement.txt', {type: 'text/plain'})); return dt; }", STORY_A)
    page.dispatch_event("#a-box", "dragover", {"dataTransfer": drop})
    page.dispatch_event("#a-box", "drop", {"dataTransfer": drop})
    assert page.evaluate("document.getElementById('a-file').files[0].name") == "statement.txt"
    assert "statement.txt" in page.inner_text("#a-file-note")
    assert page.url.startswith(base_url + "/"), "dropping a file must not navigate away"
    with page.expect_navigation(wait_until="load"):
        page.click("#compare")
    assert "statement.txt" in page.inner_text("#doc-a") and "58" in page.inner_text("#change-list")


@pytest.mark.issue(18)
def test_two_bad_uploads_show_both_errors(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    binary = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    page.set_input_files("#a-file", files=[{"name": "photo-a.txt", "mimeType": "text/plain", "buffer": binary}])
    page.set_input_files("#b-file", files=[{"name": "photo-b.html", "mimeType": "text/html", "buffer": binary}])
    with page.expect_navigation(wait_until="load"):
        page.click("#compare")
    errors = page.locator("#error li").all_inner_texts()
    assert len(errors) == 2, errors
    assert "photo-a.txt" in errors[0] and "photo-b.html" in errors[1]


@pytest.mark.issue(18)
def test_pasted_html_is_read_as_a_page(page: Page, base_url: str) -> None:
    _compare(page, base_url, NAV.format("News", _paragraphs(STORY_A)), NAV.format("Sport", _paragraphs(STORY_B)))
    listed = page.inner_text("#change-list")
    assert "58" in listed and "Sport" not in listed and "<p>" not in page.inner_text("#alignment")


@pytest.mark.issue(18)
def test_pdf_docx_and_web_address_inputs(page: Page, base_url: str) -> None:
    import http.server
    import socketserver

    from test_read_formats import make_docx, make_pdf, p, r

    lines = [line for para in STORY_A.strip().split("\n\n") for line in (para, "")]
    pdf = make_pdf([lines[:4], lines[4:]])
    docx = make_docx("".join(p(r(para)) for para in STORY_B.strip().split("\n\n")))
    page.goto(base_url + "/")
    page.set_input_files("#a-file", files=[{"name": "release.pdf", "mimeType": "application/pdf", "buffer": pdf}])
    page.set_input_files("#b-file", files=[{"name": "story.docx", "mimeType": "", "buffer": docx}])
    with page.expect_navigation(wait_until="load"):
        page.click("#compare")
    assert "release.pdf" in page.inner_text("#doc-a") and "application/pdf" in page.inner_text("#doc-a")
    assert "58" in page.inner_text("#change-list")

    body = NAV.format("News", _paragraphs(STORY_B)).encode()

    class Site(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), Site) as site:
        threading.Thread(target=site.serve_forever, daemon=True).start()
        address = f"http://127.0.0.1:{site.server_address[1]}/story"
        page.goto(base_url + "/")
        page.fill("#a-text", STORY_A)
        page.fill("#b-url", address)
        with page.expect_navigation(wait_until="load"):
            page.click("#compare")
        site.shutdown()
    assert address in page.inner_text("#doc-b") and "58" in page.inner_text("#change-list")


@pytest.mark.issue(18)
def test_delete_removes_the_result(page: Page, base_url: str) -> None:
    _compare(page, base_url, STORY_A, STORY_B)
    address = page.url
    with page.expect_navigation(wait_until="load"):
        page.click("#sdweb-delete")
    assert "Delete this comparison?" in page.inner_text("h1")
    with page.expect_navigation(wait_until="load"):
        page.click("#confirm-delete")
    assert page.url.endswith("/results?deleted=1") and "deleted" in page.inner_text("#notice")
    assert address.rsplit("/", 1)[1] not in page.content()
    assert page.goto(address).status == 404  # type: ignore[union-attr]


# --- the HTML report (issue 18) ---------------------------------------------------------

def _moved_story() -> str:
    """STORY_B with its second paragraph moved after the fourth: a moved block of several passages."""
    paras = STORY_B.strip().split("\n\n")
    return "\n\n".join([paras[0], paras[2], paras[3], paras[1], *paras[4:]]) + "\n"


@pytest.mark.issue(18)
def test_report_heading_count_follows_the_severity_filter(page: Page, base_url: str) -> None:
    _compare(page, base_url, STORY_A, _moved_story(), floor="high")
    total = page.locator("#change-list .change").count()
    shown = page.locator("#change-list .change:visible").count()
    assert shown < total
    assert page.inner_text("#change-count") == f"({shown} shown of {total})"
    page.select_option("#filter-severity", "low")
    assert page.inner_text("#change-count") == f"({total} shown of {total})"


@pytest.mark.issue(18)
def test_hiding_calm_rows_keeps_every_listed_change_reachable(page: Page, base_url: str) -> None:
    _compare(page, base_url, STORY_A, _moved_story())
    page.select_option("#filter-severity", "low")
    page.check("#toggle-calm")
    orphans = page.evaluate("""() => Array.from(document.querySelectorAll('#change-list .change'))
        .filter(li => !li.hidden)
        .filter(li => { const r = document.getElementById(li.dataset.target);
                        return !r || getComputedStyle(r).display === 'none'; })
        .map(li => li.id)""")
    assert orphans == []
    calm_targets = page.evaluate("""() => Array.from(document.querySelectorAll('#change-list .change'))
        .map(li => document.getElementById(li.dataset.target))
        .filter(r => r && ['reworded', 'identical'].includes(r.dataset.verdict)).length""")
    assert calm_targets, "pick texts where a listed change sits in a reworded passage"
    assert page.locator('.row.group[data-verdict="reworded"]:not([data-change])').first.is_hidden()


@pytest.mark.issue(18)
def test_j_then_tab_then_enter_goes_to_the_tabbed_change(page: Page, base_url: str) -> None:
    _compare(page, base_url, STORY_A, _moved_story())
    page.keyboard.press("j")
    first = page.locator("#change-list .change.current")
    assert first.count() == 1
    first_id = first.get_attribute("id")
    page.keyboard.press("Tab")
    tabbed = page.evaluate("document.activeElement.closest('.change') && document.activeElement.closest('.change').id")
    assert tabbed and tabbed != first_id
    page.keyboard.press("Enter")
    assert page.locator("#change-list .change.current").get_attribute("id") == tabbed
    target = page.locator(f"#{tabbed}").get_attribute("data-target")
    assert page.locator(f"#{target}").evaluate("r => r.classList.contains('flash')")


@pytest.mark.issue(18)
def test_report_says_things_once(page: Page, base_url: str) -> None:
    _compare(page, base_url, STORY_A, _moved_story())
    number = page.locator("#change-list .change", has_text="85").first.inner_text()
    assert number.count("85") == 1 and number.count("58") == 1, number
    moved_rows = page.locator('.row.group[data-moved="true"]').count()
    assert moved_rows >= 3
    assert page.locator('.row.group[data-moved="true"] .move-link').count() == 1
    legend = page.locator("#alignment .legend")
    assert legend.is_visible() and "paragraph 2, sentence 5" in legend.inner_text()


@pytest.mark.issue(18)
def test_report_fits_a_phone_screen(browser: Browser, base_url: str) -> None:
    context = browser.new_context(viewport={"width": 400, "height": 800})
    pg = context.new_page()
    long_a = "seeds-2026/ministry-statement-on-the-harbor-ferry-fleet-replacement-final.txt"
    _compare(pg, base_url, STORY_A, _moved_story())
    pg.goto(base_url + "/")
    pg.fill("#a-name", long_a)
    pg.fill("#b-name", long_a.replace("final", "republished"))
    pg.fill("#a-text", STORY_A)
    pg.fill("#b-text", _moved_story())
    with pg.expect_navigation(wait_until="load"):
        pg.click("#compare")
    assert pg.evaluate("document.documentElement.scrollWidth") <= 400
    pg.locator("#g3").scroll_into_view_if_needed()
    head = pg.locator(".row.head").bounding_box()
    assert head is not None and head["height"] <= 45, head
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / "report-400px.png"))
    context.close()
