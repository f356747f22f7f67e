"""The local web page and its JSON API.

``create_app()`` builds a FastAPI application with:

* ``GET /`` — a form: two texts (or files) and a Compare button;
* ``POST /compare`` — the report page, with links to download it;
* ``GET /download/{id}.{html,json,csv}`` — the same comparison, from a small
  in-memory store of recent results;
* ``POST /api/compare`` — JSON (or multipart) in, ``storydiff.comparison/1`` out;
* ``GET /healthz``, ``GET /openapi.json`` and ``GET /docs`` (an offline list of
  the endpoints: the usual interactive console loads scripts from a CDN).

Every error a user can cause is answered with a status and a clear message —
``{"error": {"code", "message"}}`` for the API, the form re-shown with the
message for the page — never a stack trace. See :mod:`storydiff.web.limits`
for the size, time and concurrency bounds.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from storydiff._version import __version__
from storydiff.model import Comparison
from storydiff.errors import InputTooLarge, StorydiffError
from storydiff.options import Options
from storydiff.pipeline import compare
from storydiff.report import render
from storydiff.web import pages
from storydiff.web.inputs import (
    MEDIA_TYPES,
    SEVERITIES,
    CompareRequest,
    Input,
    WebError,
    api_inputs,
    check_both,
    choice,
    describe,
    error_code,
    form_input,
    parse_form,
    read_document,
    text_field,
)
from storydiff.web.limits import BodyLimit, Busy, HostCheck, Overran, ResultCache, Runner, Scope, SecurityHeaders

logger = logging.getLogger("storydiff.web")

#: Pages we write ourselves carry no script at all.
PAGE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
            "base-uri 'none'; frame-ancestors 'none'")
#: The report is self-contained: its own inline style and script, nothing fetched.
REPORT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; "
              "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")

_RESULT_ID = re.compile(r"[A-Za-z0-9_-]{16}")
_DOWNLOADS = {"html": "text/html; charset=utf-8", "json": "application/json",
              "csv": "text/csv; charset=utf-8"}


class ErrorDetail(BaseModel):
    code: str = Field(description="A stable, machine-readable code, e.g. `empty_input`, `timeout`.",
                      examples=["empty_input"])
    message: str = Field(description="What was expected, what was got, and what to do.",
                         examples=["Version B is empty: paste its text or choose a file."])


class ErrorResponse(BaseModel):
    error: ErrorDetail


@dataclass(frozen=True, slots=True)
class _Stored:
    comparison: Comparison
    min_severity: str | None


def create_app(*, max_upload_bytes: int = 5_000_000, timeout_s: float = 60.0, options: Options | None = None,
               max_concurrency: int = 2, max_results: int = 32,
               allowed_hosts: tuple[str, ...] | None = None) -> FastAPI:
    """Build the local web application.

    Args:
        max_upload_bytes: the largest request body accepted (both versions
            together, with form overhead); larger ones get 413.
        timeout_s: the longest a request may take (waiting for a worker
            included); longer ones get 504. The worker thread cannot be
            stopped and finishes its job in the background, holding its slot.
        options: comparison options (engine, thresholds); ``min_severity``
            is chosen per request.
        max_concurrency: comparisons running at once; more wait, and get
            503 when nothing frees up before ``timeout_s``.
        max_results: recent results kept in memory for the download links.
        allowed_hosts: answer only requests whose ``Host`` is one of these
            (``storydiff serve`` passes the loopback names when it listens on
            loopback, against DNS rebinding); None accepts any.

    Returns:
        The FastAPI application; serve it with uvicorn (``storydiff serve``).

    Example:
        >>> from fastapi.testclient import TestClient
        >>> TestClient(create_app()).get("/healthz").json()["status"]
        'ok'
    """
    opts = options or Options()
    runner = Runner(timeout_s=timeout_s, slots=max_concurrency)
    results: ResultCache[_Stored] = ResultCache(max_entries=max_results, max_size=10 * max_upload_bytes)
    app = FastAPI(title="storydiff", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json",
                  description="Compare two versions of a text: aligned sentences and named changes of meaning.")
    app.state.runner, app.state.results = runner, results

    def form_error(e: WebError, keep: dict[str, Any]) -> HTMLResponse:
        page = pages.form_page(error=e.message, max_bytes=max_upload_bytes, max_results=max_results, **keep)
        return HTMLResponse(page, status_code=e.status, headers=e.headers)

    def too_large(scope: Scope, limit: int) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        e = _too_large_error(limit)
        if scope["path"].startswith("/api/"):
            return 413, [(b"content-type", b"application/json")], _error_json(e)
        page = pages.form_page(error=e.message, max_bytes=max_upload_bytes, max_results=max_results)
        return 413, [(b"content-type", b"text/html; charset=utf-8")], page.encode()

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def form() -> HTMLResponse:
        return HTMLResponse(pages.form_page(max_bytes=max_upload_bytes, max_results=max_results))

    @app.get("/compare", include_in_schema=False)
    async def compare_again() -> RedirectResponse:
        # Reloading or bookmarking the report page asks for GET /compare: go back to the form.
        return RedirectResponse("/", status_code=303)

    @app.post("/compare", response_class=HTMLResponse, include_in_schema=False)
    async def compare_page(request: Request) -> HTMLResponse:
        keep: dict[str, Any] = {}
        had_files = False
        try:
            data = await parse_form(request, max_upload_bytes)
            try:
                keep = {"a_text": text_field(data, "a_text"), "b_text": text_field(data, "b_text")}
                had_files = any(isinstance(v, UploadFile) and v.filename for _, v in data.multi_items())
                keep["media_type"] = choice(data, "media_type", MEDIA_TYPES, "Pasted text is")
                keep["min_severity"] = choice(data, "min_severity", SEVERITIES, "Severity") or "medium"
                a = await form_input(data, "a", "Version A", keep["a_text"], keep["media_type"])
                b = await form_input(data, "b", "Version B", keep["b_text"], keep["media_type"])
            finally:
                await data.close()  # uploads are spooled to temporary files
            check_both(a, b)
            floor = keep["min_severity"]

            def job() -> tuple[Comparison, str]:
                c = _process(a, b, opts, max_upload_bytes)
                return c, render(c, "html", min_severity=floor)

            comparison, report = await _run(runner, job)
        except WebError as e:
            if had_files:  # a browser never re-fills a file input
                e = WebError(e.status, e.code, e.message + " Choose your file(s) again.", e.headers)
            return form_error(e, keep)
        rid = secrets.token_urlsafe(12)
        results.put(rid, _Stored(comparison, floor), _size(comparison))
        return HTMLResponse(pages.report_page(report, rid), headers={"content-security-policy": REPORT_CSP})

    @app.get("/download/{filename}", include_in_schema=False)
    async def download(filename: str) -> Response:
        rid, _, ext = filename.rpartition(".")
        stored = results.get(rid) if _RESULT_ID.fullmatch(rid) and ext in _DOWNLOADS else None
        if stored is None:
            msg = (f"This result is no longer kept: the server holds the {max_results} most recent ones "
                   "in memory, until it stops. Compare the texts again.")
            return HTMLResponse(pages.message_page("Result not found", msg), status_code=404)
        try:
            body = await _run(runner, lambda: _render_download(stored, ext))
        except WebError as e:
            return HTMLResponse(pages.message_page("Download failed", e.message), status_code=e.status)
        headers = {"content-disposition": f'attachment; filename="storydiff-{rid}.{ext}"'}
        if ext == "html":
            headers["content-security-policy"] = REPORT_CSP
        return Response(body, media_type=_DOWNLOADS[ext], headers=headers)

    @app.post(
        "/api/compare",
        summary="Compare two versions of a text",
        description=(
            "Send the two versions as JSON (`CompareRequest`) or as multipart form data with text fields "
            "`a`, `b` and/or files `a_file`, `b_file` (.txt, .md, .html; a file replaces its text field), plus "
            "optional `a_name`, `b_name`, `media_type`, `min_severity`. Answers the `storydiff.comparison/1` "
            "document: the segmented documents, the sentence alignment with a verdict per group, every "
            "change found, and a summary.\n\n"
            "Limits: the request body is at most the server's upload limit (413 above it); a comparison "
            "taking longer than the server's timeout gets 504; when every worker is busy for that long, 503."
        ),
        responses={
            200: {"description": "The `storydiff.comparison/1` document.",
                  "content": {"application/json": {"schema": _COMPARISON_SCHEMA}}},
            413: {"model": ErrorResponse, "description": "The body or a document is above the size limit."},
            415: {"model": ErrorResponse, "description": "Neither JSON nor form data."},
            422: {"model": ErrorResponse, "description": "A version is empty, missing, binary or unreadable."},
            500: {"model": ErrorResponse, "description": "A bug; the details are in the server log."},
            503: {"model": ErrorResponse, "description": "Every worker stayed busy; try again later."},
            504: {"model": ErrorResponse, "description": "The comparison took longer than the server allows."},
        },
        openapi_extra={"requestBody": {"required": True, "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/CompareRequest"}},
            "multipart/form-data": {"schema": _MULTIPART_SCHEMA},
        }}},
    )
    async def api_compare(request: Request) -> Response:
        try:
            a, b, floor = await api_inputs(request, max_upload_bytes)
            check_both(a, b)

            def job() -> bytes:
                c = _process(a, b, opts, max_upload_bytes)
                return json.dumps(c.to_dict(min_severity=floor), ensure_ascii=False).encode()

            body = await _run(runner, job)
        except WebError as e:
            return _json_error(e)
        return Response(body, media_type="application/json")

    @app.get("/healthz", summary="Is the server up?",
             responses={200: {"content": {"application/json": {"example": {"status": "ok", "version": "0.1.0"}}}}})
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        return HTMLResponse(pages.api_page(app.openapi(), request.headers.get("host", "127.0.0.1:8000")))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        message = {
            404: f"Nothing at {request.url.path}: the comparison form is at /, the API at POST /api/compare "
                 "(see /docs).",
            405: f"{request.method} is not allowed on {request.url.path}; see /docs for the endpoints.",
        }.get(exc.status_code, str(exc.detail))
        e = WebError(exc.status_code, code, message)
        if request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", ""):
            return _json_error(e)
        return HTMLResponse(pages.message_page("Not available", e.message), status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        return _json_error(WebError(422, "invalid_request", describe(exc.errors())))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        logger.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        return _json_error(_INTERNAL)

    _install_openapi(app)
    # The last middleware added runs first: security headers wrap even the 413 refusals.
    app.add_middleware(BodyLimit, max_bytes=max_upload_bytes, respond=too_large)
    if allowed_hosts is not None:
        app.add_middleware(HostCheck, allowed=allowed_hosts)
    app.add_middleware(SecurityHeaders, default_csp=PAGE_CSP)
    return app


_INTERNAL = WebError(500, "internal_error", "Something went wrong inside storydiff (a bug); the server log has "
                     "the details. Please report it with the two texts if you can.")

_COMPARISON_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "See docs/json-schema.md; keys may be added in later versions, never renamed or removed.",
    "required": ["schema", "storydiff_version", "options", "documents", "alignment", "changes", "summary",
                 "truncated"],
    "properties": {
        "schema": {"type": "string", "const": "storydiff.comparison/1"},
        "storydiff_version": {"type": "string"},
        "options": {"type": "object"},
        "documents": {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "object"}},
        "alignment": {"type": "array", "items": {"type": "object"}},
        "changes": {"type": "array", "items": {"type": "object"}},
        "summary": {"type": "object", "additionalProperties": {"type": "integer"}},
        "truncated": {"type": "boolean"},
    },
}

_MULTIPART_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "a": {"type": "string", "description": "Version A as text."},
        "b": {"type": "string", "description": "Version B as text."},
        "a_file": {"type": "string", "format": "binary", "description": "Version A as a .txt, .md or .html file."},
        "b_file": {"type": "string", "format": "binary", "description": "Version B as a .txt, .md or .html file."},
        "a_name": {"type": "string"}, "b_name": {"type": "string"},
        "media_type": {"type": "string", "enum": list(MEDIA_TYPES)},
        "min_severity": {"type": "string", "enum": list(SEVERITIES)},
    },
}


def _install_openapi(app: FastAPI) -> None:
    """Add the request model, which the route reads itself (JSON or multipart), to the schema."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes)
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components["CompareRequest"] = CompareRequest.model_json_schema(
                ref_template="#/components/schemas/{model}")
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


async def _run(runner: Runner, job: Callable[[], Any]) -> Any:
    """Run a blocking job, turning every failure into a :class:`WebError`."""
    try:
        return await runner.run(job)
    except Busy:
        raise WebError(503, "busy", f"Every worker is busy ({runner.slots} comparisons at once) and none freed "
                       f"up within {runner.timeout_s:g} s. Try again in a minute.",
                       {"retry-after": "30"}) from None
    except Overran:
        raise WebError(504, "timeout", f"The comparison took longer than the limit of {runner.timeout_s:g} s. "
                       "Try shorter texts, or start the server with a larger --timeout.") from None
    except WebError:
        raise
    except InputTooLarge as e:
        raise WebError(413, "input_too_large", str(e)) from None
    except StorydiffError as e:
        raise WebError(422, error_code(e), str(e)) from None
    except Exception:
        logger.exception("unexpected error while comparing")
        raise _INTERNAL from None


def _process(a: Input, b: Input, options: Options, max_bytes: int) -> Comparison:
    """Read both versions and compare them (runs in a worker thread)."""
    return compare(read_document(a, max_bytes), read_document(b, max_bytes), options=options)


def _render_download(stored: _Stored, ext: str) -> bytes:
    """The stored comparison as a file.

    The HTML holds every change, with the page's severity as its initial
    filter (as on screen); JSON and CSV carry every change, as the CLI does
    by default, so that nothing is lost to a display choice.
    """
    c = stored.comparison
    if ext == "json":
        return json.dumps(c.to_dict(), ensure_ascii=False, indent=2).encode()
    if ext == "csv":
        return render(c, "csv").encode()
    return render(c, "html", min_severity=stored.min_severity).encode()


def _too_large_error(limit: int) -> WebError:
    return WebError(413, "body_too_large", f"The documents are larger than this server accepts "
                    f"({limit:,} bytes for both together). Send shorter texts, or start the server with a larger "
                    "--max-upload-mb.")


def _error_json(e: WebError) -> bytes:
    return json.dumps({"error": {"code": e.code, "message": e.message}}, ensure_ascii=False).encode()


def _json_error(e: WebError) -> Response:
    return Response(_error_json(e), status_code=e.status, media_type="application/json", headers=e.headers)


def _size(c: Comparison) -> int:
    return len(c.a.document.text) + len(c.b.document.text)
