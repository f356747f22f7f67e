"""``corpus add``: put documents into the store, incrementally and resumably.

Documents are written in transactions of ``batch_size`` (default 1,000)
together with their word n-gram MinHash signatures, their document vectors
and (once the store's stop list is final, see :mod:`.stoplist`) their
content-word unigram signatures, so clustering later never recomputes them:
the worker processes that compute them would otherwise idle while this
process writes to the store (at a million documents, writing is ~85 % of the
time). Re-adding is idempotent: an id already stored with the same
text is skipped. The same id with a different text, a malformed line, a
missing ``text`` or an unreadable file is a *problem*, reported with
``file:line``: ``on_error="fail"`` raises :class:`CorpusError` before anything
of the current batch is written (earlier batches stay, and a rerun skips
them), ``on_error="skip"`` reports it and goes on. Problems are counted in the
summary; none is dropped silently.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from storydiff.corpus import stoplist, store
from storydiff.corpus.config import ClusterConfig
from storydiff.corpus.ingest import Problem, Record, count_records, read_input
from storydiff.corpus.minhash import signatures_with_sizes
from storydiff.corpus.parallel import pool, split_submit
from storydiff.corpus.progress import Reporter
from storydiff.corpus.shingles import text_keys
from storydiff.errors import CorpusError, OptionError

MAX_PROBLEMS_KEPT = 1000
#: write-ahead log size that triggers a checkpoint during ``add`` (DuckDB's default is 16 MB)
CHECKPOINT_EVERY = "1GB"


@dataclass(frozen=True, slots=True)
class AddSummary:
    """What one ``add`` did.

    Attributes:
        added: documents written.
        skipped: documents already stored with the same text (or repeated in the input).
        errors: problems found (skipped, or the one that aborted a ``fail`` run).
        total: documents in the store afterwards.
        seconds: wall time.
        problems: the first problems as ``(where, message)``.
    """

    added: int
    skipped: int
    errors: int
    total: int
    seconds: float
    problems: tuple[tuple[str, str], ...] = field(default=())


def ngram_params(config: ClusterConfig) -> str:
    """How n-gram signatures are made; stored beside them so changed settings recompute."""
    return f"ngram={config.ngram};num_perm={config.num_perm};seed={config.seed}"


@dataclass(frozen=True, slots=True)
class _Plan:
    """What the workers compute for each new document (picklable)."""

    ngram: int
    num_perm: int
    seed: int
    batch_size: int
    encoder: str | None  # None: no document vectors
    stop: frozenset[str] | None  # None: no unigram signatures yet (the stop list is not final)


def _fingerprints(texts: list[str], plan: _Plan) -> tuple[np.ndarray, ...]:
    """Signatures, shingle counts, exact-copy keys, [vectors], [unigram signatures + counts] (runs in a worker)."""
    from storydiff.corpus.semantic import embed_documents

    sigs, sizes = signatures_with_sizes(texts, ngram=plan.ngram, num_perm=plan.num_perm, seed=plan.seed,
                                        batch_size=plan.batch_size)
    out: tuple[np.ndarray, ...] = (sigs, sizes, text_keys(texts))
    if plan.encoder is not None:
        out += (embed_documents(texts, encoder=plan.encoder).astype(np.float16),)
    if plan.stop is not None:
        out += signatures_with_sizes(texts, ngram=1, num_perm=plan.num_perm, seed=plan.seed,
                                     stopwords=plan.stop, batch_size=plan.batch_size)
    return out


class _Adder:
    """Validates batches, fingerprints them in workers and writes them, one batch deep.

    While the workers fingerprint batch *i*, this process writes batch *i - 1*
    and reads batch *i + 1* (one at a time, the steps left the workers idle
    half of the time). A problem that stops the run first writes the batches
    already validated, as if they had been written one by one.
    """

    def __init__(self, con, *, on_error: str, config: ClusterConfig, reporter: Reporter, advance,  # type: ignore[no-untyped-def]
                 executor=None) -> None:
        self.con, self.on_error, self.config, self.reporter, self.advance = con, on_error, config, reporter, advance
        self.executor = executor
        self.added = self.skipped = self.errors = 0
        self.problems: list[tuple[str, str]] = []
        self._pending: tuple[list[tuple[Record, str]], Callable[[], list[Any]], _Plan] | None = None
        self._pending_ids: dict[str, str] = {}
        self._stop = stoplist.final(con, config) if config.unigrams else None
        # the default static embeddings are cheap in the workers; a torch model is left to cluster
        self._vectors = config.semantic and config.encoder == "wordllama"

    def problem(self, where: str, message: str) -> None:
        self.errors += 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append((where, message))
        if self.on_error == "fail":
            self.finish()
            raise CorpusError(f"{where}: {message}; nothing of this batch was written "
                              "(fix the input, or rerun with --on-error skip to skip such items)")
        self.reporter.problem(where, message)
        self.advance(1)

    def flush(self, batch: list[Record]) -> None:
        if not batch:
            return
        fresh: dict[str, tuple[Record, str]] = {}
        for rec in batch:
            digest = store.sha(rec.text)
            if rec.id in fresh:
                if fresh[rec.id][1] == digest:
                    self.skipped += 1
                else:
                    self.problem(rec.where, f"id {rec.id!r} appears again with a different text "
                                            f"(first at {fresh[rec.id][0].where})")
                continue
            fresh[rec.id] = (rec, digest)
        stored = dict(self.con.execute("SELECT id, sha FROM documents WHERE id IN (SELECT unnest(?))",
                                       [list(fresh)]).fetchall())
        stored.update((i, self._pending_ids[i]) for i in fresh if i in self._pending_ids)
        new: list[tuple[Record, str]] = []
        for doc_id, (rec, digest) in fresh.items():
            if doc_id not in stored:
                new.append((rec, digest))
            elif stored[doc_id] == digest:
                self.skipped += 1
            else:
                self.problem(rec.where, f"id {doc_id!r} is already in the store with a different text")
        try:
            submitted = self._submit(new) if new else None
        except BaseException:  # an interruption keeps every complete batch
            self.finish()
            raise
        self.finish()  # the previous batch, while the workers fingerprint this one
        if submitted is not None:
            self._pending = submitted
            self._pending_ids = {r.id: d for r, d in new}
        self.advance(len(batch) - (len(new) if new else 0))

    def _plan(self) -> _Plan:
        cfg = self.config
        return _Plan(cfg.ngram, cfg.num_perm, cfg.seed, cfg.batch_size, cfg.encoder if self._vectors else None,
                     self._stop)

    def _submit(self, new: list[tuple[Record, str]]) -> tuple[list[tuple[Record, str]], Callable[[], list[Any]]]:
        plan = self._plan()
        return new, split_submit(self.executor, _fingerprints, [r.text for r, _ in new], plan,
                                 parts=self.config.workers), plan

    def finish(self) -> None:
        """Write the pending batch, if any."""
        if self._pending is None:
            return
        new, gather, plan = self._pending
        self._pending, self._pending_ids = None, {}
        results = gather()
        self._write(new, plan, [np.concatenate([r[i] for r in results]) for i in range(len(results[0]))])
        self.advance(len(new))
        if self.config.unigrams and self._stop is None and store.count(self.con) >= self.config.stopword_sample:
            # the store now has a full sample: the stop list is final, later batches get unigram signatures
            stoplist.stoplist(self.con, self.config, self.config.stopword_sample)
            self._stop = stoplist.final(self.con, self.config)

    def _write(self, new: list[tuple[Record, str]], plan: _Plan, results: list[np.ndarray]) -> None:
        import pyarrow as pa

        cfg = self.config
        sigs, sizes, keys, *more = results
        texts = [r.text for r, _ in new]
        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        self.con.execute("BEGIN TRANSACTION")
        try:
            first = store.next_seq(self.con)
            seqs = np.arange(first, first + len(new), dtype=np.int64)
            docs = pa.table({
                "seq": seqs, "id": [r.id for r, _ in new], "text": texts,
                "url": pa.array([r.url for r, _ in new], pa.string()),
                "date": pa.array([r.date for r, _ in new], pa.string()),
                "source": pa.array([r.source for r, _ in new], pa.string()),
                "length": pa.array([len(t) for t in texts], pa.int32()),
                "sha": [d for _, d in new], "text_key": keys,
                "added_at": pa.array([now] * len(new), pa.timestamp("us")),
                "title": pa.array([r.title for r, _ in new], pa.string()),
                "author": pa.array([r.author for r, _ in new], pa.string()),
            })
            kinds = [("ngram", ngram_params(cfg), sigs, sizes)]
            if plan.encoder is not None:
                vecs = more.pop(0)
            if plan.stop is not None:
                kinds.append(("unigram", stoplist.unigram_params(cfg, plan.stop), more[0], more[1]))
            sig_table = pa.concat_tables([pa.table({
                "seq": seqs, "kind": [kind] * len(new), "params": [params] * len(new),
                "n_shingles": pa.array(n_sh, pa.int32()), "sig": store.array_to_blobs(sig),
            }) for kind, params, sig, n_sh in kinds])
            self.con.register("_new_docs", docs)
            self.con.register("_new_sigs", sig_table)
            self.con.execute("INSERT INTO documents BY NAME SELECT * FROM _new_docs")
            self.con.execute("INSERT INTO signatures SELECT * FROM _new_sigs")
            if plan.encoder is not None:
                self.con.register("_new_vecs", pa.table({"seq": seqs, "model": [plan.encoder] * len(new),
                                                         "vec": store.array_to_blobs(vecs)}))
                self.con.execute("INSERT INTO embeddings SELECT * FROM _new_vecs")
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        finally:
            for name in ("_new_docs", "_new_sigs", "_new_vecs"):
                try:
                    self.con.unregister(name)
                except Exception:  # noqa: BLE001 - not registered when insert failed early
                    pass
        self.added += len(new)


def add_documents(store_path: str, inputs: Iterable[str] = (), *, fmt: str = "auto", on_error: str = "fail",
                  config: ClusterConfig | None = None, reporter: Reporter | None = None,
                  batch_size: int = 1000, urls: Iterable[str] = (),
                  allow_private_urls: bool | Iterable[str] = False) -> AddSummary:
    """Add the documents of ``inputs`` and of the URL files ``urls`` to the store at ``store_path`` (created if absent).

    Args:
        store_path: the DuckDB file.
        inputs: directories, JSONL, CSV or Parquet files.
        fmt: ``auto`` (from each path), ``dir``, ``jsonl``, ``csv`` or ``parquet``.
        urls: files of URLs, one per line (``#`` comments): each page is fetched behind the SSRF
            guard of :func:`storydiff.read.fetch`; its id is the URL as written, its ``url`` the final
            one, with the title, date and author the page gives. A page that cannot be fetched or read
            is a problem (``file:line: …``) like any bad input.
        allow_private_urls: allow intranet addresses (loopback, RFC 1918, unique-local) for ``urls``,
            or a list of networks to allow; off by default.
        on_error: ``fail`` (raise on the first problem) or ``skip`` (report and go on).
        config: signature settings (n-gram size, permutations, seed).
        reporter: progress and problem reporting (silent by default).
        batch_size: documents per transaction.

    Raises:
        CorpusError: on a problem with ``on_error="fail"``, or an unusable input path.
    """
    if on_error not in ("fail", "skip"):
        raise OptionError(f"on_error must be 'fail' or 'skip' (got {on_error!r})")
    config = config or ClusterConfig()
    reporter = reporter or Reporter()
    start = time.perf_counter()
    sources = [(str(p), fmt) for p in inputs] + [(str(p), "urls") for p in urls]
    if not sources:
        raise OptionError("nothing to add: pass an input (directory, JSONL, CSV, Parquet) or a file of URLs")
    with pool(config.workers) as executor:
        return _add(store_path, sources, on_error, config, reporter, batch_size, executor, start,
                    allow_private_urls)


def _add(store_path: str, sources: list[tuple[str, str]], on_error: str, config: ClusterConfig,
         reporter: Reporter, batch_size: int, executor: Any, start: float,
         allow_private_urls: bool | Iterable[str]) -> AddSummary:
    with store.session(store_path, create=True) as con:
        # DuckDB's automatic checkpoint (every 16 MB of log) re-serialises the whole unique
        # index on document ids, so adding got slower as the store grew (duckdb#24848);
        # committed batches stay durable in the write-ahead log until the checkpoint at the end
        con.execute(f"SET checkpoint_threshold = '{CHECKPOINT_EVERY}'")
        counts = [count_records(path, fmt) for path, fmt in sources]
        total = None if None in counts else sum(c for c in counts if c is not None)
        with reporter.task("adding documents", total) as advance:
            adder = _Adder(con, on_error=on_error, config=config, reporter=reporter, advance=advance,
                           executor=executor)
            for path, fmt in sources:
                batch: list[Record] = []
                for item in read_input(path, fmt, allow_private_urls=allow_private_urls):
                    if isinstance(item, Problem):
                        adder.problem(item.where, item.message)
                        continue
                    batch.append(item)
                    if len(batch) >= batch_size:
                        adder.flush(batch)
                        batch = []
                adder.flush(batch)
            adder.finish()
        con.execute("CHECKPOINT")
        total = store.count(con)
    return AddSummary(adder.added, adder.skipped, adder.errors, total, time.perf_counter() - start,
                      tuple(adder.problems))
