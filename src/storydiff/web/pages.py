"""HTML of the local page: the form, messages, and the toolbar put on a report.

Templates are plain files under ``templates/`` filled with
:class:`string.Template`; every value put into them is escaped here, so a
document's text can never become markup.
"""

from __future__ import annotations

import html
import re
from functools import cache
from importlib.resources import files
from string import Template
from typing import Any

MEDIA_TYPES = (("text/plain", "plain text"), ("text/markdown", "Markdown"), ("text/html", "HTML source"))
SEVERITIES = (("medium", "medium and high"), ("high", "high only"), ("low", "all, low included"))

_BODY_OPEN = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
_LOOKS_LIKE_HTML = re.compile(r"\s*<(!doctype|html)\b", re.IGNORECASE)


@cache
def _template(name: str) -> Template:
    return Template(files("storydiff.web").joinpath("templates", name).read_text(encoding="utf-8"))


def _options(choices: tuple[tuple[str, str], ...], selected: str | None) -> str:
    return "".join(
        f'<option value="{html.escape(v)}"{" selected" if v == selected else ""}>{html.escape(label)}</option>'
        for v, label in choices
    )


def form_page(*, a_text: str = "", b_text: str = "", media_type: str | None = None,
              min_severity: str | None = None, error: str | None = None,
              max_bytes: int, max_results: int) -> str:
    """The comparison form, optionally re-shown with an error and the user's input."""
    error_block = f'<p id="error" class="error" role="alert">{html.escape(error)}</p>' if error else ""
    return _template("form.html").substitute(
        error_block=error_block,
        # A leading newline right after <textarea> is swallowed by HTML parsers: add one so it survives.
        a_text=("\n" if a_text.startswith("\n") else "") + html.escape(a_text),
        b_text=("\n" if b_text.startswith("\n") else "") + html.escape(b_text),
        media_options=_options(MEDIA_TYPES, media_type or "text/plain"),
        severity_options=_options(SEVERITIES, min_severity or "medium"),
        max_mb=_megabytes(max_bytes),
        max_results=max_results,
    )


def message_page(title: str, message: str) -> str:
    """A short page saying what went wrong (for pages other than the form)."""
    return _template("message.html").substitute(title=html.escape(title), message=html.escape(message))


def report_page(report_html: str, result_id: str) -> str:
    """The report document with the download toolbar put first in its body.

    The report is a complete, self-contained document; serving it as the
    page itself (rather than in an iframe) keeps its own script, anchors and
    printing working unchanged. Anything that is not a full document (an
    older renderer's plain text) is wrapped in one, escaped.
    """
    if not _LOOKS_LIKE_HTML.match(report_html):
        report_html = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>storydiff report</title></head>'
            f"<body><pre>{html.escape(report_html)}</pre></body></html>"
        )
    toolbar = _template("toolbar.html").substitute(rid=html.escape(result_id))
    m = _BODY_OPEN.search(report_html)
    if m is None:
        return toolbar + report_html
    return report_html[: m.end()] + "\n" + toolbar + report_html[m.end():]


def api_page(openapi: dict[str, Any], host: str) -> str:
    """An offline page listing the endpoints of the OpenAPI document."""
    items = []
    for path, methods in openapi.get("paths", {}).items():
        for method, op in methods.items():
            summary = op.get("summary", "")
            description = (op.get("description") or "").strip().split("\n\n")[0]
            items.append(
                f"<dt><code>{html.escape(method.upper())} {html.escape(path)}</code> — {html.escape(summary)}</dt>"
                f"<dd>{html.escape(description)}</dd>"
            )
    return _template("api.html").substitute(endpoints="\n".join(items), host=html.escape(host))


def _megabytes(n: int) -> str:
    mb = n / 1_000_000
    return f"{mb:.0f}" if mb >= 10 else f"{mb:.3g}"
