"""The routes of kept results: the report at its own address, its files, deletion, the list.

``/r/{id}`` is the report page (with a toolbar: new comparison, downloads,
delete); ``/r/{id}.json`` its twin, ``.csv`` and ``.html`` the same files
``/download/{id}.{ext}`` gives as attachments; ``GET /r/{id}/delete`` asks
and ``POST`` deletes (a link must never delete); ``DELETE /r/{id}`` is for
scripts; ``/results`` lists what is kept, and ``/results.json``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from storydiff.report.csv import render_csv
from storydiff.report.html import render_html
from storydiff.web import pages
from storydiff.web.inputs import WebError
from storydiff.web.limits import Runner
from storydiff.web.responses import ErrorResponse, json_error, run_job, wants_json
from storydiff.web.store import Entry, ResultStore

#: The report is self-contained: its own inline style and script, nothing fetched (its <meta> pins them by hash).
REPORT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; "
              "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
_RESULT_ID = re.compile(r"[A-Za-z0-9_-]{16}")
_FORMATS = {"html": "text/html; charset=utf-8", "json": "application/json", "csv": "text/csv; charset=utf-8"}


def not_kept(rid: str, as_json: bool) -> Response:
    """404: the result is not (or no longer) kept."""
    e = WebError(404, "not_found", f"No comparison {rid!r} is kept here: it was deleted, the store was "
                 "emptied, or the address is mistyped. Compare the texts again.")
    return json_error(e) if as_json else HTMLResponse(pages.message_page("Result not found", e.message),
                                                       status_code=404)


async def lookup(kept: ResultStore, rid: str) -> tuple[Entry, dict[str, Any], dict[str, Any]] | None:
    """The kept result ``rid`` (entry, comparison, typed inputs), or None for an unknown or malformed id."""
    if not _RESULT_ID.fullmatch(rid):
        return None
    return await anyio.to_thread.run_sync(kept.get, rid)


def add_result_routes(app: FastAPI, *, store: ResultStore, runner: Runner, store_note: Callable[[], str]) -> None:
    """Add the routes of kept results to ``app``."""
    kept = store

    @app.get("/r/{name}", include_in_schema=False)
    async def result(request: Request, name: str) -> Response:
        rid, _, ext = name.partition(".")
        as_json = ext == "json" or (not ext and wants_json(request))
        got = await lookup(kept, rid) if ext in ("", *_FORMATS) else None
        if got is None:
            return not_kept(rid, as_json)
        entry, data, _ = got
        if ext:
            return await file_response(rid, data, entry.min_severity, ext, attachment=False)
        report = await run_job(runner, lambda: pages.report_page(render_html(data, min_severity=entry.min_severity),
                                                              rid))
        return HTMLResponse(report, headers={"content-security-policy": REPORT_CSP})

    async def file_response(rid: str, data: dict[str, Any], floor: str | None, ext: str, *,
                            attachment: bool) -> Response:
        try:
            body = await run_job(runner, lambda: _render_file(data, floor, ext))
        except WebError as e:
            return HTMLResponse(pages.message_page("Download failed", e.message), status_code=e.status)
        headers = {"content-disposition": f'attachment; filename="storydiff-{rid}.{ext}"'} if attachment else {}
        if ext == "html":
            headers["content-security-policy"] = REPORT_CSP
        return Response(body, media_type=_FORMATS[ext], headers=headers)

    @app.get("/download/{filename}", include_in_schema=False)
    async def download(filename: str) -> Response:
        rid, _, ext = filename.rpartition(".")
        got = await lookup(kept, rid) if ext in _FORMATS else None
        if got is None:
            return not_kept(rid, False)
        entry, data, _ = got
        return await file_response(rid, data, entry.min_severity, ext, attachment=True)

    @app.get("/r/{rid}/delete", include_in_schema=False)
    async def ask_delete(rid: str) -> Response:
        got = await lookup(kept, rid)
        if got is None:
            return not_kept(rid, False)
        return HTMLResponse(pages.delete_page(got[0].to_dict()))

    @app.post("/r/{rid}/delete", include_in_schema=False)
    async def delete_page(request: Request, rid: str) -> Response:
        deleted = _RESULT_ID.fullmatch(rid) is not None and await anyio.to_thread.run_sync(kept.delete, rid)
        if not deleted:
            return not_kept(rid, wants_json(request))
        if wants_json(request):
            return Response(json.dumps({"deleted": rid}), media_type="application/json")
        return RedirectResponse("/results?deleted=1", status_code=303)

    @app.delete("/r/{rid}", summary="Delete a kept comparison",
                responses={200: {"content": {"application/json": {"example": {"deleted": "AbCdEfGhIjKlMnOp"}}}},
                           404: {"model": ErrorResponse}})
    async def delete_result(rid: str) -> Response:
        deleted = _RESULT_ID.fullmatch(rid) is not None and await anyio.to_thread.run_sync(kept.delete, rid)
        if not deleted:
            return not_kept(rid, True)
        return Response(json.dumps({"deleted": rid}), media_type="application/json")

    @app.get("/results", response_class=HTMLResponse, include_in_schema=False)
    async def results(request: Request) -> HTMLResponse:
        entries = [e.to_dict() for e in await anyio.to_thread.run_sync(kept.entries)]
        notice = "The comparison was deleted." if request.query_params.get("deleted") else None
        return HTMLResponse(pages.results_page(entries, store_note=store_note(), notice=notice))

    @app.get("/results.json", summary="The kept comparisons, most recent first",
             description="Each with its id, time (UTC), the two versions' names, change count, summary, kept "
                         "size in bytes and addresses (`url`, `json`).")
    async def results_json() -> dict[str, Any]:
        entries = await anyio.to_thread.run_sync(kept.entries)
        n, size = kept.usage()
        return {"results": [e.to_dict() for e in entries], "count": n, "size": size, "max_size": kept.max_bytes,
                "where": None if kept.path is None else str(kept.path)}


def _render_file(data: dict[str, Any], floor: str | None, ext: str) -> bytes:
    """A kept comparison as a file.

    The HTML holds every change, with the page's severity as its initial
    filter (as on screen); JSON and CSV carry every change, as the CLI does
    by default, so that nothing is lost to a display choice.
    """
    if ext == "json":
        return json.dumps(data, ensure_ascii=False, indent=2).encode()
    if ext == "csv":
        return render_csv(data).encode()
    return render_html(data, min_severity=floor).encode()
