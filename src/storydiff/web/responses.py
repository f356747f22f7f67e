"""Answers shared by the page's routes: running a job, JSON errors, what the client asked for."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from storydiff.errors import InputTooLarge, StorydiffError
from storydiff.web.inputs import WebError, error_code
from storydiff.web.limits import Busy, Overran, Runner, Scope

logger = logging.getLogger("storydiff.web")


class ErrorDetail(BaseModel):
    code: str = Field(description="A stable, machine-readable code, e.g. `empty_input`, `timeout`.",
                      examples=["empty_input"])
    message: str = Field(description="What was expected, what was got, and what to do.",
                         examples=["Version B is empty: paste its text or choose a file."])


class ErrorResponse(BaseModel):
    error: ErrorDetail


INTERNAL = WebError(500, "internal_error", "Something went wrong inside storydiff (a bug); the server log has "
                     "the details. Please report it with the two texts if you can.")


async def run_job(runner: Runner, job: Callable[[], Any]) -> Any:
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
        raise INTERNAL from None


def wants_json(request: Request) -> bool:
    """Whether the client asked for JSON rather than a page (scripts posting the form)."""
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def accept_header(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"accept":
            return str(value.decode("latin-1"))
    return ""


def error_json(e: WebError) -> bytes:
    return json.dumps({"error": {"code": e.code, "message": e.message}}, ensure_ascii=False).encode()


def json_error(e: WebError) -> Response:
    return Response(error_json(e), status_code=e.status, media_type="application/json", headers=e.headers)
