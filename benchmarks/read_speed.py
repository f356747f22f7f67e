"""Time the PDF and DOCX readers on generated documents of many pages.

The PDF is written by PDFium itself (Helvetica, A4, 11 pt): each page has a
running header, ``--lines`` lines of seeded words in paragraphs of six lines,
some words hyphenated at line ends, and a "Page n of N" footer, so the header
and footer removal, hyphen joining and paragraph grouping all run. The DOCX
holds the same words as paragraphs, a table per "page" and tracked changes.
Each file is read ``--repeat`` times with :func:`storydiff.read.load`; the
median is reported.

Usage:
    .venv/bin/python benchmarks/read_speed.py [--pages 100] [--lines 45] [--repeat 5]

Prints JSON and writes benchmarks/results/read_speed.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import sys
import time
import zipfile
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = ("the council said minister bridge would open cost million euros report budget water road school "
         "people city harbour repairs traders summer statement government agreement").split()


def pdf_pages(n_pages: int, n_lines: int, rng: random.Random) -> list[list[str]]:
    pages = []
    for n in range(1, n_pages + 1):
        lines = ["Ministry of Transport — Annual report 2024", ""]
        for i in range(n_lines):
            words = [rng.choice(WORDS) for _ in range(11)]
            line = " ".join(words)
            if i % 6 == 5:
                lines += [line + ".", ""]
            else:
                lines.append(line + (" re-" if i % 4 == 1 else ""))
        lines += ["", f"Page {n} of {n_pages}"]
        pages.append(lines)
    return pages


def make_docx(pages: list[list[str]]) -> bytes:
    w = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
         'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')
    body = []
    for k, lines in enumerate(pages):
        text = [line for line in lines[2:-2] if line]
        for i in range(0, len(text), 6):
            run = " ".join(text[i:i + 6])
            if i == 0:
                body.append(f'<w:p><w:r><w:t xml:space="preserve">{run} </w:t></w:r>'
                            f'<w:del w:id="{k}" w:author="E" w:date="2024-01-01T00:00:00Z"><w:r>'
                            '<w:delText>old words</w:delText></w:r></w:del>'
                            f'<w:ins w:id="{k}" w:author="E" w:date="2024-01-01T00:00:00Z"><w:r>'
                            '<w:t>new words</w:t></w:r></w:ins></w:p>')
            else:
                body.append(f'<w:p><w:r><w:t xml:space="preserve">{run}</w:t></w:r></w:p>')
        body.append("<w:tbl>" + "".join(
            f"<w:tr><w:tc><w:p><w:r><w:t>{y}</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>{y * 3}m</w:t></w:r>"
            "</w:p></w:tc></w:tr>" for y in range(2020, 2025)) + "</w:tbl>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
                   'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
                   '</Types>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                   'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
                   '2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
        z.writestr("word/document.xml",
                   f'<?xml version="1.0"?><w:document {w}><w:body>{"".join(body)}</w:body></w:document>')
    return buf.getvalue()


def timed(data: bytes, repeat: int) -> tuple[float, object]:
    from storydiff import read

    times = []
    doc = None
    for _ in range(repeat):
        t = time.perf_counter()
        doc = read.load(data)
        times.append(time.perf_counter() - t)
    return statistics.median(times), doc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=100)
    ap.add_argument("--lines", type=int, default=45, help="body lines per PDF page")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT / "tests"))
    from test_read_formats import make_pdf  # the PDF writer the reader's tests use

    from storydiff import read

    pages = pdf_pages(args.pages, args.lines, random.Random(0))
    pdf, docx = make_pdf(pages), make_docx(pages)
    read.load(pdf)  # warm up: imports and PDFium's first load
    pdf_s, pdf_doc = timed(pdf, args.repeat)
    docx_s, docx_doc = timed(docx, args.repeat)
    report = {
        "benchmark": "read_speed",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": f".venv/bin/python benchmarks/read_speed.py --pages {args.pages} --lines {args.lines} "
                   f"--repeat {args.repeat}",
        "loadavg_1m": round(os.getloadavg()[0], 2),
        "pdf": {"pages": args.pages, "bytes": len(pdf), "chars": len(pdf_doc.text),  # type: ignore[attr-defined]
                "pages_found": len(pdf_doc.meta["pages"]), "median_s": round(pdf_s, 3),  # type: ignore[attr-defined]
                "goal_s": 1.0},
        "docx": {"bytes": len(docx), "chars": len(docx_doc.text), "median_s": round(docx_s, 3),  # type: ignore[attr-defined]
                 "tracked_changes": docx_doc.meta["tracked_changes"]},  # type: ignore[attr-defined]
    }
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    out = ROOT / "benchmarks" / "results" / "read_speed.json"
    out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
