"""HTML of the local page: the form, the kept results, messages, and the toolbar put on a report.

Templates are plain files under ``templates/`` filled with
:class:`string.Template`; every value put into them is escaped here, so a
document's text can never become markup.
"""

from __future__ import annotations

import base64
import hashlib
import html
import mimetypes
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
    return Template(_read(name))


@cache
def _read(name: str) -> str:
    return files("storydiff.web").joinpath("templates", name).read_text(encoding="utf-8")


def form_script_hash() -> str:
    """CSP source allowing the form page's one inline script."""
    return _sha256(_read("form.js"))


def _sha256(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode() + "'"


def _options(choices: tuple[tuple[str, str], ...], selected: str | None) -> str:
    return "".join(
        f'<option value="{html.escape(v)}"{" selected" if v == selected else ""}>{html.escape(label)}</option>'
        for v, label in choices
    )


def _textarea(text: str) -> str:
    # A leading newline right after <textarea> is swallowed by HTML parsers: add one so it survives.
    return ("\n" if text.startswith("\n") else "") + html.escape(text)


def _preferred(extensions: tuple[str, ...]) -> list[str]:
    """One ending per type for the page's text (the picker accepts them all)."""
    preferred = [mimetypes.guess_extension(t, strict=False) for t in MEDIA_TYPES]
    return [e for e in extensions if e in preferred] or list(extensions)


def _version(key: str, typed: dict[str, str], *, extensions: tuple[str, ...]) -> str:
    accept = ",".join(extensions)
    url_field = (f'        <label>…or a web address:\n          <input id="{key}-url" type="url" name="{key}_url" '
                 f'placeholder="https://…" value="{html.escape(typed.get("url", ""))}"></label>')
    note = ""
    if typed.get("file"):
        note = (f'      <p class="note" id="{key}-note">Last time this version was the file '
                f"<b>{html.escape(typed['file'])}</b>; its text is below (choose the file again to read it as a "
                "file).</p>")
    return _template("version.html").substitute(
        key=key, KEY=key.upper(), name=html.escape(typed.get("name", "")), text=_textarea(typed.get("text", "")),
        name_hint="e.g. ministry statement" if key == "a" else "e.g. republished copy",
        text_hint="The earlier (or reference) version" if key == "a" else "The later (or republished) version",
        exts=html.escape(", ".join(_preferred(extensions))), accept=html.escape(accept), url_field=url_field,
        note=note)


def form_page(*, a: dict[str, str] | None = None, b: dict[str, str] | None = None, media_type: str | None = None,
              min_severity: str | None = None, error: str | None = None, errors: tuple[str, ...] = (),
              notice: str | None = None, max_bytes: int, store_note: str,
              paste_types: tuple[str, ...], extensions: tuple[str, ...]) -> str:
    """The comparison form, optionally re-filled (after an error, or from a kept result) and with messages.

    ``a``/``b`` hold what was typed for each version: ``name``, ``text``,
    ``url`` and ``file`` (the name of a file that cannot be re-filled).
    """
    if errors:
        items = "".join(f"<li>{html.escape(e)}</li>" for e in errors)
        error_block = f'<div id="error" class="error" role="alert">Please fix:<ul>{items}</ul></div>'
    else:
        error_block = f'<p id="error" class="error" role="alert">{html.escape(error)}</p>' if error else ""
    media = (("", "detected (HTML or plain text)"),) + tuple((t, MEDIA_TYPES.get(t, t)) for t in paste_types)
    return _template("form.html").substitute(
        error_block=error_block,
        notice_block=f'<p id="notice" class="notice" role="status">{html.escape(notice)}</p>' if notice else "",
        version_a=_version("a", a or {}, extensions=extensions),
        version_b=_version("b", b or {}, extensions=extensions),
        media_options=_options(media, media_type or ""),
        severity_options=_options(_FLOORS, min_severity or Severity.MEDIUM.value),
        max_mb=_megabytes(max_bytes),
        store_note=html.escape(store_note),
        script=_read("form.js"),
    )


def message_page(title: str, message: str) -> str:
    """A short page saying what went wrong (for pages other than the form)."""
    return _template("page.html").substitute(
        title=html.escape(title), body=f'<p class="error" role="alert">{html.escape(message)}</p>')


def results_page(entries: list[dict[str, Any]], *, store_note: str, notice: str | None = None) -> str:
    """The kept comparisons, most recent first, each with a link and a delete button."""
    rows = "".join(
        f'<tr id="kept-{html.escape(e["id"])}"><td>{html.escape(e["created"].replace("T", " ")[:16])}</td>'
        f'<td><a href="{html.escape(e["url"])}">{html.escape(e["a"])} → {html.escape(e["b"])}</a></td>'
        f'<td class="num">{int(e["changes"])}</td><td class="num">{_kilobytes(int(e["size"]))}</td>'
        f'<td><form class="inline" method="post" action="{html.escape(e["url"])}/delete">'
        f'<button type="submit" aria-label="Delete {html.escape(e["a"])} → {html.escape(e["b"])}">Delete</button>'
        "</form></td></tr>" for e in entries)
    table = ("<table><thead><tr><th>when (UTC)</th><th>versions</th><th>changes</th><th>kept size</th><th></th>"
             f"</tr></thead><tbody>{rows}</tbody></table>") if entries else "<p>No comparison is kept.</p>"
    notice_block = f'<p id="notice" class="notice" role="status">{html.escape(notice)}</p>' if notice else ""
    body = (f'{notice_block}<p class="muted">{html.escape(store_note)} Also as <a href="/results.json">JSON</a>.</p>'
            + table)
    return _template("page.html").substitute(title="Kept comparisons", body=body)


def delete_page(entry: dict[str, Any]) -> str:
    """Asks before deleting a kept comparison (a link cannot delete: a POST must)."""
    name = f"{entry['a']} → {entry['b']}"
    body = (f"<p>Delete the comparison <b>{html.escape(name)}</b> made {html.escape(entry['created'])} (UTC)? "
            "Its address will stop working; the texts are not kept anywhere else.</p>"
            f'<form method="post" action="{html.escape(entry["url"])}/delete">'
            f'<button id="confirm-delete" type="submit">Delete it</button> '
            f'<a href="{html.escape(entry["url"])}">Keep it</a></form>')
    return _template("page.html").substitute(title="Delete this comparison?", body=body)


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


def _toolbar_css() -> str:
    return _read("toolbar.css")


def _allow_style(policy: str, css: str) -> str:
    """``policy`` with the hash of ``css`` allowed as a style, when it pins styles by hash or nonce.

    A policy with ``'unsafe-inline'`` and no hash already allows it (adding a
    hash would switch ``'unsafe-inline'`` off), so it is left as it is.
    """
    source = _sha256(css)
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


def _kilobytes(n: int) -> str:
    return f"{max(1, round(n / 1000)):,} kB"


def megabytes(n: int) -> str:
    """``n`` bytes as MB for people: ``5``, ``0.25``."""
    return _megabytes(n)


def _megabytes(n: int) -> str:
    mb = n / 1_000_000
    return f"{mb:.0f}" if mb >= 10 else f"{mb:.3g}"
