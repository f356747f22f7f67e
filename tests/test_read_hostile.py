"""Hostile and unusual bytes (issue 14): undeclarable charsets, stray bytes in UTF-8, deep nesting, zip bombs.

Whatever bytes arrive, ``read.load`` gives a Document or one clear StorydiffError, never a crash.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from test_read_formats import _XML, W, make_docx, make_pdf, p, r

from storydiff import read
from storydiff.errors import InputTooLarge, StorydiffError


@pytest.mark.issue(14)
def test_docx_zip_bomb_is_refused_before_unpacking() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", f"{_XML}<w:document {W}><w:body>{p(r('x'))}</w:body></w:document>")
        z.writestr("word/padding.xml", b"\0" * 30_000_000)
    with pytest.raises(InputTooLarge, match="zip bomb"):
        read.load(buf.getvalue())


# --- hostile encodings and nesting (issue 14, items 8, 9, 13) -------------------------


@pytest.mark.issue(14)
@pytest.mark.parametrize("charset", ["undefined", "base64", "rot13", "no-such-charset", "utf-7"])
def test_html_with_a_charset_that_is_no_text_encoding(charset: str) -> None:
    page = (f'<html><head><meta charset="{charset}"></head><body><article>'
            "<p>Caf\xe9 owners said the harbour bridge will close for repairs in March.</p>"
            "</article></body></html>").encode("latin-1")
    doc = read.load(page)
    assert "Café owners said" in doc.text
    assert any(charset in w for w in doc.meta["warnings"])


@pytest.mark.issue(14)
def test_corpus_add_skip_survives_a_charset_that_is_no_text_encoding(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from storydiff.cli import main
    from storydiff.corpus import load_document

    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "bad.html").write_bytes(b'<meta charset="undefined"><article><p>Caf\xe9 owners said so today.</p></article>')
    (pages / "empty.txt").write_bytes(b"   ")
    (pages / "good.txt").write_bytes(b"A plain story about the bridge.")
    main(["corpus", "add", str(tmp_path / "c.db"), str(pages), "--on-error", "skip"])
    assert "Café owners said so today." in load_document(str(tmp_path / "c.db"), "bad.html").text
    assert load_document(str(tmp_path / "c.db"), "good.txt").text == "A plain story about the bridge."
    assert "empty.txt" in capsys.readouterr().err  # the one bad file is skipped, with its reason


TEXT = ("Zoë’s résumé was checked by the editors on Monday.\nThe café reopened in März.\n"
        "Señor Núñez paid 5 € for a crêpe.\nThe naïve façade was repainted in Łódź.\n")


@pytest.mark.issue(14)
def test_utf8_with_one_bad_byte_stays_utf8_with_a_warning() -> None:
    data = TEXT.encode()
    damaged = data[:60] + b"\xff" + data[60:]
    doc = read.load(damaged)
    assert doc.encoding == "utf-8"
    assert doc.text.replace("\ufffd", "", 1) == TEXT.strip("\n")
    assert doc.text.count("\ufffd") == 1
    assert doc.meta["warnings"] == ("UTF-8 with 1 invalid byte replaced by U+FFFD (line 2)",)


@pytest.mark.issue(14)
def test_compare_of_utf8_with_a_bad_byte_finds_no_rewording() -> None:
    import storydiff

    data = TEXT.encode()
    a = read.load(data, name="a")
    b = read.load(data[:60] + b"\xff" + data[60:], name="b")
    result = storydiff.compare(a, b)
    bad = b.text.index("\ufffd")
    line = (b.text.rfind("\n", 0, bad) + 1, b.text.find("\n", bad))
    # Only the line holding the bad byte may differ: no accent elsewhere turned into mojibake.
    assert all(line[0] <= c.b.start and c.b.end <= line[1] for c in result.changes if c.b is not None)
    assert "Ã" not in b.text


@pytest.mark.issue(14)
def test_legacy_encoding_is_named_in_a_warning() -> None:
    doc = read.load("Le café de la gare a rouvert.".encode("cp1252"))
    assert doc.encoding == "cp1252"
    assert doc.meta["warnings"] == ("not valid UTF-8; decoded as cp1252 (a guess): check accented letters",)
    assert "warnings" not in read.load("Le café de la gare a rouvert.".encode()).meta


@pytest.mark.issue(14)
@pytest.mark.parametrize("depth", [253, 254, 300, 2000])
def test_deeply_nested_html_keeps_its_text(depth: int) -> None:
    page = ("<html><head><title>Deep</title></head><body>" + "<div>" * depth +
            "<p>The council approved the harbour budget of 3 million euros on Monday.</p>" +
            "</div>" * depth + "</body></html>")
    doc = read.load(page.encode())
    assert doc.text == "The council approved the harbour budget of 3 million euros on Monday."


@pytest.mark.issue(14)
def test_xhtml_with_xml_declaration_still_reads() -> None:
    page = ('<?xml version="1.0" encoding="utf-8"?><!DOCTYPE html><html xmlns="http://www.w3.org/1999/xhtml">'
            "<body><article><p>An XHTML page about the bridge repairs in March.</p></article></body></html>")
    assert "bridge repairs" in read.load(page.encode(), media_type="text/html").text


def test_cli_warns_about_a_guessed_encoding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from storydiff.cli import main

    (tmp_path / "a.txt").write_bytes("Le café a rouvert lundi.".encode("cp1252"))
    (tmp_path / "b.txt").write_bytes("Le café a rouvert mardi.".encode())
    main(["compare", str(tmp_path / "a.txt"), str(tmp_path / "b.txt")])
    err = capsys.readouterr().err
    assert err == f"warning: {tmp_path / 'a.txt'}: not valid UTF-8; decoded as cp1252 (a guess): check accented letters\n"


# --- any bytes: a Document or one clear error, never a crash (issue 14) ------------------

_PREFIXES = [b"", b"%PDF-1.7\n", b"PK\x03\x04", b"\xef\xbb\xbf", b"\xff\xfe", b"<html><meta charset=undefined><p>",
             b'<meta charset="utf-16"><article><p>', b"<div>" * 300]


@pytest.mark.issue(14)
def test_load_any_bytes_gives_a_document_or_a_clear_error() -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    pdf = make_pdf([["A short page of text."]])
    docx = make_docx(p(r("A short Word document.")))

    @settings(max_examples=int(__import__("os").environ.get("READ_FUZZ_EXAMPLES", "300")), deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.sampled_from(_PREFIXES + [pdf[:200], docx[:200]]), st.binary(max_size=2000),
           st.sampled_from([None, pdf, docx]), st.integers(min_value=0, max_value=4000))
    def check(prefix: bytes, tail: bytes, base: bytes | None, cut: int) -> None:
        # Random bytes after a format's header, or a real file with a stretch overwritten.
        data = prefix + tail if base is None else base[:cut] + tail + base[cut + len(tail):]
        try:
            doc = read.load(data)
        except StorydiffError as e:
            assert str(e) and "\n" not in str(e)
            return
        assert doc.text.strip() and all(a <= b for a, b in zip(doc.meta.get("pages", ()), doc.meta.get("pages", ())[1:]))

    check()
