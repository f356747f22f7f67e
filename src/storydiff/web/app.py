"""The local web page and its JSON API.

``create_app()`` builds a FastAPI application with:

* ``GET /`` — a form: two versions, each pasted, dropped or chosen as a file,
  or given as a web address, optionally named; ``/?from={id}`` re-fills it
  with what a kept comparison was made from;
* ``POST /compare`` — compares, keeps the result in the store and redirects
  (303) to its own address ``/r/{id}`` (to ``/r/{id}.json`` for a client
  asking for JSON);
* ``GET /r/{id}`` — the report with a toolbar; ``/r/{id}.json`` (its twin),
  ``.csv`` and ``.html``; ``GET /download/{id}.{html,json,csv}`` the same as
  attachments; ``GET``/``POST /r/{id}/delete`` asks, then deletes;
  ``DELETE /r/{id}`` deletes from a script;
* ``GET /results`` — the kept comparisons, and ``/results.json``;
* ``POST /api/compare`` — JSON in, ``storydiff.comparison/1`` out (nothing kept);
* ``GET /healthz``, ``GET /openapi.json`` and ``GET /docs`` (an offline list of
  the endpoints: the usual interactive console loads scripts from a CDN).

Every error a user can cause is answered with a status and a clear message —
``{"error": {"code", "message"}}`` for the API, the form re-shown with the
message(s) for the page — never a stack trace. See :mod:`storydiff.web.limits`
for the size, time, concurrency and cross-site bounds, :mod:`storydiff.web.store`
for what is kept, and :mod:`storydiff.web.server` for slow connections.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from storydiff._version import __version__
from storydiff.options import Options
from storydiff.pipeline import compare
from storydiff.web import pages
from storydiff.web.inputs import (
    PASTE_TYPES,
    SEVERITIES,
    CompareRequest,
    Fetching,
    Input,
    WebError,
    api_inputs,
    check_both,
    choice,
    describe,
    file_extensions,
    form_input,
    parse_form,
    read_both,
    read_document,
    text_field,
)
from storydiff.web.limits import BodyLimit, HostCheck, OriginCheck, Runner, Scope, SecurityHeaders
from storydiff.web.responses import INTERNAL, ErrorResponse, accept_header, error_json, json_error, run_job, wants_json
from storydiff.web.results import add_result_routes, lookup
from storydiff.web.store import ResultStore

logger = logging.getLogger("storydiff.web")

#: Pages we write ourselves carry no script, except the form's own (allowed by hash).
PAGE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
            "base-uri 'none'; frame-ancestors 'none'")
FORM_CSP = PAGE_CSP + "; script-src " + pages.form_script_hash()


def create_app(*, max_upload_bytes: int = 5_000_000, timeout_s: float = 60.0, options: Options | None = None,
               max_concurrency: int = 2, store: ResultStore | None = None,
               allowed_hosts: tuple[str, ...] | None = None, allow_private_urls: bool = False,
               max_pending: int = 64, body_timeout_s: float = 30.0) -> FastAPI:
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
        store: where the page's results are kept (default: in memory, until
            the process ends).
        allowed_hosts: answer only requests whose ``Host`` is one of these
            (``storydiff serve`` passes the loopback names when it listens on
            loopback, against DNS rebinding); None accepts any.
        allow_private_urls: let web addresses reach loopback and private
            networks (an intranet); off by default.
        max_pending: requests holding a body at once (being read, waiting or
            compared); more get 503 at once.
        body_timeout_s: a request body must arrive within this time (408).

    Returns:
        The FastAPI application; serve it with :func:`storydiff.web.server.build_server`
        (``storydiff serve``).

    Example:
        >>> from fastapi.testclient import TestClient
        >>> TestClient(create_app()).get("/healthz").json()["status"]
        'ok'
    """
    opts = options or Options()
    runner = Runner(timeout_s=timeout_s, slots=max_concurrency)
    kept = store if store is not None else ResultStore(None)
    fetching = Fetching(allow_private=allow_private_urls, timeout_s=min(timeout_s, 20.0))
    extensions = file_extensions()
    app = FastAPI(title="storydiff", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json",
                  description="Compare two versions of a text: aligned sentences and named changes of meaning.")
    app.state.runner, app.state.store = runner, kept

    def store_note() -> str:
        n, size = kept.usage()
        count = f"{n} kept, {pages.megabytes(size)} MB" if n else "none kept yet"
        where = ("in this server's memory until you delete it or the server stops" if kept.path is None
                 else f"in {kept.path} until you delete it")
        return (f"Each comparison gets its own address and is kept {where} ({count}; past "
                f"{pages.megabytes(kept.max_bytes)} MB the oldest are removed first).")

    def form_html(*, status: int = 200, error: WebError | None = None, keep: dict[str, Any] | None = None,
                  notice: str | None = None) -> HTMLResponse:
        keep = keep or {}
        page = pages.form_page(
            a=keep.get("a"), b=keep.get("b"), media_type=keep.get("media_type"),
            min_severity=keep.get("min_severity"), error=error.message if error else None,
            errors=error.details if error else (), notice=notice, max_bytes=max_upload_bytes,
            store_note=store_note(), paste_types=PASTE_TYPES, extensions=extensions)
        headers = {**(error.headers if error else {}), "content-security-policy": FORM_CSP}
        return HTMLResponse(page, status_code=status, headers=headers)

    def refuse(scope: Scope, status: int, code: str, message: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        e = WebError(status, code, message)
        accept = accept_header(scope)
        as_json = "application/json" in accept and "text/html" not in accept
        if scope["path"].startswith("/api/") or as_json or (scope["path"] != "/compare" and "text/html" not in accept):
            return status, [(b"content-type", b"application/json")], error_json(e)
        if scope["path"] == "/compare":
            r = form_html(status=status, error=e)
            return status, [(b"content-type", b"text/html; charset=utf-8"),
                            (b"content-security-policy", FORM_CSP.encode())], bytes(r.body)
        return status, [(b"content-type", b"text/html; charset=utf-8")], pages.message_page(
            "Refused", message).encode()

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def form(request: Request) -> HTMLResponse:
        rid = request.query_params.get("from")
        if not rid:
            return form_html()
        got = await lookup(kept, rid)
        if got is None:
            return form_html(notice="That comparison is no longer kept, so the form starts empty.")
        _, data, typed = got
        return form_html(keep=_refill(typed, data))

    @app.get("/compare", include_in_schema=False)
    async def compare_again() -> RedirectResponse:
        # An old bookmark of the report page (a POST result) asks for GET /compare: go back to the form.
        return RedirectResponse("/", status_code=303)

    @app.post("/compare", response_class=HTMLResponse, include_in_schema=False)
    async def compare_page(request: Request) -> Response:
        as_json = wants_json(request)
        keep: dict[str, Any] = {}
        had_files = False
        try:
            data = await parse_form(request, max_upload_bytes)
            try:
                keep = {k: {"name": text_field(data, f"{k}_name"), "text": text_field(data, f"{k}_text"),
                            "url": text_field(data, f"{k}_url")} for k in ("a", "b")}
                keep["media_type"] = text_field(data, "media_type")
                keep["min_severity"] = text_field(data, "min_severity")
                had_files = any(isinstance(v, UploadFile) and v.filename for _, v in data.multi_items())
                errors: list[WebError] = []

                def attempt(field: str, allowed: tuple[str, ...], label: str) -> str | None:
                    try:
                        return choice(data, field, allowed, label)
                    except WebError as e:
                        errors.append(e)
                        return None

                media = attempt("media_type", PASTE_TYPES, "Pasted text is")
                floor = attempt("min_severity", SEVERITIES, "Severity")
                got: list[Input] = []
                for key, label in (("a", "Version A"), ("b", "Version B")):
                    try:
                        got.append(await form_input(data, key, label, media))
                    except WebError as e:
                        errors.append(e)
            finally:
                await data.close()  # uploads are spooled to temporary files
            if errors:
                # Say at once what is wrong with a file on the other side too, rather than on the next try.
                for inp in got:
                    if inp.data is not None:
                        try:
                            await run_job(runner, lambda inp=inp: read_document(inp, max_upload_bytes))  # type: ignore[misc]
                        except WebError as e:
                            errors.insert(0 if inp.label == "Version A" else len(errors), e)
                raise WebError.combine(errors)
            a, b = got
            check_both(a, b)
            floor = floor or "medium"
            typed = {"a": a.typed(), "b": b.typed(), "media_type": media or "", "min_severity": floor}

            def job() -> str:
                docs = read_both(a, b, max_upload_bytes, fetching)
                c = compare(*docs, options=opts)
                return kept.put(c.to_dict(), inputs=typed, min_severity=floor)

            rid = await run_job(runner, job)
        except WebError as e:
            if as_json:
                return json_error(e)
            if had_files:  # a browser never re-fills a file input
                again = " Choose your file(s) again."
                e = WebError(e.status, e.code, e.message + again, e.headers,
                             tuple(e.details[:-1]) + (e.details[-1] + again,) if e.details else ())
            return form_html(status=e.status, error=e, keep=keep)
        return RedirectResponse(f"/r/{rid}.json" if as_json else f"/r/{rid}", status_code=303)

    add_result_routes(app, store=kept, runner=runner, store_note=store_note)

    @app.post(
        "/api/compare",
        summary="Compare two versions of a text",
        description=(
            "Send the two versions as JSON (`CompareRequest`, `Content-Type: application/json`): each as text "
            "(`a`, `b`) or as a web address to fetch (`a_url`, `b_url`), plus optional `a_name`, `b_name`, "
            "`media_type`, `min_severity`. Answers the `storydiff.comparison/1` document: the segmented "
            "documents, the sentence alignment with a verdict per group, every change found, and a summary. "
            "Nothing is kept. To send files, post the page's form to `/compare` (multipart, with "
            "`Accept: application/json`); it redirects to the kept result's JSON.\n\n"
            "Limits: the request body is at most the server's upload limit (413 above it); a comparison "
            "taking longer than the server's timeout gets 504; when every worker is busy for that long, 503. "
            "Requests a browser sends from another site get 403."
        ),
        responses={
            200: {"description": "The `storydiff.comparison/1` document.",
                  "content": {"application/json": {"schema": _COMPARISON_SCHEMA}}},
            403: {"model": ErrorResponse, "description": "Sent by a page on another site."},
            413: {"model": ErrorResponse, "description": "The body or a document is above the size limit."},
            415: {"model": ErrorResponse, "description": "Not JSON."},
            422: {"model": ErrorResponse, "description": "A version is empty, missing, binary or unreadable."},
            500: {"model": ErrorResponse, "description": "A bug; the details are in the server log."},
            503: {"model": ErrorResponse, "description": "Every worker stayed busy; try again later."},
            504: {"model": ErrorResponse, "description": "The comparison took longer than the server allows."},
        },
        openapi_extra={"requestBody": {"required": True, "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/CompareRequest"}},
        }}},
    )
    async def api_compare(request: Request) -> Response:
        try:
            a, b, floor = await api_inputs(request)
            check_both(a, b)

            def job() -> bytes:
                docs = read_both(a, b, max_upload_bytes, fetching)
                c = compare(*docs, options=opts)
                return json.dumps(c.to_dict(min_severity=floor), ensure_ascii=False).encode()

            body = await run_job(runner, job)
        except WebError as e:
            return json_error(e)
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
            return json_error(e)
        return HTMLResponse(pages.message_page("Not available", e.message), status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        return json_error(WebError(422, "invalid_request", describe(exc.errors())))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        logger.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        return json_error(INTERNAL)

    _install_openapi(app)
    # The last middleware added runs first: security headers wrap every refusal, and a foreign
    # site's request is refused before its body is read.
    app.add_middleware(BodyLimit, max_bytes=max_upload_bytes, respond=refuse, body_timeout=body_timeout_s,
                       max_pending=max_pending)
    app.add_middleware(OriginCheck, respond=refuse)
    if allowed_hosts is not None:
        app.add_middleware(HostCheck, allowed=allowed_hosts)
    app.add_middleware(SecurityHeaders, default_csp=PAGE_CSP)
    return app


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

def _install_openapi(app: FastAPI) -> None:
    """Add the request model, which the route reads itself, to the schema."""

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


def _refill(typed: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The form's fields for "New comparison" from a kept result.

    Pasted text and web addresses come back as typed; a file cannot be put
    back in a file input, so its text (as read) goes in the text area.
    """
    keep: dict[str, Any] = {"media_type": typed.get("media_type") or "", "min_severity": typed.get("min_severity")}
    for k, doc in zip(("a", "b"), data["documents"], strict=True):
        side = dict(typed.get(k) or {})
        if side.get("file"):
            side["text"] = doc.get("text", "")
        keep[k] = side
    return keep
