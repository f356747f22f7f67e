"""The corpus store: one DuckDB file with plain, documented tables.

DuckDB because it reads Parquet, JSONL and CSV natively, runs vectorised SQL
(joins, group-bys) over millions of rows without a server, moves data to and
from numpy through Arrow without copies per row, and keeps the whole corpus
in one file that users can query with SQL (``duckdb corpus.db``).

Tables (``seq`` is the document's position, assigned on insertion; numpy
arrays in the engine are indexed by it):

``documents(seq, id, text, url, date, source, length, sha, text_key, added_at, title, author)``
    one row per document; ``sha`` is the SHA-256 of ``text`` (idempotent
    re-adds), ``text_key`` the exact-copy key of its words; ``url`` is where a
    fetched page was finally read, ``title`` and ``author`` what the page or file names.
``signatures(seq, kind, params, n_shingles, sig)``
    MinHash signatures, ``sig`` = ``num_perm`` little-endian uint32 as a BLOB;
    ``kind`` is ``ngram`` or ``unigram``; ``params`` says how it was made
    (n, permutations, seed, stop-list digest) so a changed setting recomputes.
``embeddings(seq, model, vec)``
    document vectors, ``vec`` = float16 little-endian BLOB (before centring).
``settings(key, value)``
    the stop list and the last run's configuration (JSON).
``pairs(a, b, method, jaccard, cosine, aligned_share, verified, relation)``
    checked candidate pairs of the last ``cluster`` run (document ids); ``relation``
    of a verified pair: ``same`` (one text) or ``contained`` (the shorter inside the longer).
``clusters(cluster_id, doc_id, is_origin, origin_reason)``
    one row per member of every cluster with at least two members; the
    reason says how the origin was chosen, or why none could be.
``stemmas(members_key, cluster_id, members, origin, origin_reason, roots, hypothetical, unrelated, method, seconds, computed_at)``
    one row per collated cluster (``corpus stemma``), keyed by its members
    (:func:`members_key`), so a stemma stays valid while a rerun of ``cluster``
    gives the cluster the same members; lists are JSON text.
``stemma_edges(members_key, source, copy, kind, confidence, decided_by, evidence, changes)``
    the edges of each stored stemma: ``source`` → ``copy`` (document ids, or
    ``lost-N`` for a lost version), ``kind`` (``copy``, ``second source``,
    ``hypothetical``); ``decided_by``, ``evidence`` and ``changes`` are JSON text.

``settings.format`` is the layout's version: a store of an earlier layout is
brought up to date when opened for writing (read as it is otherwise), one of
a later layout is refused with an error that names the fix.

Writes happen in transactions per batch, so an interrupted ``add`` leaves
only complete batches and a rerun continues where it stopped.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from storydiff.errors import CorpusError
from storydiff.model import Document

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    seq BIGINT PRIMARY KEY, id VARCHAR NOT NULL UNIQUE, text VARCHAR NOT NULL,
    url VARCHAR, date VARCHAR, source VARCHAR, length INTEGER NOT NULL,
    sha VARCHAR NOT NULL, text_key BIGINT NOT NULL, added_at TIMESTAMP NOT NULL, title VARCHAR, author VARCHAR);
CREATE TABLE IF NOT EXISTS signatures (
    seq BIGINT NOT NULL, kind VARCHAR NOT NULL, params VARCHAR NOT NULL,
    n_shingles INTEGER NOT NULL, sig BLOB NOT NULL, PRIMARY KEY (seq, kind));
CREATE TABLE IF NOT EXISTS embeddings (
    seq BIGINT PRIMARY KEY, model VARCHAR NOT NULL, vec BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS settings (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS pairs (
    a VARCHAR NOT NULL, b VARCHAR NOT NULL, method VARCHAR NOT NULL, jaccard REAL,
    cosine REAL, aligned_share REAL, verified BOOLEAN NOT NULL, relation VARCHAR);
CREATE TABLE IF NOT EXISTS clusters (
    cluster_id VARCHAR NOT NULL, doc_id VARCHAR NOT NULL, is_origin BOOLEAN NOT NULL, origin_reason VARCHAR);
CREATE TABLE IF NOT EXISTS stemmas (
    members_key VARCHAR PRIMARY KEY, cluster_id VARCHAR NOT NULL, members INTEGER NOT NULL, origin VARCHAR,
    origin_reason VARCHAR NOT NULL, roots VARCHAR NOT NULL, hypothetical VARCHAR NOT NULL, unrelated VARCHAR NOT NULL,
    method VARCHAR NOT NULL, seconds REAL NOT NULL, computed_at TIMESTAMP NOT NULL);
CREATE TABLE IF NOT EXISTS stemma_edges (
    members_key VARCHAR NOT NULL, source VARCHAR NOT NULL, copy VARCHAR NOT NULL, kind VARCHAR NOT NULL,
    confidence REAL NOT NULL, decided_by VARCHAR NOT NULL, evidence VARCHAR NOT NULL, changes VARCHAR NOT NULL);
"""
#: what earlier versions' stores lack, added when such a store is opened for writing
MIGRATIONS = ("ALTER TABLE clusters ADD COLUMN IF NOT EXISTS origin_reason VARCHAR",
              "ALTER TABLE pairs ADD COLUMN IF NOT EXISTS relation VARCHAR",
              "ALTER TABLE documents ADD COLUMN IF NOT EXISTS title VARCHAR",
              "ALTER TABLE documents ADD COLUMN IF NOT EXISTS author VARCHAR")
#: the store layout this code writes; a store of a later layout is refused
FORMAT = 3
#: the tables every corpus store has (the stemma tables appear when a store is opened for writing)
TABLES = ("documents", "signatures", "embeddings", "settings", "pairs", "clusters")


#: DuckDB's own memory cap per connection (buffer pool, spills to disk beyond it)
MEMORY_LIMIT = "1GB"


def connect(store_path: str, *, create: bool = False, read_only: bool = False) -> Any:
    """An open DuckDB connection to the store (schema ensured when writable).

    Raises:
        CorpusError: no store there (unless ``create``), a directory, a file that is not a
            usable store (damaged, truncated, or another kind of file), or a store of a later layout.
    """
    import duckdb

    p = Path(store_path)
    if p.is_dir():
        raise CorpusError(f"{store_path!r} is a directory; the store is one DuckDB file, e.g. corpus.db")
    if not create and not p.is_file():
        raise CorpusError(f"no corpus store at {store_path!r}; create one with `storydiff corpus add {store_path} INPUT`")
    fresh = not p.exists() or (create and p.stat().st_size == 0)
    try:
        con = duckdb.connect(str(p), read_only=read_only)
    except duckdb.Error as e:
        raise damaged(store_path, e) from None
    try:
        # DuckDB draws its own progress bar on long queries; ours are the rich ones
        con.execute("SET enable_progress_bar = false")
        # DuckDB's buffer pool may otherwise grow to 80% of RAM while a million texts
        # stream through it (4 GB resident during one `corpus add`); it spills beyond this
        con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        _check_layout(con, store_path, fresh=fresh, writable=not read_only)
    except duckdb.Error as e:
        con.close()
        raise damaged(store_path, e) from None
    except BaseException:
        con.close()
        raise
    return con


@contextlib.contextmanager
def session(store_path: str, *, create: bool = False, read_only: bool = False) -> Iterator[Any]:
    """:func:`connect`, closed at the end; a read that finds the file damaged raises :func:`damaged`.

    A truncated store opens, and fails only when a query reaches a missing block.
    """
    import duckdb

    con = connect(store_path, create=create, read_only=read_only)
    try:
        yield con
    except _damage_errors(duckdb) as e:
        raise damaged(store_path, e) from None
    finally:
        con.close()


def _damage_errors(duckdb: Any) -> tuple[type[BaseException], ...]:
    names = ("IOException", "InternalException", "SerializationException")
    return tuple(getattr(duckdb, n) for n in names if hasattr(duckdb, n))


def damaged(store_path: str, error: BaseException) -> CorpusError:
    """The error for a file that is not a usable store (what happened, and what to do)."""
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return CorpusError(f"the corpus store {store_path!r} is damaged or not a corpus store ({first}); "
                       "restore it from a copy, or move it aside and rebuild it with `storydiff corpus add`")


def _check_layout(con: Any, store_path: str, *, fresh: bool, writable: bool) -> None:
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if not fresh and not set(TABLES) <= tables:
        missing = ", ".join(sorted(set(TABLES) - tables))
        raise CorpusError(f"{store_path!r} is a DuckDB file but not a corpus store (no table {missing}); "
                          "pass the store made by `storydiff corpus add`, or a new file name to make one")
    if not fresh:
        made = get_setting(con, "format")
        if made is not None and int(made) > FORMAT:
            raise CorpusError(f"the corpus store {store_path!r} was made by a newer storydiff (layout {made}, "
                              f"this version reads up to {FORMAT}); upgrade storydiff")
    if writable:
        con.execute(SCHEMA)
        for sql in MIGRATIONS:
            con.execute(sql)
        set_setting(con, "format", str(FORMAT))


def members_key(ids: Iterable[str]) -> str:
    """The key of a set of documents: SHA-256 of their ids, sorted, one per line.

    The same as the SQL ``sha256(string_agg(doc_id, chr(10) ORDER BY doc_id))`` over a cluster's rows.
    """
    return hashlib.sha256("\n".join(sorted(ids)).encode("utf-8", "surrogatepass")).hexdigest()


#: each cluster's :func:`members_key`, computed in SQL over the clusters table
CLUSTER_KEYS = ("SELECT cluster_id, sha256(string_agg(doc_id, chr(10) ORDER BY doc_id)) AS members_key "
                "FROM clusters GROUP BY cluster_id")


def apply_stemmas(con: Any) -> int:
    """Let every stored stemma decide the origin of the cluster with its members; returns how many clusters.

    A rerun of ``corpus cluster`` writes origins from dates; a stemma stored for the same members
    (by ``corpus stemma``) replaces them, so the origin a user sees never depends on the order of the commands.
    """
    if not has_table(con, "stemmas"):
        return 0
    con.execute(f"""
        UPDATE clusters SET is_origin = coalesce(clusters.doc_id = s.origin, false), origin_reason = s.origin_reason
        FROM ({CLUSTER_KEYS}) k JOIN stemmas s ON s.members_key = k.members_key
        WHERE clusters.cluster_id = k.cluster_id""")
    return int(con.execute(f"SELECT count(*) FROM ({CLUSTER_KEYS}) k JOIN stemmas s USING (members_key)"
                           ).fetchall()[0][0])


def has_table(con: Any, table: str) -> bool:
    """The store has this table (a store of an earlier layout opened read-only may lack one)."""
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                            [table]).fetchall()[0][0])


def sha(text: str) -> str:
    """SHA-256 hex digest of a text (how re-adds are recognised)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def count(con: Any) -> int:
    return int(con.execute("SELECT count(*) FROM documents").fetchall()[0][0])


def next_seq(con: Any) -> int:
    return int(con.execute("SELECT coalesce(max(seq) + 1, 0) FROM documents").fetchall()[0][0])


def get_setting(con: Any, key: str) -> str | None:
    rows = con.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchall()
    return str(rows[0][0]) if rows else None


def set_setting(con: Any, key: str, value: str) -> None:
    con.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", [key, value])


def blobs_to_array(column: Any, dtype: Any, width: int) -> np.ndarray:
    """A pyarrow binary column of fixed-size blobs → ``(n, width)`` numpy array."""
    import pyarrow as pa

    col = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    n = len(col)
    if n == 0:
        return np.zeros((0, width), dtype=dtype)
    if col.type != pa.binary():
        col = col.cast(pa.binary())
    offsets = np.frombuffer(col.buffers()[1], dtype=np.int32)[col.offset : col.offset + n + 1]
    item = np.dtype(dtype).itemsize * width
    if not (np.diff(offsets) == item).all():
        raise CorpusError(f"the store holds blobs of unexpected size (expected {item} bytes); rerun `corpus cluster`")
    data = np.frombuffer(col.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    return data.view(dtype).reshape(n, width).copy()


def array_to_blobs(arr: np.ndarray) -> Any:
    """``(n, width)`` numpy array → pyarrow binary array, one blob per row (little-endian)."""
    import pyarrow as pa

    arr = np.ascontiguousarray(arr.astype(arr.dtype.newbyteorder("<"), copy=False))
    n = arr.shape[0]
    width = arr[0].nbytes if n else 0
    offsets = pa.py_buffer((np.arange(n + 1, dtype=np.int32) * width).tobytes())
    return pa.Array.from_buffers(pa.binary(), n, [None, offsets, pa.py_buffer(arr.tobytes())])


def load_document(store_path: str, doc_id: str) -> Document:
    """The stored document ``doc_id`` as a :class:`Document` (for ``compare --corpus``)."""
    with session(store_path, read_only=True) as con:
        docs = load_documents(con, store_path, [doc_id])
    if not docs:
        raise CorpusError(f"no document with id {doc_id!r} in the corpus store {store_path!r}; "
                          f"list ids with: duckdb {store_path} \"SELECT id FROM documents\"")
    return docs[0]


def load_documents(con: Any, store_path: str, ids: Iterable[str]) -> list[Document]:
    """The stored documents with these ids, as :class:`Document` (in the order of ``ids``; absent ids left out)."""
    from types import MappingProxyType

    want = list(ids)
    extra = ", title, author" if _has_column(con, "documents", "title") else ", NULL, NULL"
    rows = {r[0]: r for r in con.execute(f"SELECT id, text, url, date, source{extra} FROM documents "
                                         "WHERE id IN (SELECT unnest(?))", [want]).fetchall()}
    out = []
    for i in want:
        if i not in rows:
            continue
        _, text, url, date, source, title, author = rows[i]
        meta = {k: v for k, v in (("url", url), ("author", author)) if v}
        out.append(Document(id=i, source=source or f"{store_path}#{i}", text=text, date=date, title=title,
                            meta=MappingProxyType(meta)))
    return out


def _has_column(con: Any, table: str, column: str) -> bool:
    return column in {r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()}



def query_arrow(con: Any, sql: str, params: list[Any] | None = None) -> Any:
    """A read query's rows as one pyarrow Table (through a relation: no extra copy)."""
    rel = con.sql(sql, params=params or None)
    for name in ("to_arrow_table", "fetch_arrow_table", "arrow"):
        if hasattr(rel, name):
            return getattr(rel, name)()
    raise CorpusError("this DuckDB has no Arrow export; install duckdb>=1.1")  # pragma: no cover


def query_batches(con: Any, sql: str, params: list[Any] | None = None, rows: int = 1000) -> Any:
    """A read query's rows as an iterator of pyarrow RecordBatches of about ``rows`` rows."""
    rel = con.sql(sql, params=params or None)
    for name in ("to_arrow_reader", "fetch_arrow_reader", "fetch_record_batch"):
        if hasattr(rel, name):
            return getattr(rel, name)(rows)
    raise CorpusError("this DuckDB has no Arrow export; install duckdb>=1.1")  # pragma: no cover
