"""The local store of comparisons the page made: one SQLite file, kept until deleted.

Each result keeps the ``storydiff.comparison/1`` document (every change,
zlib-compressed), the severity floor the page showed, and what the user
typed (texts, names, web addresses), so that "New comparison" can refill the
form. A result stays until the user deletes it; when the results together
pass ``max_bytes`` (compressed), the oldest are removed first, so the file
cannot grow without bound. ``path=None`` keeps the store in memory (tests,
and ``storydiff serve --no-store``).
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from storydiff.errors import OptionError

#: File name of the store inside the data folder.
FILENAME = "storydiff-web.sqlite3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    id TEXT PRIMARY KEY,
    created TEXT NOT NULL,            -- ISO 8601, UTC
    a_label TEXT NOT NULL,
    b_label TEXT NOT NULL,
    min_severity TEXT,
    summary TEXT NOT NULL,            -- JSON object of counts
    n_changes INTEGER NOT NULL,
    inputs BLOB NOT NULL,             -- zlib(JSON): what was typed, to refill the form
    comparison BLOB NOT NULL,         -- zlib(JSON): the storydiff.comparison/1 document
    size INTEGER NOT NULL             -- bytes of the two blobs
);
CREATE INDEX IF NOT EXISTS results_created ON results (created);
"""


@dataclass(frozen=True, slots=True)
class Entry:
    """One kept result, without its documents (for lists)."""

    id: str
    created: str
    a_label: str
    b_label: str
    min_severity: str | None
    summary: dict[str, int]
    n_changes: int
    size: int

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "created": self.created, "a": self.a_label, "b": self.b_label,
                "min_severity": self.min_severity, "changes": self.n_changes, "summary": self.summary,
                "size": self.size, "url": f"/r/{self.id}", "json": f"/r/{self.id}.json"}


class ResultStore:
    """Comparisons kept in SQLite, bounded by total (compressed) size.

    Args:
        path: the database file; its folder is created. None: in memory.
        max_bytes: when the kept results pass this size, the oldest go.

    Raises:
        OptionError: the file cannot be opened or is not a storydiff store.
    """

    def __init__(self, path: Path | None, *, max_bytes: int = 500_000_000) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        try:
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(":memory:" if path is None else str(path), check_same_thread=False,
                                       isolation_level=None)
            if path is not None:
                self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as e:
            where = path if path is not None else "memory"
            raise OptionError(f"cannot open the result store {where} ({e}); choose another folder with "
                              "--data-dir, or move the damaged file away") from None

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def put(self, comparison: dict[str, Any], *, inputs: dict[str, Any], min_severity: str | None) -> str:
        """Keep a comparison; returns its new id (16 URL-safe characters, unguessable)."""
        rid = secrets.token_urlsafe(12)
        blob = zlib.compress(json.dumps(comparison, ensure_ascii=False).encode(), 6)
        typed = zlib.compress(json.dumps(inputs, ensure_ascii=False).encode(), 6)
        a, b = comparison["documents"]
        row = (rid, datetime.now(UTC).isoformat(timespec="seconds"), _label(a), _label(b), min_severity,
               json.dumps(comparison["summary"]), len(comparison["changes"]), typed, blob, len(blob) + len(typed))
        with self._tx() as db:
            db.execute("INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
            self._trim(db, keep=rid)
        return rid

    def _trim(self, db: sqlite3.Connection, keep: str) -> None:
        total = db.execute("SELECT COALESCE(SUM(size), 0) FROM results").fetchone()[0]
        while total > self.max_bytes:
            oldest = db.execute("SELECT id, size FROM results WHERE id != ? ORDER BY created, rowid LIMIT 1",
                                (keep,)).fetchone()
            if oldest is None:
                break
            db.execute("DELETE FROM results WHERE id = ?", (oldest[0],))
            total -= oldest[1]

    def get(self, rid: str) -> tuple[Entry, dict[str, Any], dict[str, Any]] | None:
        """The entry, its comparison document and the typed inputs; None when not kept."""
        with self._lock:
            row = self._db.execute(f"SELECT {_ENTRY_COLUMNS}, comparison, inputs FROM results WHERE id = ?",
                                   (rid,)).fetchone()
        if row is None:
            return None
        return (_entry(row), json.loads(zlib.decompress(row[-2])), json.loads(zlib.decompress(row[-1])))

    def delete(self, rid: str) -> bool:
        """Remove a result; False when there was none."""
        with self._tx() as db:
            return db.execute("DELETE FROM results WHERE id = ?", (rid,)).rowcount > 0

    def entries(self, limit: int = 200) -> list[Entry]:
        """The most recent results first."""
        with self._lock:
            rows = self._db.execute(f"SELECT {_ENTRY_COLUMNS} FROM results ORDER BY created DESC, rowid DESC "
                                    "LIMIT ?", (limit,)).fetchall()
        return [_entry(r) for r in rows]

    def usage(self) -> tuple[int, int]:
        """(number of results, their total size in bytes)."""
        with self._lock:
            n, size = self._db.execute("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM results").fetchone()
        return int(n), int(size)

    def close(self) -> None:
        with self._lock:
            self._db.close()


_ENTRY_COLUMNS = "id, created, a_label, b_label, min_severity, summary, n_changes, size"


def _entry(row: tuple[Any, ...]) -> Entry:
    return Entry(id=row[0], created=row[1], a_label=row[2], b_label=row[3], min_severity=row[4],
                 summary=json.loads(row[5]), n_changes=row[6], size=row[7])


def _label(doc: dict[str, Any]) -> str:
    return str(doc.get("title") or doc.get("source") or doc.get("id") or "?")[:200]
