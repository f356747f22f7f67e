"""HTML of the local page: the form, messages, and the toolbar put on a report.

Templates are plain files under ``templates/`` filled with
:class:`string.Template`; every value put into them is escaped here, so a
document's text can never become markup.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from functools import cache
from importlib.resources import files
from string import Template
from typing import Any

from storydiff.model import Severity
from storydiff.read import MEDIA_TYPES
from storydiff.report import FLOOR_LABELS

# The form offers the CLI's default floor first.
_FLOORS = tuple((s.value, FLOOR_LABELS[s]) for s in (Severity.MEDIUM, Severity.HIGH, Severity.LOW))

_BODY_OPEN = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
_LOOKS_LIKE_HTML = re.compile(r"\s*<(!doctype|html)\b", re.IGNORECASE)
_CSP_META = re.compile(r'(<meta\s+http-equiv="Content-Security-Policy"\s+content=")([^"]*)(")', re.IGNORECASE)


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
        media_options=_options(tuple(MEDIA_TYPES.items()), media_type or "text/plain"),
        severity_options=_options(_FLOORS, min_severity or Severity.MEDIUM.value),
        max_mb=_megabytes(max_bytes),
        max_results=max_results,
    )


def message_page(title: str, message: str) -> str:
    """A short page saying what went wrong (for pages other than the form)."""
    return _template("message.html").substitute(title=html.escape(title), message=html.escape(message))


def report_page(report_html: str, result_id: str) -> str:
    """The report document with the download toolbar put first in its body.

    The report is a complete, self-contained document; serving it as the
    page itself (rather than in an iframe) keeps its own script, anchors,
    keyboard navigation and printing working unchanged. Anything that is not
    a full document (an older renderer's plain text) is wrapped in one,
    escaped. When the report pins its inline style by hash in a CSP
    ``<meta>``, the toolbar's stylesheet hash is added there, and nothing else.
    """
    if not _LOOKS_LIKE_HTML.match(report_html):
        report_html = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>storydiff report</title></head>'
            f"<body><pre>{html.escape(report_html)}</pre></body></html>"
        )
    css = _toolbar_css()
    toolbar = _template("toolbar.html").substitute(rid=html.escape(result_id), css=css)
    report_html = _CSP_META.sub(lambda m: m.group(1) + html.escape(_allow_style(html.unescape(m.group(2)), css))
                                + m.group(3), report_html, count=1)
    m = _BODY_OPEN.search(report_html)
    if m is None:
        return toolbar + report_html
    return report_html[: m.end()] + "\n" + toolbar + report_html[m.end():]


@cache
def _toolbar_css() -> str:
    return files("storydiff.web").joinpath("templates", "toolbar.css").read_text(encoding="utf-8")


def _allow_style(policy: str, css: str) -> str:
    """``policy`` with the hash of ``css`` allowed as a style, when it pins styles by hash or nonce.

    A policy with ``'unsafe-inline'`` and no hash already allows it (adding a
    hash would switch ``'unsafe-inline'`` off), so it is left as it is.
    """
    source = "'sha256-" + base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode() + "'"
    directives = [d.strip() for d in policy.split(";") if d.strip()]
    for i, d in enumerate(directives):
        name, _, value = d.partition(" ")
        if name.lower() == "style-src":
            if "'sha" in value or "'nonce-" in value or "'none'" in value:
                directives[i] = f"style-src {source} " + value.replace("'none'", "").strip()
            return "; ".join(directives)
    if any(d.partition(" ")[0].lower() == "default-src" for d in directives):
        directives.append(f"style-src {source}")
    return "; ".join(directives)


def api_page(openapi: dict[str, Any], host: str) -> str:
    """An offline page listing the endpoints and request fields of the OpenAPI document."""
    items = []
    for path, methods in openapi.get("paths", {}).items():
        for method, op in methods.items():
            description = (op.get("description") or "").strip().split("\n\n")[0]
            items.append(
                f"<dt><code>{html.escape(method.upper())} {html.escape(path)}</code> — "
                f"{_inline(op.get('summary', ''))}</dt><dd>{_inline(description)}</dd>"
            )
    request = openapi.get("components", {}).get("schemas", {}).get("CompareRequest", {})
    required = set(request.get("required", ()))
    fields = []
    for name, prop in request.get("properties", {}).items():
        kinds = [p.get("enum") or p.get("type") for p in prop.get("anyOf", [prop]) if p.get("type") != "null"]
        kind = " | ".join(" | ".join(map(str, k)) if isinstance(k, list) else str(k) for k in kinds)
        fields.append(f"<tr><td><code>{html.escape(name)}</code>{'' if name in required else ' (optional)'}</td>"
                      f"<td><code>{html.escape(kind)}</code></td><td>{_inline(prop.get('description', ''))}</td></tr>")
    return _template("api.html").substitute(endpoints="\n".join(items), fields="\n".join(fields),
                                            host=html.escape(host))


def _inline(text: str) -> str:
    """Escape ``text``, then show its `backticked` parts as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text, quote=False))


def _megabytes(n: int) -> str:
    mb = n / 1_000_000
    return f"{mb:.0f}" if mb >= 10 else f"{mb:.3g}"
