"""Reading: encodings, BOMs, stdin, Markdown, HTML extraction, bad input."""

from __future__ import annotations

import hashlib
import io
import sys
from pathlib import Path

import pytest

from storydiff import read
from storydiff.errors import (
    EmptyInput,
    InputError,
    InputNotFound,
    InputTooLarge,
    StorydiffError,
    UndecodableInput,
)
from storydiff.model import Document
from storydiff.read.markdown import to_text
from storydiff.read.text import normalise

DATA = Path(__file__).parent / "data" / "read"
SAMPLE = "Café “déjà vu” – naïve façade, 5 €.\nSecond line: Zoë’s résumé."

# A PNG header and a few chunks: what a user gets when they pass an image.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"
    b"\x1f\xf3\xffa\x00\x00\x00\x19tEXtSoftware\x00Adobe ImageReadyq\xc9e<\x00\x00\x01\x00IDATx\xda"
)


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "data,encoding",
    [
        (SAMPLE.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + SAMPLE.encode("utf-8"), "utf-8-sig"),
        (SAMPLE.encode("utf-16"), "utf-16-le"),  # Python writes a LE BOM here
        (b"\xfe\xff" + SAMPLE.encode("utf-16-be"), "utf-16-be"),
        (b"\xff\xfe" + SAMPLE.encode("utf-16-le"), "utf-16-le"),
        (SAMPLE.encode("utf-16-le"), "utf-16-le"),  # no BOM
        (SAMPLE.encode("utf-16-be"), "utf-16-be"),  # no BOM
        (SAMPLE.encode("cp1252"), "cp1252"),
    ],
    ids=["utf8", "utf8-bom", "utf16", "utf16be-bom", "utf16le-bom", "utf16le-nobom", "utf16be-nobom", "cp1252"],
)
def test_load_detects_encoding(tmp_path: Path, data: bytes, encoding: str) -> None:
    doc = read.load(_write(tmp_path, "a.txt", data))
    assert doc.encoding == encoding
    assert doc.text == SAMPLE
    assert not doc.text.startswith("\ufeff")


def test_load_cyrillic_legacy_encoding_is_not_taken_for_cp1252(tmp_path: Path) -> None:
    text = "Привет, как дела? Это проверка кодировки, и ещё немного текста для уверенности."
    doc = read.load(_write(tmp_path, "ru.txt", text.encode("cp1251")))
    assert doc.text == text
    assert doc.encoding == "cp1251"


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("a\r\nb\rc", "a\nb\nc"),
        ("\ufeffHello", "Hello"),
        ("one\xa0two", "one two"),
        ("trailing   \nnext\t\n", "trailing\nnext"),
        ("\n\nbody\n\n\n", "body"),
        ("  indented words stay", "  indented words stay"),
        ("“Quotes” – dashes… stay", "“Quotes” – dashes… stay"),
    ],
)
def test_normalise(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


def test_document_id_is_path_as_given_or_name(tmp_path: Path) -> None:
    path = _write(tmp_path, "story.txt", b"Some text.")
    assert read.load(path).id == str(path)
    assert read.load(path, name="v1").id == "v1"
    assert read.load(b"Some text.").id == hashlib.sha256(b"Some text.").hexdigest()[:16]
    assert read.from_text("Some text.").id == hashlib.sha256(b"Some text.").hexdigest()[:16]


def test_load_bytes_records_source_and_encoding() -> None:
    doc = read.load("Grüße.".encode())
    assert (doc.source, doc.encoding, doc.media_type, doc.text) == ("<bytes>", "utf-8", "text/plain", "Grüße.")


def test_load_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    class FakeStdin:
        buffer = io.BytesIO("\ufeffFrom a pipe.\r\nSecond line.".encode("utf-8"))

    monkeypatch.setattr(sys, "stdin", FakeStdin())
    doc = read.load("-")
    assert doc.source == "<stdin>"
    assert doc.text == "From a pipe.\nSecond line."
    assert doc.encoding == "utf-8-sig"


def test_load_stdin_too_large(monkeypatch: pytest.MonkeyPatch) -> None:
    class FakeStdin:
        buffer = io.BytesIO(b"x" * 100)

    monkeypatch.setattr(sys, "stdin", FakeStdin())
    with pytest.raises(InputTooLarge, match=r"^<stdin>: .*--max-bytes"):
        read.load("-", max_bytes=10)


@pytest.mark.parametrize(
    "name,data,media_type",
    [
        ("a.txt", b"Plain.", "text/plain"),
        ("a.md", b"# T\n\nPlain.", "text/markdown"),
        ("a.markdown", b"# T\n\nPlain.", "text/markdown"),
        ("a.HTML", b"<html><body><p>Plain words in a page.</p></body></html>", "text/html"),
        ("a.htm", b"<html><body><p>Plain words in a page.</p></body></html>", "text/html"),
        ("noext", b"<!DOCTYPE html><html><body><p>Sniffed words in a page.</p></body></html>", "text/html"),
        ("a.dat", b"  <html><body><p>Sniffed words in a page.</p></body></html>", "text/html"),
        ("noext2", b"Just words, no markup.", "text/plain"),
    ],
)
def test_media_type_from_extension_or_content(tmp_path: Path, name: str, data: bytes, media_type: str) -> None:
    assert read.load(_write(tmp_path, name, data)).media_type == media_type


def test_media_type_argument_overrides(tmp_path: Path) -> None:
    path = _write(tmp_path, "page.html", b"<p>Shown as <b>markup</b>.</p>")
    doc = read.load(path, media_type="text/plain")
    assert doc.media_type == "text/plain"
    assert doc.text == "<p>Shown as <b>markup</b>.</p>"
    with pytest.raises(InputError, match="unknown media type"):
        read.load(path, media_type="application/rtf")


# --- Markdown -------------------------------------------------------------------

MARKDOWN = """# Harbour bridge to close

Some **bold** and *italic* words, a [link to the council](https://example.org/council)
and `code`, over two lines.

- first bullet
- second *bullet*
1. numbered item

> A quoted paragraph.

![A photo of the bridge](bridge.jpg)

---

| Year | Cost |
|------|------|
| 2024 | 2.4m |
"""


def test_markdown_markup_is_stripped() -> None:
    assert to_text(MARKDOWN).split("\n\n") == [
        "Harbour bridge to close",
        "Some bold and italic words, a link to the council and code, over two lines.",
        "first bullet",
        "second bullet",
        "numbered item",
        "A quoted paragraph.",
        "A photo of the bridge",
        "Year Cost",
        "2024 2.4m",
    ]


@pytest.mark.parametrize("word", ["link to the council", "second bullet", "A quoted paragraph.", "2.4m"])
def test_markdown_offsets_refer_to_final_text(tmp_path: Path, word: str) -> None:
    from storydiff.segment import segment

    doc = read.load(_write(tmp_path, "a.md", MARKDOWN.encode()))
    assert doc.media_type == "text/markdown"
    for marker in ("**", "](", "# ", "- ", "> ", "|"):
        assert marker not in doc.text
    seg = segment(doc)
    hits = [s for s in seg.sentences if word in s.text]
    assert hits and all(doc.text[s.start : s.end] == s.text for s in hits)


# --- HTML -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def article() -> Document:
    return read.load(DATA / "article.html")


def test_html_keeps_article_paragraphs(article) -> None:  # type: ignore[no-untyped-def]
    paragraphs = article.text.split("\n\n")
    assert any(p.startswith("The old harbour bridge will close") for p in paragraphs)
    assert any(p.startswith("“We cannot take any risks") for p in paragraphs)
    assert paragraphs[-1].startswith("Local traders are worried.")
    assert "\n\n" in article.text and "\n\n\n" not in article.text


@pytest.mark.parametrize(
    "boilerplate",
    ["cookie", "Subscribe now", "Most read", "Mayor opens new swimming pool", "All rights reserved", "Privacy policy", "Weather"],
)
def test_html_drops_boilerplate(article, boilerplate: str) -> None:  # type: ignore[no-untyped-def]
    assert boilerplate not in article.text


def test_html_keeps_title_and_date(article) -> None:  # type: ignore[no-untyped-def]
    assert article.media_type == "text/html"
    assert article.title == "Harbour bridge to close for repairs"
    assert article.date == "2024-03-14"
    assert article.meta.get("author") == "Maria Jensen"


def test_html_declared_legacy_charset(tmp_path: Path) -> None:
    page = (
        '<html><head><meta charset="windows-1251"><title>Тест</title></head><body><article>'
        "<p>Министр заявил, что переговоры продолжатся в следующем месяце в Москве.</p>"
        "<p>По его словам, стороны договорились о новых встречах экспертов.</p></article></body></html>"
    )
    doc = read.load(_write(tmp_path, "ru.html", page.encode("cp1251")))
    assert doc.encoding == "windows-1251"
    assert "Министр заявил" in doc.text


# --- bad input ------------------------------------------------------------------


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[Path, dict[str, int]]]:
    (tmp_path / "folder").mkdir()
    return {
        "missing": (tmp_path / "nope.txt", {}),
        "directory": (tmp_path / "folder", {}),
        "png": (_write(tmp_path, "image.txt", PNG), {}),
        "nul": (_write(tmp_path, "nul.txt", b"text\x00with\x00nuls\x00" * 5), {}),
        "empty": (_write(tmp_path, "empty.txt", b""), {}),
        "whitespace": (_write(tmp_path, "blank.txt", b" \n\t\r\n  \n"), {}),
        "whitespace-utf16": (_write(tmp_path, "blank16.txt", "   \n  \n".encode("utf-16")), {}),
        "nav-only": (
            _write(
                tmp_path,
                "nav.html",
                b"<html><head><title>Menu</title></head><body><nav><ul><li><a href='/a'>Home</a></li>"
                b"<li><a href='/b'>News</a></li><li><a href='/c'>Contact</a></li></ul></nav></body></html>",
            ),
            {},
        ),
        "undecodable": (_write(tmp_path, "odd.txt", bytes(range(128, 256)) * 2), {}),
        "too-large": (_write(tmp_path, "big.txt", b"Some words. " * 10), {"max_bytes": 50}),
    }


@pytest.mark.parametrize(
    "case,error,pattern",
    [
        ("missing", InputNotFound, "no such file"),
        ("directory", InputNotFound, "is a directory"),
        ("png", UndecodableInput, "binary"),
        ("nul", UndecodableInput, "binary"),
        ("empty", EmptyInput, "empty"),
        ("whitespace", EmptyInput, "whitespace"),
        ("whitespace-utf16", EmptyInput, "whitespace"),
        ("nav-only", EmptyInput, "no main text"),
        ("undecodable", UndecodableInput, "encoding"),
        ("too-large", InputTooLarge, r"limit of 50 bytes.*--max-bytes"),
    ],
)
def test_bad_input_raises_clear_error(tmp_path: Path, case: str, error: type[Exception], pattern: str) -> None:
    path, kwargs = _bad_inputs(tmp_path)[case]
    with pytest.raises(error, match=pattern) as info:
        read.load(path, **kwargs)
    message = str(info.value)
    assert isinstance(info.value, StorydiffError)
    assert message.startswith(str(path) + ":")  # names the file first
    assert "\n" not in message


def test_too_large_is_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path, "big.txt", b"x" * 1000)

    def no_read(self: Path) -> bytes:
        raise AssertionError("read before the size check")

    monkeypatch.setattr(Path, "read_bytes", no_read)
    with pytest.raises(InputTooLarge):
        read.load(path, max_bytes=999)


def test_bytes_too_large() -> None:
    with pytest.raises(InputTooLarge, match="^<bytes>: "):
        read.load(b"x" * 11, max_bytes=10)
