"""What the page and the API receive: fields, files, their checks, and reading them.

Everything a user can get wrong is raised as :class:`WebError` (status, stable
code, message) before any comparison starts, or while reading a document.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.datastructures import FormData, UploadFile

from storydiff import read
from storydiff.errors import InputTooLarge, StorydiffError
from storydiff.model import Document, Severity

MEDIA_TYPES = tuple(read.MEDIA_TYPES)
SEVERITIES = tuple(s.value for s in Severity)
MediaType = Literal[MEDIA_TYPES]  # type: ignore[valid-type]
_MAX_NAME = 200


class CompareRequest(BaseModel):
    """Two versions of a text to compare."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{
            "a": "The vote was on Monday. Mayor Ann Lee said 40 people came.",
            "b": "Mayor Ann Lee said 400 people came. The vote was on Tuesday.",
            "a_name": "original", "b_name": "republished", "min_severity": "medium",
        }]},
    )

    a: str = Field(description="Version A (the earlier or reference text), the text itself.")
    b: str = Field(description="Version B (the later or republished text), the text itself.")
    a_name: str | None = Field(None, max_length=_MAX_NAME, description="An id for version A in the output "
                               "(default: a hash of its text).")
    b_name: str | None = Field(None, max_length=_MAX_NAME, description="An id for version B in the output.")
    media_type: MediaType | None = Field(None, description="How to read both texts (default: text/plain); "
                                         "text/html keeps the main text of a page.")
    min_severity: Severity | None = Field(None, description="Keep only changes at or above this severity "
                                              "(default: every change).")


class WebError(Exception):
    """An answer other than 200: status, stable code, human message."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}


@dataclass(frozen=True, slots=True)
class Input:
    """One version as received: text typed or pasted, or the bytes of a file."""

    label: str
    text: str | None = None
    data: bytes | None = None
    filename: str | None = None
    name: str | None = None
    media_type: str | None = None


def read_document(inp: Input, max_bytes: int) -> Document:
    """Read one version: a file's bytes through :func:`storydiff.read.load`, text through ``from_text``.

    Raises:
        WebError: 413 for a document above ``max_bytes``, 422 for any other
            reading error (binary, undecodable, empty), naming the version and file.
    """
    try:
        if inp.data is not None:
            media = inp.media_type or (read.media_type_of(inp.filename) if inp.filename else None)
            doc = read.load(inp.data, media_type=media, name=inp.name or inp.filename, max_bytes=max_bytes)
            return dataclasses.replace(doc, source=inp.filename or inp.label)
        return read.from_text(inp.text or "", source=inp.label, name=inp.name,
                              media_type=inp.media_type or "text/plain")
    except StorydiffError as e:
        # The reader names raw bytes "<bytes>"; say which version and file it was.
        where = f"{inp.label} ({inp.filename})" if inp.filename else inp.label
        msg = str(e)
        msg = where + msg[len("<bytes>"):] if msg.startswith("<bytes>") else f"{where}: {msg}"
        raise WebError(413 if isinstance(e, InputTooLarge) else 422, error_code(e), msg) from None


async def parse_form(request: Request, max_bytes: int) -> FormData:
    """The request's form data (the caller closes it); 400 when it is malformed."""
    try:
        # Text fields may be as large as the whole body (Starlette's default part limit is 1 MB).
        return await request.form(max_files=2, max_fields=16, max_part_size=max_bytes)
    except Exception as e:  # malformed multipart: Starlette says what it could not parse
        detail = getattr(e, "detail", None) or str(e)
        raise WebError(400, "bad_form", f"The form data could not be read ({detail}).") from None


async def form_input(data: FormData, key: str, label: str, text: str, media_type: str | None,
                      name_field: str | None = None) -> Input:
    """A version from form fields ``{key}_text``/``{key}`` and ``{key}_file``; a chosen file wins."""
    name = text_field(data, name_field)[:_MAX_NAME] or None if name_field else None
    upload = data.get(f"{key}_file")
    if isinstance(upload, UploadFile) and (upload.filename or upload.size):
        content = await upload.read()
        filename = (upload.filename or "upload")[:_MAX_NAME]
        if not content:
            raise WebError(422, "empty_input", f"{label}: the file {filename!r} is empty; choose another file.")
        return Input(label, data=content, filename=filename, name=name)
    return Input(label, text=text, name=name, media_type=media_type)


def check_both(a: Input, b: Input) -> None:
    """422 unless both versions have something to read."""
    missing = [inp.label for inp in (a, b) if inp.data is None and not (inp.text or "").strip()]
    if len(missing) == 2:
        raise WebError(422, "empty_input", "Both versions are empty: paste or choose version A and version B.")
    if missing:
        raise WebError(422, "empty_input", f"{missing[0]} is empty: paste its text or choose a file "
                       "(a comparison needs both versions).")


async def api_inputs(request: Request, max_bytes: int) -> tuple[Input, Input, str | None]:
    """Versions A and B and the severity floor from a JSON or form-data request to the API."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        data = await parse_form(request, max_bytes)
        try:
            media = choice(data, "media_type", MEDIA_TYPES, "media_type")
            floor = choice(data, "min_severity", SEVERITIES, "min_severity")
            a = await form_input(data, "a", "Version A", text_field(data, "a"), media, "a_name")
            b = await form_input(data, "b", "Version B", text_field(data, "b"), media, "b_name")
        finally:
            await data.close()
        if media:  # an explicit media_type also applies to files
            a, b = dataclasses.replace(a, media_type=media), dataclasses.replace(b, media_type=media)
        return a, b, floor
    if ctype not in ("application/json", ""):
        raise WebError(415, "unsupported_media_type", f"Expected a JSON body (application/json) or form data "
                       f"(multipart/form-data); got {ctype!r}.")
    body = await request.body()
    if not body.strip():
        raise WebError(422, "invalid_request", 'Expected a JSON body such as {"a": "…", "b": "…"}; got nothing.')
    try:
        req = CompareRequest.model_validate_json(body)
    except ValidationError as e:
        raise WebError(422, "invalid_request", describe(e.errors())) from None
    a = Input("Version A", text=req.a, name=req.a_name, media_type=req.media_type)
    b = Input("Version B", text=req.b, name=req.b_name, media_type=req.media_type)
    return a, b, req.min_severity


def text_field(data: FormData, key: str | None) -> str:
    """The form's text field ``key``, or "" when absent (or a file)."""
    value = data.get(key) if key else None
    return value if isinstance(value, str) else ""


def choice(data: FormData, key: str, allowed: tuple[str, ...], label: str) -> str | None:
    """The form's field ``key`` when it is one of ``allowed``, None when empty; 422 otherwise."""
    value = text_field(data, key).strip()
    if value and value not in allowed:
        raise WebError(422, "invalid_request", f"{label}: expected one of {', '.join(allowed)}; got {value[:40]!r}.")
    return value or None


def describe(errors: Any) -> str:
    """One message from pydantic's validation errors (the first five)."""
    parts = []
    for err in list(errors)[:5]:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        parts.append(f"{loc}: {err.get('msg', 'invalid')}" if loc else str(err.get("msg", "invalid")))
    return "Invalid request: " + "; ".join(parts) + (
        ". Expected {\"a\": str, \"b\": str} and optionally a_name, b_name, media_type, min_severity.")



def error_code(e: Exception) -> str:
    """A stable code from an error's class: ``UndecodableInput`` → ``undecodable_input``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(e).__name__).lower()
