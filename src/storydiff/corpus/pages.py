"""Corpus results as files: reuse as CSV or one HTML page; a cluster collated, or its versions side by side.

Self-contained HTML (inline CSS, no scripts); every piece of document text is
escaped, control characters are removed from text bound for a terminal
or a spreadsheet, and a CSV cell that would start a formula begins with an
apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
import re
from html import escape

from storydiff.corpus.grouping import Cluster
from storydiff.corpus.passages import Reuse
from storydiff.errors import CorpusError, OptionError
from storydiff.model import Document
from storydiff.report.csv import spreadsheet_cell

#: output formats of ``corpus reuse``
REUSE_FORMATS = ("json", "csv", "html")
#: views of ``corpus show``
CLUSTER_VIEWS = ("auto", "collation", "versions")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:80rem;padding:0 1rem;color:#222}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
table{border-collapse:collapse;width:100%}td,th{border-top:1px solid #ddd;padding:.4rem;vertical-align:top;text-align:left}
.meta{color:#666;font-size:.9em}.cols{display:grid;grid-auto-flow:column;grid-auto-columns:minmax(18rem,1fr);gap:1rem;
overflow-x:auto}.doc{border:1px solid #ddd;border-radius:4px;padding:.6rem;white-space:pre-wrap}.origin{border-color:#2a7}
"""


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"<style>{_STYLE}</style></head><body>\n{body}\n</body></html>\n")


def reuse_json(found: Reuse) -> str:
    """The reuse search as JSON: passages, reuse clusters and each document's passages."""
    return json.dumps(found.to_dict(), ensure_ascii=False, indent=2) + "\n"


def reuse_csv(found: Reuse) -> str:
    """One row per passage: both documents with offsets, words, similarity, cluster and the text of side a."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["cluster", "a", "a_start", "a_end", "b", "b_start", "b_end", "words", "similarity", "a_text"])
    for p in found.passages:
        w.writerow([spreadsheet_cell(v) for v in (p.cluster, p.a, p.a_start, p.a_end, p.b, p.b_start, p.b_end,
                                                  p.words, f"{p.similarity:.4f}", _CONTROL.sub(" ", p.a_text))])
    return buf.getvalue()


def reuse_html(found: Reuse, *, title: str = "Reused passages") -> str:
    """One page: every reuse cluster with the passage as each document has it."""
    parts = [f"<h1>{escape(title)}</h1>",
             f'<p class="meta">{found.documents:,} documents, {found.candidate_pairs:,} pairs aligned, '
             f"{len(found.passages):,} reused passages in {len(found.clusters):,} reuse clusters.</p>"]
    for c in found.clusters:
        rows = "".join(f"<tr><td>{escape(o.doc)}</td><td>{o.start:,}–{o.end:,}</td><td>{escape(o.text)}</td></tr>"
                       for o in c.occurrences)
        parts.append(f'<h2 id="{escape(c.id)}">{escape(c.id)}: {c.documents} documents</h2>'
                     f"<table><tr><th>document</th><th>characters</th><th>passage</th></tr>{rows}</table>")
    return _page(title, "\n".join(parts))


def render_reuse(found: Reuse, fmt: str) -> str:
    """``found`` in one of :data:`REUSE_FORMATS`."""
    return {"json": reuse_json, "csv": reuse_csv, "html": reuse_html}[fmt](found)


def cluster_page(store_path: str, cluster_id: str, *, view: str = "auto") -> str:
    """The HTML page of one cluster of the store.

    Args:
        store_path: the store.
        cluster_id: the cluster (``corpus clusters`` lists them).
        view: ``collation`` (the members collated by :func:`storydiff.collate`: variant table, stemma,
            what each copier changed; seconds; 2 to 50 members), ``versions`` (each version whole, side
            by side, with the stored stemma's edges) or ``auto`` (collation up to 50 members).

    Raises:
        CorpusError: no such cluster.
        OptionError: ``view="collation"`` for a cluster of more than 50 members, or an unknown view.
    """
    from storydiff.corpus import store
    from storydiff.corpus.results import read_clusters
    from storydiff.corpus.stemma_run import MAX_MEMBERS

    if view not in CLUSTER_VIEWS:
        raise OptionError(f"unknown view {view!r}: expected one of {', '.join(CLUSTER_VIEWS)}")
    found = {c.id: c for c in read_clusters(store_path, evidence=True)}
    if cluster_id not in found:
        known = ", ".join(list(found)[:5]) or "none; run `storydiff corpus cluster STORE` first"
        raise CorpusError(f"no cluster {cluster_id!r} in {store_path!r} (largest: {known}); "
                          "list them with `storydiff corpus clusters STORE`")
    c = found[cluster_id]
    if view == "collation" and len(c.members) > MAX_MEMBERS:
        raise OptionError(f"cluster {cluster_id} has {len(c.members)} members and collate takes at most "
                          f"{MAX_MEMBERS}; use --view versions")
    with store.session(store_path, read_only=True) as con:
        docs = store.load_documents(con, store_path, c.members)
    if view == "versions" or len(c.members) > MAX_MEMBERS:
        return cluster_html(c, docs)
    return collation_html(c, docs)


def collation_html(cluster: Cluster, documents: list[Document]) -> str:
    """The members collated (storydiff.collate's own HTML report), headed by the cluster and its origin."""
    import storydiff
    from storydiff.collate.render import render_collation

    collation = storydiff.collate(documents, dates={d.id: d.date for d in documents if d.date})
    page = render_collation(collation, "html")
    head = (f'<p class="meta">corpus cluster {escape(cluster.id)}: {len(cluster.members)} versions; '
            f"{_origin_text(cluster)}</p>")
    at = page.find(">", page.find("<body")) + 1
    return page[:at] + head + page[at:] if at > 0 else page


def _origin_text(cluster: Cluster) -> str:
    return (f"origin: {escape(cluster.origin)} ({escape(cluster.origin_reason or '')})" if cluster.origin
            else f"no origin: {escape(cluster.origin_reason or 'unknown')}")


def _stemma_list(cluster: Cluster) -> str:
    if not cluster.stemma:
        return ('<p class="meta">No stemma stored: <code>storydiff corpus stemma STORE --cluster '
                f"{escape(cluster.id)}</code> collates the members and stores who copied whom.</p>")
    items = "".join(
        f"<li>{escape(e['from'])} → {escape(e['to'])}: {escape(e['kind'])}, confidence {e['confidence']:.2f} "
        f"({escape(', '.join(e['decided_by']))})</li>" for e in cluster.stemma["edges"])
    alone = cluster.stemma.get("unrelated") or []
    rest = f'<p class="meta">linked to no other version: {escape(", ".join(alone))}</p>' if alone else ""
    return f"<h2>Stemma (who copied whom)</h2><ul>{items or '<li>no edges</li>'}</ul>{rest}"


def cluster_html(cluster: Cluster, documents: list[Document]) -> str:
    """A cluster's versions side by side, the origin first, then by date and id, with the stored stemma's edges.

    Each version is shown whole, with its date and length, so they can be read across.
    """
    def key(d: Document) -> tuple[bool, str, str]:
        return (d.id != cluster.origin, d.date or "9999", d.id)

    docs = sorted(documents, key=key)
    origin = _origin_text(cluster)
    cols = "".join(
        f'<div class="doc{" origin" if d.id == cluster.origin else ""}"><strong>{escape(d.id)}</strong>'
        f'<div class="meta">{escape(d.date or "no date")} · {len(d.text):,} characters</div>'
        f"{escape(d.text)}</div>" for d in docs)
    body = (f"<h1>{escape(cluster.id)}: {escape(cluster.title)}</h1>"
            f'<p class="meta">{len(cluster.members)} versions; {origin}</p>{_stemma_list(cluster)}'
            f'<div class="cols">{cols}</div>')
    return _page(f"{cluster.id}: {cluster.title}", body)
