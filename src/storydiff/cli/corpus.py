"""``storydiff corpus``: add documents to a store, cluster them, list the clusters."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from typing import Any

import click

from storydiff.errors import OptionError


def _workers_option(f: Any) -> Any:
    return click.option("--workers", type=click.IntRange(1, 64), default=min(2, os.cpu_count() or 1),
                        show_default="2, or 1 on a one-core machine",
                        help="Worker processes for signatures, vectors and verification.")(f)


@click.group()
def corpus() -> None:
    """Find every cluster of versions of a story in a corpus.

    Documents live in one DuckDB file (the STORE) that you can also query
    with SQL: tables documents, signatures, embeddings, pairs, clusters.

    Example:

        storydiff corpus add corpus.db articles/ && storydiff corpus cluster corpus.db
    """


@corpus.command("add")
@click.argument("store", metavar="STORE")
@click.argument("inputs", metavar="INPUT...", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["auto", "dir", "jsonl", "csv", "parquet"]), default="auto",
              show_default=True, help="Input format (auto: directory, or by file extension).")
@click.option("--on-error", type=click.Choice(["fail", "skip"]), default="fail", show_default=True,
              help="On a bad item (malformed line, missing text, same id with another text): stop "
                   "before writing the current batch, or report it on stderr and go on.")
@click.option("--batch-size", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Documents per transaction.")
@_workers_option
@click.option("-q", "--quiet", is_flag=True, help="No progress bars and no summary.")
def add(store: str, inputs: tuple[str, ...], fmt: str, on_error: str, batch_size: int, workers: int,
        quiet: bool) -> None:
    """Add documents to STORE (created if absent) from each INPUT.

    INPUT is a directory of text, Markdown or HTML files (the id is the path
    below the directory), or a JSONL, CSV or Parquet file with columns id,
    text and optionally url, date, source. Re-adding the same documents
    changes nothing; an interrupted run keeps its complete batches and a
    rerun finishes the rest.

    Example:

        storydiff corpus add corpus.db news.jsonl --on-error skip
    """
    from storydiff.corpus.add import add_documents
    from storydiff.corpus.progress import RichReporter

    from storydiff.corpus.config import ClusterConfig

    summary = add_documents(store, list(inputs), fmt=fmt, on_error=on_error, reporter=RichReporter(quiet=quiet),
                            batch_size=batch_size, config=ClusterConfig(workers=workers))
    if not quiet:
        click.echo(f"added {summary.added:,} documents, skipped {summary.skipped:,} already stored, "
                   f"{summary.errors:,} errors; the store holds {summary.total:,} documents "
                   f"({summary.seconds:.1f} s)", err=True)


@corpus.command("cluster")
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
@_workers_option
@click.option("-q", "--quiet", is_flag=True, help="No progress bars and no summary.")
def cluster(store: str, engine: str, master: str, threshold: float, ngram: int, unigrams: bool, semantic: bool,
            verify_threshold: float, output: str | None, workers: int, quiet: bool) -> None:
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
    s = run_cluster(store, engine=engine, config=config, master=master, output=output,
                    reporter=RichReporter(quiet=quiet))
    if not quiet:
        sizes = ", ".join(f"{n}×{size}" for size, n in s.sizes.items()) or "none"
        click.echo(f"{s.documents:,} documents: {s.candidates.get('all', 0):,} candidate pairs, "
                   f"{s.checked:,} checked by sentences ({s.joined:,} more already joined), {s.verified:,} verified; {s.clusters:,} clusters "
                   f"with {s.clustered_documents:,} documents (count×size: {sizes}) in {s.seconds['total']:.1f} s",
                   err=True)


@corpus.command("clusters")
@click.argument("store", metavar="STORE")
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True, help="Output format.")
def clusters(store: str, fmt: str) -> None:
    """List the clusters found by the last `corpus cluster` run, largest first (singletons are not listed).

    Each cluster has a title (the start of its origin's first line), its size, its dates and its origin:
    the earliest dated member, or none with the reason. When documents were added after the run, a
    warning on stderr says so (and JSON has "stale": true).

    JSON: {"clusters": [{"id", "size", "title", "members", "origin", "origin_reason", "first_date",
    "last_date", "evidence": [pairs]}], "stale", "added_since"}.

    Example:

        storydiff corpus clusters corpus.db --format json > clusters.json
    """
    from storydiff.corpus.api import read_clusters

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
                w.writerow([c.id, m, str(m == c.origin).lower()])
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
        origin = c.origin or (f"none: {c.origin_reason}" if c.origin_reason else "")
        more = f", … (+{len(c.members) - 3})" if len(c.members) > 3 else ""
        t.add_row(c.id, str(len(c.members)), escape(c.title), dates, escape(origin),
                  escape(", ".join(c.members[:3]) + more))
    console.print(t)
