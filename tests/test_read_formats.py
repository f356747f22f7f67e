"""Reading PDF and DOCX files the tests write, and hostile encodings and nesting (issue 14)."""

from __future__ import annotations

import ctypes
import io
import zipfile
from pathlib import Path

import pytest

from storydiff import read
from storydiff.errors import EmptyInput, NoTextLayer, StorydiffError, UndecodableInput
from storydiff.segment import segment

DATA = Path(__file__).parent / "data" / "read"

# --- writing real files ------------------------------------------------------------


def make_pdf(pages: list[list[str]], *, size: float = 11, title: str | None = None) -> bytes:
    """A PDF with one text object per line (Helvetica, A4), written by PDFium itself.

    An empty string leaves a blank line; a page given as ``[]`` has no text at all.
    """
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    pdf = pdfium.PdfDocument.new()
    font = raw.FPDFText_LoadStandardFont(pdf.raw, b"Helvetica")
    for lines in pages:
        page = pdf.new_page(595, 842)
        y = 800.0
        for line in lines:
            if line:
                obj = raw.FPDFPageObj_CreateTextObj(pdf.raw, font, size)
                buf = ctypes.create_string_buffer((line + "\0").encode("utf-16-le"))
                raw.FPDFText_SetText(obj, ctypes.cast(buf, ctypes.POINTER(raw.FPDF_WCHAR)))
                raw.FPDFPageObj_Transform(obj, 1, 0, 0, 1, 60, y)
                raw.FPDFPage_InsertObject(page.raw, obj)
            y -= size * 1.4
        raw.FPDFPage_GenerateContent(page.raw)
        page.close()
    out = io.BytesIO()
    pdf.save(out)
    pdf.close()
    data = out.getvalue()
    if title:  # an Info dictionary appended as an incremental update, as editors do
        data = _with_title(data, title)
    return data


def _with_title(data: bytes, title: str) -> bytes:
    import re

    size = int(re.findall(rb"/Size (\d+)", data)[-1])
    root = re.findall(rb"/Root (\d+ \d+ R)", data)[-1]
    prev = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    offset = len(data)
    obj = f"\n{size} 0 obj\n<< /Title ({title}) /Author (Press Office) /CreationDate (D:20240314093000Z) >>\nendobj\n"
    xref_at = offset + len(obj)
    tail = (f"xref\n{size} 1\n{offset + 1:010d} 00000 n \ntrailer\n<< /Size {size + 1} /Root {root.decode()} "
            f"/Info {size} 0 R /Prev {prev} >>\nstartxref\n{xref_at}\n%%EOF\n")
    return data + obj.encode("latin-1") + tail.encode("latin-1")


W = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
     'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def make_docx(body: str, *, footnotes: str = "", title: str = "") -> bytes:
    """A minimal Word document: the parts Word itself needs to open it."""
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml"
    types = (f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="xml" ContentType="application/xml"/>'
             f'<Override PartName="/word/document.xml" ContentType="{main}.document.main+xml"/>'
             + (f'<Override PartName="/word/footnotes.xml" ContentType="{main}.footnotes+xml"/>' if footnotes else "")
             + '</Types>')
    rels = (f'{_XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="word/document.xml"/>'
            + ('<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/'
               'metadata/core-properties" Target="docProps/core.xml"/>' if title else "")
            + '</Relationships>')
    doc_rels = (f'{_XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                + (f'<Relationship Id="rId5" Type="{_REL}/footnotes" Target="footnotes.xml"/>' if footnotes else "")
                + '</Relationships>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr("_rels/.rels", rels)
        z.writestr("word/_rels/document.xml.rels", doc_rels)
        z.writestr("word/document.xml", f"{_XML}<w:document {W}><w:body>{body}</w:body></w:document>")
        if footnotes:
            z.writestr("word/footnotes.xml", f"{_XML}<w:footnotes {W}>{footnotes}</w:footnotes>")
        if title:
            z.writestr("docProps/core.xml", (
                f'{_XML}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
                'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/'
                'terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
                f'<dc:title>{title}</dc:title><dc:creator>Maria Jensen</dc:creator>'
                '<dcterms:created xsi:type="dcterms:W3CDTF">2024-03-14T09:00:00Z</dcterms:created>'
                '</cp:coreProperties>'))
    return buf.getvalue()


def p(*runs: str) -> str:
    return "<w:p>" + "".join(runs) + "</w:p>"


def r(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def ins(text: str) -> str:
    return f'<w:ins w:id="1" w:author="Ed" w:date="2024-01-01T00:00:00Z">{r(text)}</w:ins>'


def dele(text: str) -> str:
    return (f'<w:del w:id="2" w:author="Ed" w:date="2024-01-01T00:00:00Z">'
            f'<w:r><w:delText xml:space="preserve">{text}</w:delText></w:r></w:del>')


def table(rows: list[list[str]]) -> str:
    return "<w:tbl>" + "".join(
        "<w:tr>" + "".join(f"<w:tc>{p(r(cell))}</w:tc>" for cell in row) + "</w:tr>" for row in rows
    ) + "</w:tbl>"


# --- PDF ---------------------------------------------------------------------------

RELEASE = [
    ["Ministry of Transport — Press release", "",
     "The minister said the harbour bridge will re-", "open in March, café owners said. Repairs",
     "will cost 3 million euros.", "",
     "Jean-", "Pierre Dupont, who chairs the council, said the",
     "work would start on Monday and that the road", "",
     "Page 1 of 3"],
    ["Ministry of Transport — Press release", "",
     "would stay open to buses during the repairs.", "",
     "Local traders are worried about the summer.", "",
     "Page 2 of 3"],
    ["Ministry of Transport — Press release", "",
     "The bridge was built in 1931.", "",
     "Page 3 of 3"],
]


@pytest.fixture(scope="module")
def release() -> read.Document:  # type: ignore[name-defined]
    return read.load(make_pdf(RELEASE, title="Bridge repairs"), name="release")


def test_pdf_is_recognised_by_magic_bytes_and_extension(tmp_path: Path) -> None:
    data = make_pdf(RELEASE)
    assert read.sniff_media_type(data) == read.PDF
    assert read.load(data).media_type == read.PDF
    (tmp_path / "release.pdf").write_bytes(data)
    (tmp_path / "misnamed.txt").write_bytes(data)
    assert read.load(tmp_path / "release.pdf").media_type == read.PDF
    assert read.load(tmp_path / "misnamed.txt").media_type == read.PDF  # the bytes say PDF
    assert read.PDF in read.MEDIA_TYPES


def test_pdf_paragraphs_and_hyphenation(release) -> None:  # type: ignore[no-untyped-def]
    paragraphs = release.text.split("\n\n")
    assert paragraphs[0] == (
        "The minister said the harbour bridge will reopen in March, café owners said. "
        "Repairs will cost 3 million euros."
    )
    # A real hyphen before a capital stays; a paragraph running over a page break is one paragraph.
    assert paragraphs[1] == (
        "Jean-Pierre Dupont, who chairs the council, said the work would start on Monday "
        "and that the road would stay open to buses during the repairs."
    )
    assert paragraphs[2:] == ["Local traders are worried about the summer.", "The bridge was built in 1931."]


@pytest.mark.parametrize("running", ["Ministry of Transport", "Page 1 of 3", "Page 3 of 3", "Press release"])
def test_pdf_drops_running_headers_and_page_numbers(release, running: str) -> None:  # type: ignore[no-untyped-def]
    assert running not in release.text


def test_pdf_page_offsets_trace_a_change_to_its_page(release) -> None:  # type: ignore[no-untyped-def]
    starts = release.meta["pages"]
    assert release.meta["page_count"] == 3 and len(starts) == 3
    assert release.text[starts[0]:].startswith("The minister said")
    assert release.text[starts[1]:].startswith("would stay open to buses")
    assert release.text[starts[2]:].startswith("The bridge was built in 1931.")
    assert read.page_of(release, release.text.index("3 million")) == 1
    assert read.page_of(release, release.text.index("buses")) == 2
    assert read.page_of(release, release.text.index("summer")) == 2
    assert read.page_of(release, release.text.index("1931")) == 3
    # Offsets hold through segmentation: every sentence slice is the quoted text.
    seg = segment(release)
    assert all(release.text[s.start:s.end] == s.text for s in seg.sentences)


def test_pdf_metadata(release) -> None:  # type: ignore[no-untyped-def]
    assert release.title == "Bridge repairs"
    assert release.date == "2024-03-14"
    assert release.meta["author"] == "Press Office"


def test_pdf_without_text_layer_is_refused_clearly() -> None:
    with pytest.raises(NoTextLayer, match=r"^<bytes>: has no text layer on any of its 2 pages.*OCR"):
        read.load(make_pdf([[], []]))
    assert issubclass(NoTextLayer, EmptyInput)


def test_pdf_with_some_scanned_pages_warns() -> None:
    doc = read.load(make_pdf([["Text on the first page."], [], ["Text on the third page."]]))
    assert doc.meta["pages"] == (0, len("Text on the first page.") + 2, len("Text on the first page.") + 2)
    assert read.page_of(doc, doc.text.index("third")) == 3
    assert any("page 2" in w for w in doc.meta["warnings"])


@pytest.mark.parametrize(
    "data,pattern",
    [
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF", "damaged or not a PDF"),
        (b"%PDF-1.4\n" + bytes(range(256)) * 4, "damaged or not a PDF"),
    ],
    ids=["no-pages", "garbage"],
)
def test_damaged_pdf_gives_clear_error(data: bytes, pattern: str) -> None:
    with pytest.raises(UndecodableInput, match=pattern) as info:
        read.load(data)
    assert "\n" not in str(info.value)


def test_pdf_compare_reports_the_changed_sentence_on_its_page() -> None:
    import storydiff

    edited = [list(page) for page in RELEASE]
    edited[2][2] = "The bridge was built in 1932."
    a = read.load(make_pdf(RELEASE), name="a")
    b = read.load(make_pdf(edited), name="b")
    result = storydiff.compare(a, b)
    spans = [(c.b.start, c.b.end) for c in result.changes if c.b is not None]
    assert any(b.text[s:e] == "1932" for s, e in spans), "the changed year must be reported"
    assert {read.page_of(b, s) for s, _ in spans} == {3}


# --- DOCX ----------------------------------------------------------------------------

DOCX_BODY = (
    p(r("Harbour bridge to close")) +
    p(r("The council approved "), dele("2 million"), ins("3 million"), r(" euros for the bridge."),
      '<w:r><w:footnoteReference w:id="1"/></w:r>') +
    table([["Year", "Cost"], ["2024", "2.4m"]]) +
    p(r("Work starts "), ins("on Monday"), dele("next week"), r(".")) +
    p('<w:del w:id="5" w:author="Ed" w:date="2024-01-01T00:00:00Z"><w:r><w:delText>A sentence cut.</w:delText>'
      '</w:r></w:del>', r("Traders are worried."))
)
DOCX_NOTES = '<w:footnote w:id="1">' + p(r("Source: council minutes of 12 March.")) + "</w:footnote>"


@pytest.fixture(scope="module")
def draft() -> read.Document:  # type: ignore[name-defined]
    return read.load(make_docx(DOCX_BODY, footnotes=DOCX_NOTES, title="Bridge draft"), name="draft")


def test_docx_body_tables_and_footnotes(draft) -> None:  # type: ignore[no-untyped-def]
    assert draft.media_type == read.DOCX
    assert draft.text.split("\n\n") == [
        "Harbour bridge to close",
        "The council approved 3 million euros for the bridge.[1]",
        "Year Cost",
        "2024 2.4m",
        "Work starts on Monday.",
        "Traders are worried.",
        "[1] Source: council minutes of 12 March.",
    ]


def test_docx_tracked_changes_are_accepted_and_counted(draft) -> None:  # type: ignore[no-untyped-def]
    for deleted in ("2 million", "next week", "A sentence cut."):
        assert deleted not in draft.text
    assert draft.meta["tracked_changes"] == {"insertions": 2, "deletions": 3, "moves": 0}


def test_docx_metadata_and_sniffing(draft, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert draft.title == "Bridge draft"
    assert draft.date == "2024-03-14"
    assert draft.meta["author"] == "Maria Jensen"
    data = make_docx(p(r("Only one paragraph here.")))
    assert read.sniff_media_type(data) == read.DOCX
    (tmp_path / "draft.docx").write_bytes(data)
    assert read.load(tmp_path / "draft.docx").text == "Only one paragraph here."
    assert read.load(tmp_path / "draft.docx").meta["tracked_changes"] == {"insertions": 0, "deletions": 0, "moves": 0}


def test_docx_moved_text_appears_once() -> None:
    body = (p(r("First. "), '<w:moveFrom w:id="3" w:author="Ed" w:date="2024-01-01T00:00:00Z">', r("Moved."),
              "</w:moveFrom>") +
            p(r("Second. "), '<w:moveTo w:id="4" w:author="Ed" w:date="2024-01-01T00:00:00Z">', r("Moved."),
              "</w:moveTo>"))
    doc = read.load(make_docx(body))
    assert doc.text.count("Moved.") == 1 and doc.text.endswith("Second. Moved.")
    assert doc.meta["tracked_changes"]["moves"] == 1


def test_zip_that_is_not_a_word_document(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("content.xml", "<x/>")
    path = tmp_path / "sheet.docx"
    path.write_bytes(buf.getvalue())
    with pytest.raises(UndecodableInput, match=r"not a Word document"):
        read.load(path)


@pytest.mark.parametrize("damaged", [b"PK\x03\x04" + b"\0" * 100, make_docx(p(r("ok")))[:-40]], ids=["header", "cut"])
def test_damaged_docx_gives_clear_error(damaged: bytes, tmp_path: Path) -> None:
    path = tmp_path / "broken.docx"
    path.write_bytes(damaged)
    with pytest.raises(StorydiffError) as info:
        read.load(path)
    assert str(info.value).startswith(str(path) + ":")


def test_cli_compares_a_pdf_with_a_word_draft(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from storydiff.cli import main

    (tmp_path / "release.pdf").write_bytes(make_pdf([["The council approved 3 million euros for the bridge."]]))
    (tmp_path / "draft.docx").write_bytes(make_docx(
        p(r("The council approved "), dele("3 million"), ins("4 million"), r(" euros for the bridge."))))
    main(["compare", str(tmp_path / "release.pdf"), str(tmp_path / "draft.docx"), "-f", "json"])
    out = json.loads(capsys.readouterr().out)
    assert [d["media_type"] for d in out["documents"]] == [read.PDF, read.DOCX]
    assert any(c["a_text"] and "3" in c["a_text"] and "4" in (c["b_text"] or "") for c in out["changes"])


# --- a PDF as a browser prints it ------------------------------------------------------

# printed.pdf is printed.html as headless Chromium prints it, with a running header and a
# "Page n of 2" footer from CSS @page rules; made with
#   chromium --headless --no-pdf-header-footer --print-to-pdf=printed.pdf printed.html
# PDFium gives the header and footer first in each page's text, the body after.


def test_printed_pdf_reads_like_the_page() -> None:
    doc = read.load(DATA / "printed.pdf")
    paragraphs = doc.text.split("\n\n")
    assert doc.title == "Harbour bridge to close for repairs"
    assert paragraphs[0] == "Harbour bridge to close for repairs"
    assert len(paragraphs) == 8
    assert "The Coastal Gazette" not in doc.text and "Page 1 of 2" not in doc.text and "Page 2" not in doc.text
    # The paragraph broken by the page break is one paragraph again, and page 2 starts inside it.
    traders = next(p for p in paragraphs if p.startswith("Local traders"))
    assert traders.endswith("partly closed in 2019, and that several cafés had not survived that year.")
    assert doc.meta["pages"][1] == doc.text.index("bridge was partly closed in 2019")
    assert read.page_of(doc, doc.text.index("30 tonnes")) == 2
    assert read.page_of(doc, doc.text.index("3.2 million")) == 1


def test_printed_pdf_against_its_html_source_has_no_change() -> None:
    import storydiff

    pdf = read.load(DATA / "printed.pdf", name="pdf")
    html = read.load(DATA / "printed.html", name="html")
    result = storydiff.compare(html, pdf)
    # trafilatura takes the page's heading for its title; the PDF keeps it as text. Nothing else differs.
    assert [(str(c.kind), c.b_text) for c in result.changes] == [("added", "Harbour bridge to close for repairs")]


def test_pdf_of_scans_under_running_heads_is_refused_clearly() -> None:
    pages = [["Ministry of Transport — Scanned letters", "", f"Page {n} of 3"] for n in (1, 2, 3)]
    with pytest.raises(NoTextLayer, match="no text but running headers and page numbers on its 3 pages"):
        read.load(make_pdf(pages))


def test_docx_list_markers_go_tab_aligned_words_stay() -> None:
    item = '<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr>{}</w:p>'
    body = item.format(r("Buses are diverted.")) + item.format(r("A ferry runs.")) + \
        p(r("Cost"), '<w:r><w:tab/><w:t>3 million</w:t></w:r>')
    assert read.load(make_docx(body)).text.split("\n\n") == ["Buses are diverted.", "A ferry runs.", "Cost 3 million"]


def test_docx_written_by_python_docx_from_words_template() -> None:
    docx = pytest.importorskip("docx", reason="python-docx comes with storydiff[dev]")
    d = docx.Document()
    d.core_properties.title = "Bridge draft"
    d.core_properties.author = "Maria Jensen"
    d.sections[0].header.paragraphs[0].text = "The Coastal Gazette — draft"
    d.sections[0].footer.paragraphs[0].text = "Confidential"
    d.add_heading("Harbour bridge to close", level=1)
    d.add_paragraph("The council approved 3 million euros on Monday.")
    d.add_paragraph("Buses are diverted.", style="List Bullet")
    d.add_paragraph("A ferry runs every twenty minutes.", style="List Number")
    table = d.add_table(rows=2, cols=2)
    for (row, col), text in {(0, 0): "Year", (0, 1): "Cost", (1, 0): "2024", (1, 1): "2.4m"}.items():
        table.cell(row, col).text = text
    para = d.add_paragraph("Some ")
    para.add_run("bold").bold = True
    para.add_run(" words.")
    buf = io.BytesIO()
    d.save(buf)
    doc = read.load(buf.getvalue())
    assert doc.text.split("\n\n") == [
        "Harbour bridge to close", "The council approved 3 million euros on Monday.", "Buses are diverted.",
        "A ferry runs every twenty minutes.", "Year Cost", "2024 2.4m", "Some bold words.",
    ]  # header and footer are not part of the text
    assert (doc.title, doc.meta["author"]) == ("Bridge draft", "Maria Jensen")
