"""What the page and the API receive: fields, files, web addresses, their checks, and reading them.

Everything a user can get wrong is raised as :class:`WebError` (status, stable
code, message) before any comparison starts, or while reading a document;
when both versions are wrong, both messages are kept.
"""

from __future__ import annotations

import dataclasses
import mimetypes
import re
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.datastructures import FormData, UploadFile

from storydiff import read
from storydiff.errors import InputTooLarge, StorydiffError
from storydiff.model import Document, Severity

#: Every type the readers know.
MEDIA_TYPES: tuple[str, ...] = tuple(read.MEDIA_TYPES)
#: What pasted text may be read as; "" (not listed) means detect HTML as the CLI does on standard input.
PASTE_TYPES: tuple[str, ...] = tuple(read.TEXT_MEDIA_TYPES)
SEVERITIES: tuple[str, ...] = tuple(s.value for s in Severity)
_MAX_NAME = 200
_MAX_URL = 2000


class CompareRequest(BaseModel):
    """Two versions of a text to compare: each as text (``a``/``b``) or as a web address (``a_url``/``b_url``)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{
            "a": "The vote was on Monday. Mayor Ann Lee said 40 people came.",
            "b": "Mayor Ann Lee said 400 people came. The vote was on Tuesday.",
            "a_name": "original", "b_name": "republished", "min_severity": "medium",
        }]},
    )

    a: str | None = Field(None, description="Version A (the earlier or reference text), the text itself.")
    b: str | None = Field(None, description="Version B (the later or republished text), the text itself.")
    a_url: str | None = Field(None, max_length=_MAX_URL, description="Version A as a web address to fetch "
                              "(instead of `a`).")
    b_url: str | None = Field(None, max_length=_MAX_URL, description="Version B as a web address to fetch.")
    a_name: str | None = Field(None, max_length=_MAX_NAME, description="A name for version A, used as its id "
                               "and title in the output (default: a hash of its text).")
    b_name: str | None = Field(None, max_length=_MAX_NAME, description="A name for version B.")
    media_type: str | None = Field(None, description="How to read both texts, one of " + ", ".join(
        f"`{t}`" for t in PASTE_TYPES) + " (default: HTML when the text looks like a page, else plain text, "
        "as the CLI does on standard input).", json_schema_extra={"enum": list(PASTE_TYPES)})
    min_severity: Severity | None = Field(None, description="Keep only changes at or above this severity "
                                              "(default: every change).")


class WebError(Exception):
    """An answer other than 200: status, stable code, human message."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None,
                 details: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}
        #: One message per problem when there are several (both versions unreadable); else empty.
        self.details = details

    @classmethod
    def combine(cls, errors: list[WebError]) -> WebError:
        """One error standing for several: the first one's status and code, every message."""
        if len(errors) == 1:
            return errors[0]
        first = errors[0]
        return cls(first.status, first.code, " ".join(e.message for e in errors), first.headers,
                   tuple(e.message for e in errors))


@dataclass(frozen=True, slots=True)
class Input:
    """One version as received: text typed or pasted, the bytes of a file, or a web address."""

    label: str
    text: str | None = None
    data: bytes | None = None
    filename: str | None = None
    url: str | None = None
    name: str | None = None
    media_type: str | None = None

    def typed(self) -> dict[str, Any]:
        """What to put back in the form for "New comparison" (file contents are not kept)."""
        return {"name": self.name or "", "text": self.text or "", "url": self.url or "", "file": self.filename or ""}


@dataclass(frozen=True, slots=True)
class Fetching:
    """How the server may fetch web addresses."""

    allow_private: bool = False
    timeout_s: float = 20.0


def read_document(inp: Input, max_bytes: int, fetching: Fetching = Fetching()) -> Document:
    """Read one version: a file's bytes or a page's through the readers, pasted text through ``from_text``.

    A name the user gave becomes the document's id and title.

    Raises:
        WebError: 413 for a document above ``max_bytes``, 422 for any other
            reading error (binary, undecodable, empty, refused address), naming
            the version and file or address.
    """
    try:
        if inp.data is not None:
            doc = read.from_bytes(inp.data, label=inp.filename or inp.label, name=inp.name or inp.filename,
                                  media_type=inp.media_type, extension=file_media_type(inp.filename),
                                  max_bytes=max_bytes)
        elif inp.url is not None:
            doc = read.fetch(inp.url, allow_private=fetching.allow_private, max_bytes=max_bytes,
                             timeout=fetching.timeout_s, name=inp.name)
        else:
            text = inp.text or ""
            media = inp.media_type or read.sniff_media_type(text[:4096].encode("utf-8", "replace"))
            doc = read.from_text(text, source=f"{inp.label} (pasted)", name=inp.name, media_type=media)
    except StorydiffError as e:
        raise WebError(413 if isinstance(e, InputTooLarge) else 422, error_code(e), _where(inp, str(e))) from None
    return dataclasses.replace(doc, title=inp.name) if inp.name else doc


def file_media_type(filename: str | None) -> str | None:
    """The media type a file name says (None: the reader goes by the bytes, PDF and DOCX by their magic)."""
    return read.media_type_of(filename) if filename else None


def file_extensions() -> tuple[str, ...]:
    """File name endings of the readable types (for the page's file pickers)."""
    out: list[str] = []
    for t in MEDIA_TYPES:
        exts = mimetypes.guess_all_extensions(t, strict=False)
        # text/plain is claimed by source-code endings (.c, .bat); a reader of stories means these two.
        out += [e for e in exts if t != "text/plain" or e in (".txt", ".text")]
    return tuple(dict.fromkeys(out))


def _where(inp: Input, msg: str) -> str:
    """The reader's message, naming the version and its file or address."""
    where = f"{inp.label} ({inp.filename or inp.url})" if inp.filename or inp.url else inp.label
    for generic in ("<bytes>", "<string>"):
        if msg.startswith(generic):
            return where + msg[len(generic):]
    for own in (inp.url, inp.filename):
        if own and msg.startswith(own):
            return where + msg[len(own):]
    return f"{where}: {msg}"


def read_both(a: Input, b: Input, max_bytes: int, fetching: Fetching = Fetching()) -> tuple[Document, Document]:
    """Both versions; when both fail, one error carrying both messages."""
    docs: list[Document] = []
    errors: list[WebError] = []
    for inp in (a, b):
        try:
            docs.append(read_document(inp, max_bytes, fetching))
        except WebError as e:
            errors.append(e)
    if errors:
        raise WebError.combine(errors)
    return docs[0], docs[1]


async def parse_form(request: Request, max_bytes: int) -> FormData:
    """The request's form data (the caller closes it); 400 when it is malformed."""
    try:
        # Text fields may be as large as the whole body (Starlette's default part limit is 1 MB).
        return await request.form(max_files=2, max_fields=16, max_part_size=max_bytes)
    except Exception as e:  # malformed multipart: Starlette says what it could not parse
        detail = getattr(e, "detail", None) or str(e)
        raise WebError(400, "bad_form", f"The form data could not be read ({detail}).") from None


async def form_input(data: FormData, key: str, label: str, media_type: str | None) -> Input:
    """A version from form fields ``{key}_text``, ``{key}_url``, ``{key}_name`` and ``{key}_file``.

    A chosen file wins over the text (a browser cannot show a file in a text
    area); a web address and pasted text together are refused (which one was meant?).
    """
    name = text_field(data, f"{key}_name").strip()[:_MAX_NAME] or None
    text = text_field(data, f"{key}_text")
    url = text_field(data, f"{key}_url").strip() or None
    upload = data.get(f"{key}_file")
    if isinstance(upload, UploadFile) and (upload.filename or upload.size):
        content = await upload.read()
        filename = (upload.filename or "upload")[:_MAX_NAME]
        if not content:
            raise WebError(422, "empty_input", f"{label}: the file {filename!r} is empty; choose another file.")
        return Input(label, data=content, filename=filename, name=name)
    if url is not None:
        if text.strip():
            raise WebError(422, "ambiguous_input", f"{label}: has both a web address and pasted text; clear "
                           "one of them.")
        return Input(label, url=_check_url(url, label), name=name)
    return Input(label, text=text, name=name, media_type=media_type)


def _check_url(url: str, label: str) -> str:
    if len(url) > _MAX_URL or not re.match(r"https?://[^\s/]", url, re.IGNORECASE):
        raise WebError(422, "invalid_url", f"{label}: expected a web address starting with http:// or https:// "
                       f"(got {url[:80]!r}).")
    return url


def check_both(a: Input, b: Input) -> None:
    """422 unless both versions have something to read."""
    missing = [inp.label for inp in (a, b) if inp.data is None and inp.url is None and not (inp.text or "").strip()]
    if len(missing) == 2:
        raise WebError(422, "empty_input", "Both versions are empty: paste, choose or give the address of "
                       "version A and version B.")
    if missing:
        raise WebError(422, "empty_input", f"{missing[0]} is empty: paste its text, choose a file or give a web "
                       "address (a comparison needs both versions).")


async def api_inputs(request: Request) -> tuple[Input, Input, str | None]:
    """Versions A and B and the severity floor from a JSON request to the API.

    Only ``application/json`` is accepted: a web page on another site can make
    a browser send form data or ``text/plain`` without asking, but not JSON.
    """
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise WebError(415, "unsupported_media_type", f"Expected a JSON body (Content-Type: application/json); "
                       f"got {ctype or 'no content type'!r}. To send files, post the form to /compare "
                       "(curl -F a_file=@old.pdf -F b_file=@new.pdf -H 'accept: application/json' -L …/compare).")
    body = await request.body()
    if not body.strip():
        raise WebError(422, "invalid_request", 'Expected a JSON body such as {"a": "…", "b": "…"}; got nothing.')
    try:
        req = CompareRequest.model_validate_json(body)
    except ValidationError as e:
        raise WebError(422, "invalid_request", describe(e.errors())) from None
    if req.media_type is not None and req.media_type not in PASTE_TYPES:
        raise WebError(422, "invalid_request", f"media_type: expected one of {', '.join(PASTE_TYPES)}; got "
                       f"{req.media_type[:40]!r}.")
    sides = []
    for label, text, url, name in (("Version A", req.a, req.a_url, req.a_name),
                                   ("Version B", req.b, req.b_url, req.b_name)):
        key = label[-1].lower()
        if text is not None and url is not None:
            raise WebError(422, "invalid_request", f"Give {key} or {key}_url, not both.")
        if text is None and url is None:
            raise WebError(422, "invalid_request", f"Invalid request: {key}: Field required (or {key}_url). "
                           'Expected {"a": str, "b": str} and optionally a_name, b_name, media_type, '
                           "min_severity.")
        if url is not None:
            sides.append(Input(label, url=_check_url(url, label), name=name))
        else:
            sides.append(Input(label, text=text, name=name, media_type=req.media_type))
    return sides[0], sides[1], req.min_severity


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
    """A stable code from an error's class: ``UndecodableInput`` → ``undecodable_input``, ``URLRefused`` → ``url_refused``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", type(e).__name__).lower()
