"""The local web page and JSON API, through FastAPI's TestClient (no browser)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import pytest

pytest.importorskip("fastapi", reason="needs the web extra: pip install 'storydiff[web]'")

from fastapi.testclient import TestClient  # noqa: E402

from storydiff.web import app as web_app  # noqa: E402
from storydiff.web import create_app  # noqa: E402

STORY_A = (
    "The city council approved the new budget on Monday. "
    "Mayor Ann Lee said the plan would add 40 new buses by next year. "
    "The vote was seven to two. "
    "Critics said the plan ignores cyclists entirely. "
    "The budget takes effect in March."
)
STORY_B = (
    "On Monday the city council passed the new budget. "
    "Mayor Ann Kerr said the plan would add 400 new buses by next year. "
    "The vote was seven to two. "
    "The budget takes effect in March."
)
COMPARISON_KEYS = {"schema", "storydiff_version", "options", "documents", "alignment", "changes", "summary",
                   "truncated"}
BINARY = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app()) as c:
        yield c


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Make the web module's ``compare`` block until the returned event is set (then it compares)."""
    release = threading.Event()
    real = web_app.compare

    def slow_compare(*args, **kwargs):  # type: ignore[no-untyped-def]
        if release.is_set():
            return real(*args, **kwargs)
        release.wait(10)
        # Nobody waits for this answer any more: end at once, freeing the worker slot.
        raise RuntimeError("abandoned job")

    monkeypatch.setattr(web_app, "compare", slow_compare)
    yield release
    release.set()


def _error(r) -> dict[str, str]:  # type: ignore[no-untyped-def]
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert "Traceback" not in r.text
    return body["error"]


def test_healthz(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


def test_api_compare_json_answers_the_comparison_document(client: TestClient) -> None:
    r = client.post("/api/compare", json={"a": STORY_A, "b": STORY_B, "a_name": "old", "b_name": "new"})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert set(doc) >= COMPARISON_KEYS
    assert doc["schema"] == "storydiff.comparison/1"
    assert [d["id"] for d in doc["documents"]] == ["old", "new"]
    assert "400 new buses" in doc["documents"][1]["text"]
    assert doc["alignment"], "the two stories share sentences, so something must align"


def test_api_min_severity_filters_changes(client: TestClient) -> None:
    everything = client.post("/api/compare", json={"a": STORY_A, "b": STORY_B}).json()["changes"]
    high = client.post("/api/compare", json={"a": STORY_A, "b": STORY_B, "min_severity": "high"}).json()["changes"]
    assert all(c["severity"] == "high" for c in high)
    assert len(high) <= len(everything)


def test_form_post_of_txt_and_html_files_answers_json_when_asked(client: TestClient) -> None:
    page = f"<!doctype html><html><head><title>Budget</title></head><body><article><p>{STORY_B}</p>" \
           "</article></body></html>"
    r = client.post("/compare", headers={"accept": "application/json"},
                    files={"a_file": ("old.txt", STORY_A.encode("utf-8"), "text/plain"),
                           "b_file": ("new.html", page.encode("utf-8"), "text/html")})
    assert r.status_code == 200, r.text
    assert r.url.path.startswith("/r/") and r.url.path.endswith(".json")
    a, b = r.json()["documents"]
    assert a["media_type"] == "text/plain" and b["media_type"] == "text/html"
    assert "400 new buses" in b["text"] and "<p>" not in b["text"]


@pytest.mark.parametrize(("media_type", "wrap"), [
    ("text/html", "<html><body><article><h1>Budget</h1><p>{}</p></article></body></html>"),
    ("text/markdown", "# Budget\n\n**{}**"),
])
def test_api_pasted_text_read_as_the_given_media_type(client: TestClient, media_type: str, wrap: str) -> None:
    r = client.post("/api/compare", json={"a": wrap.format(STORY_A), "b": wrap.format(STORY_B),
                                          "media_type": media_type})
    assert r.status_code == 200, r.text
    a = r.json()["documents"][0]
    assert a["media_type"] == media_type
    assert "40 new buses" in a["text"] and "<p>" not in a["text"] and "**" not in a["text"]


def test_form_file_overrides_text_field(client: TestClient) -> None:
    r = client.post("/compare", data={"a_text": "ignored text.", "b_text": STORY_B},
                    headers={"accept": "application/json"},
                    files={"a_file": ("old.md", f"# Budget\n\n{STORY_A}".encode(), "text/markdown")})
    assert r.status_code == 200, r.text
    a = r.json()["documents"][0]
    assert "ignored" not in a["text"] and "40 new buses" in a["text"] and a["media_type"] == "text/markdown"


def test_api_413_when_content_length_too_big() -> None:
    with TestClient(create_app(max_upload_bytes=1_000)) as c:
        r = c.post("/api/compare", json={"a": "x" * 2_000, "b": "y"})
        assert r.status_code == 413
        assert _error(r)["code"] == "body_too_large"
        assert c.post("/api/compare", json={"a": STORY_A[:300], "b": STORY_B[:300]}).status_code == 200


def test_api_413_when_chunked_body_grows_too_big() -> None:
    """No Content-Length: the bytes are counted as they arrive."""
    def chunks() -> Iterator[bytes]:
        yield b'{"a": "'
        for _ in range(50):
            yield b"x" * 100
        yield b'", "b": "y"}'

    with TestClient(create_app(max_upload_bytes=1_000)) as c:
        r = c.post("/api/compare", content=chunks(), headers={"content-type": "application/json"})
        assert r.status_code == 413
        assert _error(r)["code"] == "body_too_large"


def test_form_413_shows_the_form_with_a_message() -> None:
    with TestClient(create_app(max_upload_bytes=1_000)) as c:
        r = c.post("/compare", data={"a_text": "x" * 2_000, "b_text": "y"})
        assert r.status_code == 413
        assert 'id="error"' in r.text and "larger than this server accepts" in r.text


@pytest.mark.parametrize(("payload", "code", "words"), [
    ({"a": "", "b": ""}, "empty_input", "Both versions are empty"),
    ({"a": STORY_A, "b": "  \n "}, "empty_input", "Version B is empty"),
    ({"a": "", "b": STORY_B}, "empty_input", "Version A is empty"),
    ({"a": STORY_A}, "invalid_request", "b"),
    ({"a": STORY_A, "b": STORY_B, "min_severity": "urgent"}, "invalid_request", "min_severity"),
    ({"a": STORY_A, "b": STORY_B, "colour": "red"}, "invalid_request", "colour"),
])
def test_api_422_for_missing_or_bad_fields(client: TestClient, payload: dict[str, str], code: str,
                                           words: str) -> None:
    r = client.post("/api/compare", json=payload)
    assert r.status_code == 422
    err = _error(r)
    assert err["code"] == code
    assert words in err["message"]


def test_api_422_for_invalid_json(client: TestClient) -> None:
    r = client.post("/api/compare", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and _error(r)["code"] == "invalid_request"


def test_api_415_for_other_content_types(client: TestClient) -> None:
    r = client.post("/api/compare", content=b"a,b", headers={"content-type": "text/csv"})
    assert r.status_code == 415 and _error(r)["code"] == "unsupported_media_type"


@pytest.mark.parametrize(("data", "code"), [
    (BINARY, "undecodable_input"),
    (b"", "empty_input"),
    (b"   \n\t  ", "empty_input"),
])
def test_form_422_for_binary_or_empty_upload_in_json(client: TestClient, data: bytes, code: str) -> None:
    r = client.post("/compare", data={"b_text": STORY_B}, files={"a_file": ("photo.txt", data, "text/plain")},
                    headers={"accept": "application/json"})
    assert r.status_code == 422
    err = _error(r)
    assert err["code"] == code
    assert "Version A" in err["message"] and "photo.txt" in err["message"]


def test_form_422_reshows_the_input_escaped(client: TestClient) -> None:
    probe = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    r = client.post("/compare", data={"a_text": probe, "b_text": "", "min_severity": "high"})
    assert r.status_code == 422
    assert "Version B is empty" in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x" in r.text
    assert "<script>alert(1)" not in r.text and "<img src=x" not in r.text
    assert '<option value="high" selected>' in r.text


def test_form_422_for_binary_upload(client: TestClient) -> None:
    r = client.post("/compare", data={"a_text": "", "b_text": STORY_B},
                    files={"a_file": ("scan.html", BINARY, "text/html")})
    assert r.status_code == 422
    assert "scan.html" in r.text and STORY_B in r.text
    assert "Choose your file(s) again." in r.text


def test_form_422_for_a_bad_choice_keeps_the_texts(client: TestClient) -> None:
    r = client.post("/compare", data={"a_text": STORY_A, "b_text": STORY_B, "media_type": "image/png"})
    assert r.status_code == 422
    assert "Pasted text is: expected one of" in r.text and STORY_A in r.text


def test_504_when_comparing_takes_too_long_and_the_server_keeps_serving(gate: threading.Event) -> None:
    with TestClient(create_app(timeout_s=1.0)) as c:
        started = time.monotonic()
        r = c.post("/api/compare", json={"a": STORY_A, "b": STORY_B})
        assert r.status_code == 504
        assert _error(r)["code"] == "timeout"
        assert time.monotonic() - started < 5
        page = c.post("/compare", data={"a_text": STORY_A, "b_text": STORY_B})
        assert page.status_code == 504 and STORY_A in page.text  # form re-shown with the input
        gate.set()
        assert c.get("/healthz").status_code == 200
        assert c.post("/api/compare", json={"a": STORY_A, "b": STORY_B}).status_code == 200


def test_503_when_every_worker_is_held_by_a_runaway_job(gate: threading.Event) -> None:
    with TestClient(create_app(timeout_s=1.0, max_concurrency=1)) as c:
        assert c.post("/api/compare", json={"a": STORY_A, "b": STORY_B}).status_code == 504
        r = c.post("/api/compare", json={"a": STORY_A, "b": STORY_B})  # the runaway thread still holds the slot
        assert r.status_code == 503 and _error(r)["code"] == "busy"
        assert r.headers["retry-after"]
        gate.set()
        deadline = time.monotonic() + 10
        while (r := c.post("/api/compare", json={"a": STORY_A, "b": STORY_B})).status_code == 503:
            assert time.monotonic() < deadline, "the worker slot was never released"
        assert r.status_code == 200


def test_500_hides_the_detail_and_the_server_keeps_serving(client: TestClient,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(web_app, "compare", broken)
    r = client.post("/api/compare", json={"a": STORY_A, "b": STORY_B})
    assert r.status_code == 500
    assert _error(r)["code"] == "internal_error" and "secret" not in r.text
    page = client.post("/compare", data={"a_text": STORY_A, "b_text": STORY_B})
    assert page.status_code == 500 and "a bug" in page.text and "secret" not in page.text
    assert STORY_A in page.text  # the form keeps what was typed
    monkeypatch.undo()
    assert client.get("/healthz").status_code == 200
    assert client.post("/api/compare", json={"a": STORY_A, "b": STORY_B}).status_code == 200


def test_report_page_and_its_downloads(client: TestClient) -> None:
    r = client.post("/compare", data={"a_text": STORY_A, "b_text": STORY_B, "min_severity": "high"},
                    files={"a_file": ("", b"", "application/octet-stream")})
    assert r.status_code == 200, r.text[:500]
    assert "script-src 'unsafe-inline'" in r.headers["content-security-policy"]
    assert 'id="sdweb-toolbar"' in r.text
    links = {ext: f"/download/{r.text.split('/download/')[1].split('.')[0]}.{ext}" for ext in ("html", "json", "csv")}
    for ext, url in links.items():
        d = client.get(url)
        assert d.status_code == 200, (url, d.text[:200])
        assert "attachment" in d.headers["content-disposition"] and d.headers["content-disposition"].endswith(
            f'.{ext}"')
    document = client.get(links["json"]).json()
    assert document["schema"] == "storydiff.comparison/1"
    everything = client.post("/api/compare", json={"a": STORY_A, "b": STORY_B}).json()
    assert document["changes"] == everything["changes"], "JSON downloads carry every change, like the CLI"
    assert "40 new buses" in document["documents"][0]["text"]
    assert "sdweb-toolbar" not in client.get(links["html"]).text  # the download is the bare report


def test_unknown_paths_and_methods_answer_json_errors(client: TestClient) -> None:
    r = client.get("/nowhere")
    assert r.status_code == 404 and _error(r)["code"] == "not_found" and "/api/compare" in r.text
    r = client.get("/api/compare")
    assert r.status_code == 405 and _error(r)["code"] == "method_not_allowed"
    page = client.get("/nowhere", headers={"accept": "text/html"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")


def test_get_compare_goes_back_to_the_form(client: TestClient) -> None:
    r = client.get("/compare", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_unknown_download_is_404_with_a_message(client: TestClient) -> None:
    r = client.get("/download/AAAAAAAAAAAAAAAA.json")
    assert r.status_code == 404 and "is kept here" in r.text
    assert client.get("/download/../../etc/passwd").status_code == 404


def test_security_headers_and_no_foreign_script_on_our_own_pages(client: TestClient) -> None:
    for path in ("/", "/docs", "/healthz", "/openapi.json", "/results", "/results.json"):
        r = client.get(path)
        assert r.status_code == 200
        assert r.headers["x-content-type-options"] == "nosniff"
        csp = r.headers["content-security-policy"]
        assert "default-src 'none'" in csp
        # The form page runs its own script, allowed by hash only; no other page has a script at all.
        assert ("script-src 'sha256-" in csp and "unsafe" not in csp.split("script-src")[1]) if path == "/" \
            else "script-src" not in csp
        assert "access-control-allow-origin" not in r.headers
    assert "<script" not in client.get("/docs").text and "<script" not in client.get("/results").text
    assert "<code>a</code>" in client.get("/docs").text  # the request fields are listed


def test_openapi_documents_the_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    op = spec["paths"]["/api/compare"]["post"]
    content = op["requestBody"]["content"]
    assert content["application/json"]["schema"]["$ref"] == "#/components/schemas/CompareRequest"
    assert set(content) == {"application/json"}, "the API takes JSON only (issue 14: cross-site form posts)"
    request_schema = spec["components"]["schemas"]["CompareRequest"]
    assert {"a", "b", "a_url", "b_url", "a_name", "b_name"} <= set(request_schema["properties"])
    assert request_schema["examples"]
    assert {"413", "422", "504"} <= set(op["responses"])
    assert "/healthz" in spec["paths"]


def test_form_page_keeps_newlines_and_escapes(client: TestClient) -> None:
    from storydiff.web.pages import form_page

    page = form_page(a={"text": "\nfirst line & <b>"}, max_bytes=5_000_000, store_note="",
                     paste_types=("text/plain",), extensions=(".txt",))
    assert '">\n\nfirst line &amp; &lt;b&gt;</textarea>' in page


@pytest.mark.parametrize(("policy", "expected_style_src"), [
    ("default-src 'none'; style-src 'sha256-abc='; script-src 'sha256-def='", "style-src 'sha256-TOOLBAR' 'sha256-abc='"),
    ("default-src 'none'; script-src 'sha256-def='", "style-src 'sha256-TOOLBAR'"),
    ("default-src 'none'; style-src 'unsafe-inline'", "style-src 'unsafe-inline'"),
])
def test_toolbar_style_is_allowed_only_where_the_report_pins_styles(policy: str, expected_style_src: str) -> None:
    import base64
    import hashlib

    from storydiff.web.pages import _allow_style

    css = "#x { color: red; }"
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    directives = _allow_style(policy, css).split("; ")
    assert expected_style_src.replace("TOOLBAR", digest) in directives
    assert [d for d in directives if not d.startswith("style-src")] == [
        d for d in policy.split("; ") if not d.startswith("style-src")]


def test_report_page_injects_the_toolbar_after_body() -> None:
    from storydiff.web.pages import report_page

    doc = ('<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src '
           '&#x27;none&#x27;; style-src &#x27;sha256-abc=&#x27;"></head><body class="x"><p>r</p></body></html>')
    page = report_page(doc, "A" * 16)
    assert page.index('<body class="x">') < page.index('id="sdweb-toolbar"') < page.index("<p>r</p>")
    assert "style-src 'sha256-" in page.replace("&#x27;", "'") and "sha256-abc=" in page
    assert "<pre>plain &lt;b&gt;</pre>" in report_page("plain <b>", "A" * 16)


def test_host_check_refuses_foreign_host_names() -> None:
    with TestClient(create_app(allowed_hosts=("127.0.0.1", "localhost", "::1"))) as c:
        for host in ("127.0.0.1:8000", "localhost", "[::1]:8000"):
            assert c.get("/healthz", headers={"host": host}).status_code == 200, host
        r = c.get("/healthz", headers={"host": "evil.example:8000"})
        assert r.status_code == 400 and _error(r)["code"] == "bad_host"


def test_concurrent_requests_give_identical_answers() -> None:
    import anyio
    import httpx

    app = create_app(max_concurrency=2)

    async def main() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
            results: list[httpx.Response] = []

            async def one() -> None:
                results.append(await c.post("/api/compare", json={"a": STORY_A, "b": STORY_B}))

            async with anyio.create_task_group() as tg:
                for _ in range(4):
                    tg.start_soon(one)
            return results

    answers = anyio.run(main)
    assert [r.status_code for r in answers] == [200] * 4
    assert len({r.content for r in answers}) == 1


def test_serve_refuses_a_busy_port() -> None:
    import socket

    from storydiff.cli.serve import _bind
    from storydiff.errors import OptionError

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        with pytest.raises(OptionError, match="choose another --port"):
            _bind("127.0.0.1", taken.getsockname()[1])


@pytest.mark.slow
def test_serve_prints_its_url_and_answers_on_loopback_only() -> None:
    import subprocess
    import sys

    import httpx

    proc = subprocess.Popen([sys.executable, "-m", "storydiff", "serve", "--port", "0", "--no-store"],
                            stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, text=True)
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()  # printed once the model is loaded and the socket is bound
        assert line.startswith("storydiff: serving on http://127.0.0.1:"), line
        url = line.split("serving on ", 1)[1].split()[0].rstrip("/")
        assert httpx.get(f"{url}/healthz", timeout=10).json()["status"] == "ok"
        assert httpx.get(f"{url}/healthz", headers={"host": "rebound.example"}, timeout=10).status_code == 400
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stderr is not None:
            proc.stderr.close()


def test_serve_is_a_cli_command() -> None:
    from click.testing import CliRunner

    from storydiff.cli import cli

    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--max-upload-mb" in result.output and "127.0.0.1" in result.output


def test_comparison_json_is_valid_json_with_unicode(client: TestClient) -> None:
    r = client.post("/api/compare", json={"a": "Le maire a dit « oui ».", "b": "Le maire a dit « non »."})
    assert r.status_code == 200
    assert "« non »" in json.loads(r.content)["documents"][1]["text"]


NAV_PAGE = ("<!doctype html><html><head><title>City news</title></head><body><nav><a href='/'>{nav}</a></nav>"
            "<article><h1>Budget</h1><p>{text}</p></article></body></html>")


@pytest.mark.issue(18)
def test_pasted_html_is_detected_as_the_cli_does_on_standard_input(client: TestClient) -> None:
    r = client.post("/compare", headers={"accept": "application/json"},
                    data={"a_text": NAV_PAGE.format(nav="News", text=STORY_A),
                          "b_text": NAV_PAGE.format(nav="Sport", text=STORY_B)})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert [d["media_type"] for d in doc["documents"]] == ["text/html", "text/html"]
    assert all("<nav>" not in d["text"] and "Sport" not in d["text"] for d in doc["documents"])
    assert not any("Sport" in (c.get("b_text") or "") for c in doc["changes"]), "navigation is not the story"
    api = client.post("/api/compare", json={"a": NAV_PAGE.format(nav="News", text=STORY_A), "b": STORY_B})
    assert [d["media_type"] for d in api.json()["documents"]] == ["text/html", "text/plain"]


@pytest.mark.issue(18)
def test_named_versions_name_the_result(client: TestClient) -> None:
    r = client.post("/compare", data={"a_text": STORY_A, "b_text": STORY_B, "a_name": "Ministry statement",
                                      "b_name": "Daily copy"})
    assert r.status_code == 200 and r.url.path.startswith("/r/")
    assert "Ministry statement → Daily copy" in r.text
    doc = client.get(r.url.path + ".json").json()
    assert [(d["id"], d["title"]) for d in doc["documents"]] == [("Ministry statement", "Ministry statement"),
                                                                 ("Daily copy", "Daily copy")]


@pytest.mark.issue(18)
def test_two_bad_uploads_show_both_errors(client: TestClient) -> None:
    r = client.post("/compare", files={"a_file": ("scan-a.txt", BINARY, "text/plain"),
                                       "b_file": ("empty-b.txt", b"", "text/plain")})
    assert r.status_code == 422
    assert "scan-a.txt" in r.text and "empty-b.txt" in r.text
    assert r.text.count("<li>") == 2
    api = client.post("/compare", headers={"accept": "application/json"},
                      files={"a_file": ("scan-a.txt", BINARY, "text/plain"),
                             "b_file": ("scan-b.html", BINARY, "text/html")})
    message = _error(api)["message"]
    assert "Version A (scan-a.txt)" in message and "Version B (scan-b.html)" in message


@pytest.mark.issue(18)
def test_new_comparison_refills_the_form_from_the_result(client: TestClient) -> None:
    r = client.post("/compare", data={"a_text": "  " + STORY_A, "b_text": STORY_B, "a_name": "old <one>",
                                      "min_severity": "high", "media_type": "text/markdown"})
    rid = r.url.path.rsplit("/", 1)[1]
    assert f'href="/?from={rid}"' in r.text
    form = client.get(f"/?from={rid}").text
    assert "  " + STORY_A in form and STORY_B in form  # exactly as typed
    assert 'value="old &lt;one&gt;"' in form
    assert '<option value="high" selected>' in form and '<option value="text/markdown" selected>' in form
    with_file = client.post("/compare", data={"b_text": STORY_B},
                            files={"a_file": ("old.txt", STORY_A.encode(), "text/plain")})
    form = client.get("/?from=" + with_file.url.path.rsplit("/", 1)[1]).text
    assert "old.txt" in form and STORY_A in form  # a file input cannot be refilled: its text is
    assert "no longer kept" in client.get("/?from=AAAAAAAAAAAAAAAA").text


@pytest.mark.issue(18)
def test_web_address_and_text_together_are_refused(client: TestClient) -> None:
    r = client.post("/compare", data={"a_text": STORY_A, "a_url": "https://example.org/a", "b_text": STORY_B})
    assert r.status_code == 422 and "both a web address and pasted text" in r.text
    r = client.post("/compare", data={"a_url": "file:///etc/passwd", "b_text": STORY_B})
    assert r.status_code == 422 and "http:// or https://" in r.text


@pytest.mark.issue(14)
def test_requests_holding_bodies_are_bounded(gate: threading.Event) -> None:
    import anyio
    import httpx

    app = create_app(max_pending=1, timeout_s=5)

    async def main() -> list[int]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as c:
            statuses: list[int] = []

            async def first() -> None:
                statuses.append((await c.post("/api/compare", json={"a": STORY_A, "b": STORY_B})).status_code)

            async with anyio.create_task_group() as tg:
                tg.start_soon(first)
                await anyio.sleep(0.5)  # the first one now waits in compare
                second = await c.post("/api/compare", json={"a": STORY_A, "b": STORY_B})
                statuses.append(second.status_code)
                assert second.headers["retry-after"] and second.json()["error"]["code"] == "busy"
                assert (await c.get("/healthz")).status_code == 200  # no body: never counted
                gate.set()
            return statuses

    statuses = anyio.run(main)
    assert statuses[0] == 503 and len(statuses) == 2 and statuses[1] != 503


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 serving two versions of a story."""
    import http.server
    import socketserver

    pages = {"/a.html": NAV_PAGE.format(nav="News", text=STORY_A), "/b.html": NAV_PAGE.format(nav="Sport",
                                                                                              text=STORY_B)}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = pages.get(self.path, "").encode()
            self.send_response(200 if body else 404)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler) as httpd:
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
        httpd.shutdown()


@pytest.mark.issue(18)
def test_web_addresses_are_fetched_and_named(site: str) -> None:
    with TestClient(create_app(allow_private_urls=True)) as c:
        r = c.post("/compare", data={"a_url": f"{site}/a.html", "b_url": f"{site}/b.html", "b_name": "copy"},
                   headers={"accept": "application/json"})
        assert r.status_code == 200, r.text
        a, b = r.json()["documents"]
        assert a["source"] == f"{site}/a.html" and b["id"] == "copy" and b["title"] == "copy"
        assert "40 new buses" in a["text"] and "Sport" not in b["text"]
        api = c.post("/api/compare", json={"a_url": f"{site}/a.html", "b": STORY_B})
        assert api.status_code == 200 and api.json()["documents"][0]["media_type"] == "text/html"
        form = c.get("/?from=" + r.url.path.split("/")[-1].removesuffix(".json")).text
        assert f'value="{site}/a.html"' in form  # New comparison keeps the address


@pytest.mark.issue(18)
def test_private_addresses_are_refused_by_default(client: TestClient, site: str) -> None:
    r = client.post("/compare", data={"a_url": f"{site}/a.html", "b_url": "http://2130706433/b.html"})
    assert r.status_code == 422
    assert r.text.count("<li>") == 2 and "Version A (" in r.text and "Version B (" in r.text
    api = client.post("/api/compare", json={"a_url": "http://169.254.169.254/latest/meta-data/", "b": STORY_B})
    err = _error(api)
    assert api.status_code == 422 and err["code"] == "url_refused" and "Version A" in err["message"]


@pytest.mark.issue(18)
def test_pdf_and_docx_uploads_are_compared(client: TestClient) -> None:
    from test_read_formats import make_docx, make_pdf, p, r

    pdf = make_pdf([["Harbor City council approves ferry plan", "",
                     "The ferries will cost 85 million dollars in total.",
                     "The state transport fund will pay half of the cost."]])
    docx = make_docx(p(r("Harbor City council approves ferry plan")) +
                     p(r("The ferries will cost 58 million dollars in total.")) +
                     p(r("The state transport fund will pay half of the cost.")))
    res = client.post("/compare", headers={"accept": "application/json"},
                      files={"a_file": ("release.pdf", pdf, "application/pdf"),
                             "b_file": ("story.docx", docx, "application/octet-stream")})
    assert res.status_code == 200, res.text
    doc = res.json()
    assert [d["media_type"] for d in doc["documents"]] == [
        "application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"]
    assert any("58" in (c.get("b_text") or "") for c in doc["changes"])
    scan = client.post("/compare", data={"b_text": STORY_B}, files={"a_file": ("scan.pdf", make_pdf([[]]), "")})
    assert scan.status_code == 422 and "scan.pdf" in scan.text


def test_the_page_offers_every_readable_type(client: TestClient) -> None:
    from storydiff import read

    page = client.get("/").text
    for media_type, name in read.TEXT_MEDIA_TYPES.items():  # pasted text can be read as each text type
        assert f'<option value="{media_type}">{name}</option>' in page
    for ext in (".pdf", ".docx", ".md", ".html", ".txt"):
        assert ext in page.split('id="a-file"')[1].split(">")[0], ext
    assert 'id="a-url"' in page and 'id="b-name"' in page
