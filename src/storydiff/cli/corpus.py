"""``storydiff corpus``: add documents to a store, cluster them, list the clusters."""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import sys
from typing import Any

import click

from storydiff.errors import OptionError


def _workers_option(f: Any, what: str = "signatures, vectors and verification") -> Any:
    return click.option("--workers", type=click.IntRange(1, 64), default=min(2, os.cpu_count() or 1),
                        show_default="2, or 1 on a one-core machine",
                        help=f"Worker processes for {what}.")(f)


def _needs_extra(f: Any) -> Any:
    """Run ``f`` only when the corpus extra is installed; otherwise one line naming it (exit 2).

    Checked when a command runs, not when it is registered: ``storydiff --help`` and
    ``storydiff corpus add --help`` work on the core install.
    """
    @functools.wraps(f)
    def run(*args: Any, **kwargs: Any) -> Any:
        from storydiff.corpus import require

        require()
        return f(*args, **kwargs)
    return run


@click.group()
def corpus() -> None:
    """Find every cluster of versions of a story in a corpus.

    Documents live in one DuckDB file (the STORE) that you can also query
    with SQL: tables documents, signatures, embeddings, pairs, clusters.

    Example:

        storydiff corpus add corpus.db articles/ && storydiff corpus cluster corpus.db
    """


@corpus.command("add")
@_needs_extra
@click.argument("store", metavar="STORE")
@click.argument("inputs", metavar="[INPUT]...", nargs=-1)
@click.option("--urls", "url_files", metavar="FILE", multiple=True, type=click.Path(dir_okay=False),
              help="A file of URLs, one per line (# comments): each page is fetched and its main text, final "
                   "URL, title, date and author kept; the id is the URL. Repeatable.")
@click.option("--allow-private-urls", is_flag=True,
              help="Let --urls reach intranet addresses (loopback, 10/8, 172.16/12, 192.168/16, fc00::/7); "
                   "never link-local or cloud-metadata ones. Off by default.")
@click.option("--format", "fmt", type=click.Choice(["auto", "dir", "jsonl", "csv", "parquet"]), default="auto",
              show_default=True, help="Input format (auto: directory, or by file extension).")
@click.option("--on-error", type=click.Choice(["fail", "skip"]), default="fail", show_default=True,
              help="On a bad item (malformed line, missing text, same id with another text, a URL that "
                   "cannot be fetched): stop before writing the current batch, or report it on stderr and go on.")
@click.option("--batch-size", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Documents per transaction.")
@_workers_option
@click.option("-q", "--quiet", is_flag=True, help="No progress bars and no summary.")
def add(store: str, inputs: tuple[str, ...], url_files: tuple[str, ...], allow_private_urls: bool, fmt: str,
        on_error: str, batch_size: int, workers: int, quiet: bool) -> None:
    """Add documents to STORE (created if absent) from each INPUT and each --urls file.

    INPUT is a directory of text, Markdown or HTML files (the id is the path
    below the directory), or a JSONL, CSV or Parquet file with columns id,
    text and optionally url, date, source, title, author. Pages named in a
    --urls file are fetched behind a guard that refuses private, loopback and
    cloud-metadata addresses. Problems are reported as FILE:LINE: problem.
    Re-adding the same documents changes nothing; an interrupted run keeps
    its complete batches and a rerun finishes the rest.

    Example:

        storydiff corpus add corpus.db news.jsonl --urls pages.txt --on-error skip
    """
    from storydiff.corpus.add import add_documents
    from storydiff.corpus.config import ClusterConfig
    from storydiff.corpus.progress import RichReporter

    if not inputs and not url_files:
        raise click.UsageError("nothing to add: give an INPUT (directory, JSONL, CSV, Parquet) or --urls FILE")
    with RichReporter(quiet=quiet) as reporter:
        summary = add_documents(store, list(inputs), fmt=fmt, on_error=on_error, reporter=reporter,
                                batch_size=batch_size, config=ClusterConfig(workers=workers),
                                urls=list(url_files), allow_private_urls=allow_private_urls)
    if not quiet:
        _summary_table([("added", summary.added), ("already stored (skipped)", summary.skipped),
                        ("problems", summary.errors), ("documents in the store", summary.total),
                        ("seconds", f"{summary.seconds:.1f}")])


@corpus.command("cluster")
@_needs_extra
@click.argument("store", metavar="STORE")
@click.option("--engine", type=click.Choice(["embedded", "spark"]), default="embedded", show_default=True,
              help="embedded: this process with DuckDB; spark: PySpark (needs storydiff[spark]).")
@click.option("--master", default="local[2]", show_default=True, help="Spark master URL (--engine spark).")
@click.option("--threshold", type=click.FloatRange(0.05, 0.95), default=0.3, show_default=True,
              help="MinHash LSH Jaccard threshold of the word n-gram step.")
@click.option("--ngram", type=click.IntRange(1, 10), default=3, show_default=True, help="Words per shingle.")
@click.option("--unigrams/--no-unigrams", default=True, show_default=True,
              help="Also match on content words (catches moderate re-wordings).")
@click.option("--semantic/--no-semantic", default=True, show_default=True,
              help="Also pair documents close in meaning (re-worded copies, translations); slower.")
@click.option("--verify-threshold", type=click.FloatRange(0.0, 1.0), default=0.6, show_default=True,
              help="Share (by words) of the shorter document's sentences that must align for a checked pair.")
@click.option("--output", type=click.Path(), default=None, help="Spark only: where to write its results.")
@click.option("--stemma", is_flag=True,
              help="Then collate every cluster of 2 to 50 members and store its stemma, which names the origin "
                   "(as `corpus stemma STORE`; about half a second per cluster of eight 550-word documents).")
@_workers_option
@click.option("-q", "--quiet", is_flag=True, help="No progress bars and no summary.")
def cluster(store: str, engine: str, master: str, threshold: float, ngram: int, unigrams: bool, semantic: bool,
            verify_threshold: float, output: str | None, stemma: bool, workers: int, quiet: bool) -> None:
    """Find every cluster of versions in STORE; writes its pairs and clusters tables.

    Exact copies, then MinHash LSH over word n-grams and content words, then
    (with --semantic) nearest neighbours in meaning; every candidate pair is
    checked and the verified pairs are joined into clusters.

    Example:

        storydiff corpus cluster corpus.db --no-semantic
    """
    from storydiff.corpus.api import cluster as run_cluster
    from storydiff.corpus.config import ClusterConfig
    from storydiff.corpus.progress import RichReporter

    config = ClusterConfig(ngram_threshold=threshold, ngram=ngram, unigrams=unigrams, semantic=semantic,
                           verify_threshold=verify_threshold, workers=workers)
    if output is not None and engine != "spark":
        raise OptionError("--output is for --engine spark; the embedded engine writes the clusters to STORE "
                          "(export them with `storydiff corpus clusters STORE --format csv`)")
    with RichReporter(quiet=quiet) as reporter:
        s = run_cluster(store, engine=engine, config=config, master=master, output=output, reporter=reporter)
    if not quiet:
        largest = max(s.sizes, default=0)
        _summary_table([("documents", s.documents), ("candidate pairs", s.candidates.get("all", 0)),
                        ("checked sentence by sentence", s.checked), ("not checked: already joined", s.joined),
                        ("verified pairs", s.verified), ("clusters (2+ documents)", s.clusters),
                        ("documents in clusters", s.clustered_documents), ("largest cluster", largest),
                        ("seconds", f"{s.seconds['total']:.1f}")])
    if stemma:
        _run_stemmas(store, None, 50, False, workers, quiet)


@corpus.command("stemma")
@_needs_extra
@click.argument("store", metavar="STORE")
@click.option("--cluster", "cluster_ids", metavar="ID", multiple=True,
              help="Only this cluster (repeatable); default: every cluster of 2 to --max-members members.")
@click.option("--max-members", type=click.IntRange(2, 50), default=50, show_default=True,
              help="Largest cluster collated (collate takes at most 50 versions); larger ones keep their "
                   "date-based origin.")
@click.option("--recompute", is_flag=True, help="Collate again even where a stemma is stored for the same members.")
@functools.partial(_workers_option, what="collating clusters side by side (each loads the models once)")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars and no summary.")
def stemma_cmd(store: str, cluster_ids: tuple[str, ...], max_members: int, recompute: bool, workers: int,
               quiet: bool) -> None:
    """Collate the members of each cluster and store who copied whom (the stemma).

    The stemma then names each cluster's origin (its root, when the evidence
    supports one; `corpus clusters` says why not otherwise). Collating costs far
    more than clustering: about half a second for a cluster of eight 550-word
    documents, 8 times the clustering of the whole corpus. A stemma is kept for the same members across `corpus cluster`
    runs, so a rerun computes only new or changed clusters.

    Example:

        storydiff corpus stemma corpus.db --cluster c0042
    """
    _run_stemmas(store, cluster_ids or None, max_members, recompute, workers, quiet)


def _run_stemmas(store: str, cluster_ids: Any, max_members: int, recompute: bool, workers: int, quiet: bool) -> None:
    from storydiff.corpus.api import stemmas
    from storydiff.corpus.progress import RichReporter

    with RichReporter(quiet=quiet) as reporter:
        s = stemmas(store, clusters=cluster_ids, max_members=max_members, recompute=recompute, workers=workers,
                    reporter=reporter)
    if not quiet:
        _summary_table([("clusters collated", s.computed), ("stemma already stored", s.reused),
                        (f"larger than {max_members} (not collated)", s.too_large), ("failed", s.failed),
                        ("clusters with an origin", s.origins), ("seconds", f"{s.seconds:.1f}")])


@corpus.command("clusters")
@_needs_extra
@click.argument("store", metavar="STORE")
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True, help="Output format.")
def clusters(store: str, fmt: str) -> None:
    """List the clusters found by the last `corpus cluster` run, largest first (singletons are not listed).

    Each cluster has a title (the start of its origin's first line), its size, its dates and its origin:
    the root of its stemma where `corpus stemma` stored one, else the earliest dated member, or none,
    with the reason. When documents were added after the run, a warning on stderr says so (and JSON has
    "stale": true).

    JSON: {"clusters": [{"id", "size", "title", "members", "origin", "origin_reason", "first_date",
    "last_date", "evidence": [pairs], "stemma": {"edges": [{"from", "to", "kind", "confidence",
    "decided_by", "evidence", "changes"}], "roots", "hypothetical", "unrelated", "method"} or null}],
    "stale", "added_since"}.

    Example:

        storydiff corpus clusters corpus.db --format json > clusters.json
    """
    from storydiff.corpus.api import read_clusters
    from storydiff.report.csv import spreadsheet_cell

    found = read_clusters(store, evidence=fmt == "json")
    if found.stale:
        click.echo(f"warning: {found.added_since:,} documents were added after the last `corpus cluster` run and are "
                   f"in no cluster yet; run `storydiff corpus cluster {store}` to include them", err=True)
    if fmt == "json":
        json.dump({"clusters": [c.to_dict() for c in found], "stale": found.stale,
                   "added_since": found.added_since}, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    elif fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["cluster_id", "doc_id", "is_origin"])
        for c in found:
            for m in c.members:
                w.writerow([spreadsheet_cell(c.id), spreadsheet_cell(m), str(m == c.origin).lower()])
        sys.stdout.write(buf.getvalue())
    else:
        _table(found, store)


def _table(found: Any, store: str) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(file=sys.stdout, width=None if sys.stdout.isatty() else 120)
    if not found:
        console.print(f"no clusters of two or more versions in {escape(store)}" if found.clustered else
                      f"no clusters yet: run `storydiff corpus cluster {escape(store)}` first")
        return
    t = Table("cluster", "size", "title", "dates", "origin", "members", title=f"{len(found):,} clusters, largest first")
    for c in found:
        dates = (c.first_date or "") if c.first_date == c.last_date else f"{c.first_date} – {c.last_date}"
        origin = (f"{c.origin} ({c.origin_reason})" if c.origin_reason else c.origin) if c.origin else (
            f"none: {c.origin_reason}" if c.origin_reason else "")
        more = f", … (+{len(c.members) - 3})" if len(c.members) > 3 else ""
        t.add_row(c.id, str(len(c.members)), escape(c.title), dates, escape(origin),
                  escape(", ".join(c.members[:3]) + more))
    console.print(t)


@corpus.command("reuse")
@_needs_extra
@click.argument("store", metavar="STORE")
@click.option("--min-words", type=click.IntRange(5, None), default=30, show_default=True,
              help="Shortest passage reported, in words.")
@click.option("-f", "--format", "fmt", type=click.Choice(["json", "csv", "html"]), default="json",
              show_default=True, help="json: passages, reuse clusters, each document's passages; csv: one row "
                                      "per passage; html: one page of reuse clusters.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write to this file (default: standard output). An existing file is not overwritten.")
@click.option("--engine", type=click.Choice(["embedded", "spark"]), default="embedded", show_default=True,
              help="embedded: this process with DuckDB; spark: PySpark (same passages).")
@click.option("--master", default="local[2]", show_default=True, help="Spark master URL (--engine spark).")
@_workers_option
@click.option("-q", "--quiet", is_flag=True, help="No progress bars and no summary.")
def reuse(store: str, min_words: int, fmt: str, output: str | None, engine: str, master: str, workers: int,
          quiet: bool) -> None:
    """Find passages reused across the documents of STORE (quotes, shared paragraphs).

    Each passage has offsets in both documents (characters), its words and a
    similarity (1.0 = verbatim); passages found in several documents form one
    reuse cluster. Unlike `corpus cluster`, the documents need not be versions
    of one text.

    Example:

        storydiff corpus reuse corpus.db --min-words 40 --format html -o reuse.html
    """
    from storydiff.corpus.api import reuse as find
    from storydiff.corpus.pages import render_reuse
    from storydiff.corpus.progress import RichReporter

    _refuse_existing(output)
    with RichReporter(quiet=quiet) as reporter:
        found = find(store, min_words=min_words, engine=engine, master=master, workers=workers, reporter=reporter)
    _emit(render_reuse(found, fmt), output)
    if not quiet:
        _summary_table([("documents", found.documents), ("pairs aligned", found.candidate_pairs),
                        ("reused passages", len(found.passages)), ("reuse clusters", len(found.clusters))])


@corpus.command("show")
@_needs_extra
@click.argument("store", metavar="STORE")
@click.argument("cluster_id", metavar="CLUSTER")
@click.option("--view", type=click.Choice(["auto", "collation", "versions"]), default="auto", show_default=True,
              help="collation: the members collated (variant table, stemma drawn, what each copier changed; "
                   "seconds, 2 to 50 members); versions: each version whole, side by side, with the stored "
                   "stemma's edges (instant); auto: collation up to 50 members.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write the HTML page here (default: standard output). An existing file is not overwritten.")
def show(store: str, cluster_id: str, view: str, output: str | None) -> None:
    """An HTML page of one cluster: its members collated, or its versions side by side.

    Example:

        storydiff corpus show corpus.db c0042 -o c0042.html
    """
    from storydiff.corpus.pages import cluster_page

    _refuse_existing(output)
    _emit(cluster_page(store, cluster_id, view=view), output)


def _refuse_existing(output: str | None) -> None:
    if output is not None and os.path.exists(output):
        raise OptionError(f"{output!r} exists; storydiff does not overwrite files: pass a new name or remove it")


def _emit(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    with open(output, "x", encoding="utf-8") as fh:
        fh.write(text)


def _summary_table(rows: list[tuple[str, Any]]) -> None:
    """The final summary: a small two-column table on stderr."""
    from rich.console import Console
    from rich.table import Table

    t = Table(show_header=False, box=None, pad_edge=False)
    t.add_column(style="bold")
    t.add_column(justify="right")
    for name, value in rows:
        t.add_row(name, f"{value:,}" if isinstance(value, int) else str(value))
    Console(file=sys.stderr, width=100).print(t)
