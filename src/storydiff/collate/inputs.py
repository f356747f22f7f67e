"""The versions to collate: reading them, naming them, dating them."""

from __future__ import annotations

import csv
import glob
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from storydiff.collate.model import MAX_WITNESSES
from storydiff.errors import InputError, InputNotFound, OptionError
from storydiff.model import Document, Segmentation

CollateSource = str | Path | bytes | Document | Segmentation


def documents(sources: Sequence[CollateSource], names: Sequence[str] | None, *, max_bytes: int) -> list[Document]:
    """One Document per source, with its id: the name given, else the file name
    without extension, else the Document's own id, else ``v1``, ``v2``, … for texts."""
    if isinstance(sources, (str, bytes, Path, Document)):
        raise InputError("collate takes a list of versions, not a single one; pass [a, b, …]")
    check_count(len(sources))
    if names is not None and len(names) != len(sources):
        raise OptionError(f"got {len(names)} names for {len(sources)} versions; give one name per version or none")
    docs = [_document(s, names[i] if names else None, i, max_bytes) for i, s in enumerate(sources)]
    seen: dict[str, int] = {}
    for i, d in enumerate(docs):
        if d.id in seen:
            raise InputError(
                f"two versions have the id {d.id!r} (versions {seen[d.id] + 1} and {i + 1}); "
                "give each a distinct name (--name in the CLI, names=[…] in Python)"
            )
        seen[d.id] = i
    return docs


def check_count(n: int) -> None:
    if n < 2:
        raise InputError(f"collate needs at least 2 versions (got {n}); to read one text use `storydiff compare`")
    if n > MAX_WITNESSES:
        raise InputError(f"collate takes at most {MAX_WITNESSES} versions (got {n}); split them into smaller sets")


def _document(source: CollateSource, name: str | None, i: int, max_bytes: int) -> Document:
    from storydiff import read  # the readers load trafilatura: only when a file is read

    if isinstance(source, Segmentation):
        source = source.document
    if isinstance(source, Document):
        return replace(source, id=name) if name else source
    if isinstance(source, Path):
        return read.load(source, name=name or source.stem, max_bytes=max_bytes)
    if isinstance(source, bytes):
        return read.load(source, name=name or f"v{i + 1}", max_bytes=max_bytes)
    if isinstance(source, str):
        return read.from_text(source, name=name or f"v{i + 1}")
    raise InputError(f"cannot collate a {type(source).__name__}: expected str (text), Path, bytes or Document")


def expand_paths(args: Sequence[str]) -> list[Path]:
    """Files named on a command line: directories give their text/HTML/Markdown files, globs expand."""
    from storydiff.read import media_type_of

    out: list[Path] = []
    for arg in args:
        p = Path(arg)
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.is_file() and media_type_of(f.name))
            if not found:
                raise InputNotFound(f"{arg}: the directory holds no .txt, .md or .html files")
            out.extend(found)
        elif any(ch in arg for ch in "*?[") and not p.exists():
            found = sorted(Path(f) for f in glob.glob(arg) if Path(f).is_file())
            if not found:
                raise InputNotFound(f"{arg}: the pattern matches no file")
            out.extend(found)
        else:
            out.append(p)
    return out


def resolve_dates(dates: Mapping[str, str | None] | str | None, docs: Sequence[Document]) -> dict[str, str | None]:
    """Dates by version id: a mapping given, ``"auto"`` (the documents' own dates, e.g.
    from HTML metadata) or ``None`` (no dates). Each date is checked to be ISO 8601."""
    ids = {d.id for d in docs}
    if dates is None:
        return {}
    if isinstance(dates, str):
        if dates != "auto":
            raise OptionError(f"dates must be a mapping of version id to ISO date, or 'auto' (got {dates!r})")
        given: Mapping[str, str | None] = {d.id: d.date for d in docs if d.date}
    else:
        given = dates
    unknown = sorted(set(given) - ids)
    if unknown:
        raise OptionError(f"dates given for unknown version id(s) {', '.join(map(repr, unknown))}; "
                          f"known ids: {', '.join(sorted(ids))}")
    return {k: _iso(k, v) for k, v in given.items() if v}


def _iso(wid: str, value: str) -> str:
    text = str(value).strip()
    try:
        parsed = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        if len(text) == 4 and text.isdigit():
            return text
        raise OptionError(f"date of {wid!r} is {value!r}: expected an ISO 8601 date such as 2024-05-01") from None
    return parsed.isoformat()


def read_dates_file(path: str | Path) -> dict[str, str]:
    """A dates file: JSON ``{"id": "2024-05-01", …}``, or CSV/TSV lines ``id,date``."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as e:
        raise InputNotFound(f"{path}: cannot read the dates file ({e.strerror or e}); check the path") from None
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise InputError(f"{path}: not valid JSON ({e.msg}, line {e.lineno}); expected {{\"id\": \"date\"}}") from None
        return {str(k): str(v) for k, v in data.items()}
    dialect = "excel-tab" if "\t" in text.splitlines()[0] else "excel"
    out = {}
    for n, rec in enumerate(csv.reader(io.StringIO(text), dialect=dialect), start=1):
        if not rec or rec[0].strip().startswith("#") or (n == 1 and rec[0].strip().lower() == "id"):
            continue
        if len(rec) < 2:
            raise InputError(f"{path}: line {n} has no date; expected 'id,date' on each line")
        out[rec[0].strip()] = rec[1].strip()
    return out
