"""Reading corpus inputs: a directory of files, JSONL, CSV or Parquet → records.

Every input yields :class:`Record` (a document to add) or :class:`Problem`
(something that could not be read, with ``where`` = ``file:line``), in input
order, so the caller decides whether a problem skips or aborts. Nothing is
dropped silently.

* directory: every regular, non-hidden file below it, in sorted order, read
  with :func:`storydiff.read.load` (text, Markdown, HTML; encodings sniffed);
  the id is the path relative to the directory with ``/`` separators;
* JSONL: one JSON object per line with ``id`` and ``text`` (``url``, ``date``,
  ``source`` optional); blank lines are skipped;
* CSV: a header row with ``id`` and ``text`` (and the optional columns);
* Parquet: columns ``id`` and ``text`` (and the optional ones), read in batches;
* a file of URLs (``urls``): one http(s) URL per line, ``#`` starts a comment;
  each page fetched with :func:`storydiff.read.fetch` behind its SSRF guard
  (a few at a time, in order); the id is the URL as written, ``url`` the final
  URL after redirects, and the title, date and author the page gives.

The optional fields are ``url``, ``date``, ``source``, ``title`` and ``author``.
"""

from __future__ import annotations

import collections
import csv
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storydiff.errors import CorpusError, InputError

FORMATS = ("auto", "dir", "jsonl", "csv", "parquet", "urls")
OPTIONAL = ("url", "date", "source", "title", "author")
#: pages fetched at once from a file of URLs (network waits, not CPU)
FETCH_CONCURRENCY = 8


@dataclass(frozen=True, slots=True)
class Record:
    """One document to add, and where it was read (``file:line``)."""

    id: str
    text: str
    where: str
    url: str | None = None
    date: str | None = None
    source: str | None = None
    title: str | None = None
    author: str | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    """An input item that could not be read: where, and why."""

    where: str
    message: str


def detect_format(path: str) -> str:
    """``dir``, ``jsonl``, ``csv`` or ``parquet`` from the path; CorpusError otherwise."""
    p = Path(path)
    if p.is_dir():
        return "dir"
    if not p.exists():
        raise CorpusError(f"{path}: no such file or directory; expected a directory, .jsonl, .csv or .parquet")
    suffix = p.suffix.lower()
    for fmt, suffixes in (("jsonl", (".jsonl", ".ndjson", ".json")), ("csv", (".csv",)),
                          ("parquet", (".parquet", ".pq"))):
        if suffix in suffixes:
            return fmt
    raise CorpusError(f"{path}: cannot tell the input format from {suffix or 'no extension'!r}; "
                      "pass --format dir|jsonl|csv|parquet")


def read_input(path: str, fmt: str = "auto", *, allow_private_urls: bool | Iterable[str] = False
               ) -> Iterator[Record | Problem]:
    """Records and problems of one input, in order.

    ``allow_private_urls`` is :func:`storydiff.read.fetch`'s ``allow_private`` for a file of URLs (off:
    loopback, private and link-local addresses are refused).
    """
    if fmt not in FORMATS:
        raise CorpusError(f"unknown input format {fmt!r}: expected one of {', '.join(FORMATS)}")
    fmt = detect_format(path) if fmt == "auto" else fmt
    if fmt == "urls":
        if not Path(path).is_file():
            raise CorpusError(f"{path}: no such file; --urls expects a file with one URL per line")
        return _read_urls(path, allow_private_urls)
    if fmt == "dir" and not Path(path).is_dir():
        raise CorpusError(f"{path}: not a directory; --format dir expects a directory of text files")
    if fmt != "dir" and not Path(path).is_file():
        raise CorpusError(f"{path}: not a file; --format {fmt} expects a file")
    return {"dir": _read_dir, "jsonl": _read_jsonl, "csv": _read_csv, "parquet": _read_parquet}[fmt](path)


def normalise_date(value: Any) -> str | None:
    """A document's date as ISO 8601 (``2024-05-01``, or ``2024-05-01T10:00:00Z`` in UTC with a time).

    Dates are stored as text in this form so that they sort as strings. Accepts ISO 8601 and
    the usual written forms (``May 1, 2024``, RFC 2822 as in feeds); month-first when ambiguous.

    Raises:
        ValueError: the value is not a date.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    import datetime as dt

    from dateutil import parser

    text = str(value).strip()
    try:
        when = parser.isoparse(text)
    except ValueError:
        try:
            when = parser.parse(text)
        except (ValueError, OverflowError):
            raise ValueError(f"date {text!r} is not a date (expected ISO 8601, e.g. 2024-05-01 or "
                             "2024-05-01T10:00:00Z)") from None
    if when.tzinfo is not None:
        when = when.astimezone(dt.timezone.utc).replace(tzinfo=None)
    if ":" not in text and when.time() == dt.time():
        return when.date().isoformat()
    return when.isoformat(timespec="seconds") + "Z"


def count_records(path: str, fmt: str = "auto") -> int | None:
    """How many items :func:`read_input` will yield for ``path`` (for a progress total), or ``None``.

    A quick pass: files below a directory, non-blank lines of JSONL, rows of CSV, the Parquet footer.
    """
    try:
        fmt = detect_format(path) if fmt == "auto" else fmt
        if fmt == "dir":
            return max(len(_listing(Path(path))), 1)
        if fmt == "jsonl":
            with open(path, "rb") as fh:
                return sum(1 for line in fh if line.strip())
        if fmt == "urls":
            return sum(1 for _ in _url_lines(path))
        if fmt == "csv":
            with open(path, encoding="utf-8-sig", newline="") as fh:
                return max(sum(1 for _ in csv.reader(fh)) - 1, 0)
        if fmt == "parquet":
            import pyarrow.parquet as pq

            return int(pq.ParquetFile(path).metadata.num_rows)
    except (OSError, ValueError, csv.Error, CorpusError, UnicodeDecodeError):
        return None
    except Exception:  # noqa: BLE001 - a total is a nicety: reading the input reports the real problem
        return None
    return None


def _listing(root: Path) -> list[Path]:
    """Every non-hidden entry below ``root`` that is not a directory, sorted."""
    return sorted(p for p in root.rglob("*")
                  if not any(part.startswith(".") for part in p.relative_to(root).parts) and not p.is_dir())


def _optional(row: dict[str, Any]) -> dict[str, str | None]:
    out = {k: (None if row.get(k) in (None, "") else str(row[k])) for k in OPTIONAL}
    out["date"] = normalise_date(out["date"])
    return out


def _record(row: Any, where: str) -> Record | Problem:
    if not isinstance(row, dict):
        return Problem(where, f"expected an object with 'id' and 'text' (got {type(row).__name__})")
    doc_id, text = row.get("id"), row.get("text")
    if doc_id is None or str(doc_id) == "":
        return Problem(where, "missing 'id'")
    if not isinstance(text, str):
        what = "missing 'text'" if text is None else f"'text' must be a string (got {type(text).__name__})"
        return Problem(where, what)
    if not text.strip():
        return Problem(where, "empty 'text'")
    try:
        optional = _optional(row)
    except ValueError as e:
        return Problem(where, str(e))
    return Record(id=str(doc_id), text=text, where=where, **optional)


def _read_dir(path: str) -> Iterator[Record | Problem]:
    from storydiff import read

    root = Path(path)
    found = _listing(root)
    if not found:
        yield Problem(path, "the directory holds no files (expected text, Markdown or HTML files below it)")
        return
    for f in found:
        if f.is_symlink() and not f.exists():
            yield Problem(str(f), f"broken symbolic link (it points to {os.readlink(f)!r}, which does not exist)")
            continue
        if not f.is_file():
            yield Problem(str(f), "not a regular file (a socket, pipe or device); expected a text or HTML file")
            continue
        rel = f.relative_to(root).as_posix()
        try:
            doc = read.load(f, name=rel)
        except InputError as e:
            yield Problem(str(f), str(e))
            continue
        url = doc.meta.get("url") if doc.meta else None
        try:
            date = normalise_date(doc.date)
        except ValueError:  # a page's own metadata: keep the page, without a date we cannot read
            date = None
        yield Record(id=rel, text=doc.text, where=str(f), url=url, date=date, source=str(f), title=doc.title,
                     author=doc.meta.get("author") if doc.meta else None)


def _url_lines(path: str) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` of each line of a URL file that is not blank or a comment."""
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        for n, line in enumerate(fh, start=1):
            # a comment starts a line or follows a space: "#" inside a URL is its fragment
            text = re.split(r"(?:^|\s)#", line, maxsplit=1)[0].strip()
            if text:
                yield n, text


def _read_urls(path: str, allow_private: bool | Iterable[str]) -> Iterator[Record | Problem]:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(FETCH_CONCURRENCY, thread_name_prefix="storydiff-fetch") as pool:
        window: collections.deque[Any] = collections.deque()
        try:
            for n, text in _url_lines(path):
                window.append(pool.submit(_fetch_record, text, f"{path}:{n}", allow_private))
                if len(window) >= 2 * FETCH_CONCURRENCY:  # fetch ahead, but never the whole file at once
                    yield window.popleft().result()
            while window:
                yield window.popleft().result()
        finally:  # a run stopped by a problem does not wait for pages it will not use
            for f in window:
                f.cancel()


def _fetch_record(text: str, where: str, allow_private: bool | Iterable[str]) -> Record | Problem:
    from storydiff import read
    from storydiff.errors import StorydiffError

    if len(text.split()) > 1:
        return Problem(where, f"expected one URL on the line (got {text[:80]!r}); put each URL on its own line")
    try:
        doc = read.fetch(text, allow_private=allow_private)
    except StorydiffError as e:  # refused by the guard, an HTTP error, too large, no main text …
        return Problem(where, str(e))
    try:
        date = normalise_date(doc.date)
    except ValueError:  # the page's own metadata: keep the page without a date we cannot read
        date = None
    meta = doc.meta or {}
    return Record(id=text, text=doc.text, where=where, url=meta.get("url") or text, date=date, source=text,
                  title=doc.title, author=meta.get("author"))


def _read_jsonl(path: str) -> Iterator[Record | Problem]:
    with open(path, "rb") as fh:
        for n, raw in enumerate(fh, start=1):
            where = f"{path}:{n}"
            try:
                line = raw.decode("utf-8-sig" if n == 1 else "utf-8")
            except UnicodeDecodeError as e:
                yield Problem(where, f"not UTF-8 ({e.reason} at byte {e.start})")
                continue
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                yield Problem(where, f"malformed JSON ({e.msg} at column {e.colno})")
                continue
            yield _record(row, where)


def _read_csv(path: str) -> Iterator[Record | Problem]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # news texts exceed the 128 KB default
    try:
        fh = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115
        # strict: an unterminated quote is an error, not one field swallowing the rest of the file
        reader = csv.DictReader(fh, strict=True)
        header = reader.fieldnames or []
    except UnicodeDecodeError as e:
        yield Problem(f"{path}:1", f"not UTF-8 ({e.reason} at byte {e.start})")
        return
    with fh:
        if "id" not in header or "text" not in header:
            yield Problem(f"{path}:1", f"header must name columns 'id' and 'text' (got {', '.join(header)!r})")
            return
        line = reader.line_num
        try:
            for row in reader:
                where = f"{path}:{line + 1}"
                line = reader.line_num
                if None in row:
                    yield Problem(where, "more fields than the header has")
                    continue
                yield _record(row, where)
        except csv.Error as e:
            start = line + 1
            if "unexpected end of data" in str(e):
                yield Problem(f"{path}:{start}", f"a quoted field that starts in the row at line {start} is never "
                                                 "closed (unterminated \"); fix the quote; this row and the rows "
                                                 "after it were not read")
            else:
                yield Problem(f"{path}:{start}", f"malformed CSV ({e}); this row and the rows after it were not read")
        except UnicodeDecodeError as e:
            yield Problem(f"{path}:{reader.line_num}", f"not UTF-8 ({e.reason}); rows after it were not read")


def _read_parquet(path: str) -> Iterator[Record | Problem]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as e:  # pyarrow raises several types for a broken file
        yield Problem(path, f"not a readable Parquet file ({e})")
        return
    names = pf.schema_arrow.names
    if "id" not in names or "text" not in names:
        yield Problem(path, f"Parquet file must have columns 'id' and 'text' (got {', '.join(names)!r})")
        return
    cols = ["id", "text", *[c for c in OPTIONAL if c in names]]
    row = 0
    for batch in pf.iter_batches(batch_size=1000, columns=cols):
        for item in batch.to_pylist():
            row += 1
            yield _record(item, f"{path}:row {row}")
