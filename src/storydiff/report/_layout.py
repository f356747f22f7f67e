"""The reading order every human-facing renderer shares.

Renderers show the two versions aligned group by group in the order of the
first version (A). Sentences only B has, and the B position of moved runs,
have no place in that order, so this module gives them one: right after the
row of the group that precedes them in B. Built from the JSON document
(``Comparison.to_dict()``) alone, so a saved report renders the same way.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

from storydiff.model import Severity, Verdict

SEVERITIES = tuple(s.value for s in Severity)
VERDICTS = tuple(v.value for v in Verdict)


def verdicts_of(summary: dict[str, Any]) -> tuple[str, ...]:
    """The verdicts a summary lists: all but ``translated`` (pairs across languages no check could fault),
    which is listed only when a comparison has such pairs."""
    return tuple(v for v in VERDICTS if v != Verdict.TRANSLATED or summary.get(v))


def doc_language(doc: dict[str, Any]) -> str | None:
    """The document's language for headers ("Russian"), or None when unknown."""
    from storydiff.language import language_name

    code = doc.get("language")
    return language_name(code) if code else None


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the side-by-side view.

    Attributes:
        kind: ``"group"`` (an aligned group), ``"removed"`` (a sentence only
            A has), ``"added"`` (a sentence only B has) or ``"moved-here"``
            (the B position of a moved run, pointing back to its A rows).
        a, b: sentence indices shown on each side (empty on the side that
            has nothing).
        groups: the aligned groups the row stands for (one for ``group``
            rows, the whole run for ``moved-here`` rows).
        id: a stable anchor name (``g12``, ``ra3``, ``rb5``, ``mv12``).
    """

    kind: str
    a: tuple[int, ...]
    b: tuple[int, ...]
    groups: tuple[int, ...]
    id: str


@dataclass(frozen=True, slots=True)
class Layout:
    """Rows in reading order plus the look-ups renderers need."""

    data: dict[str, Any]
    rows: tuple[Row, ...]
    change_row: dict[int, str]  # change index -> row id
    row_changes: dict[str, tuple[int, ...]]  # row id -> change indices
    placeholder_of: dict[int, str]  # moved group index -> id of its moved-here row
    run_of: dict[int, tuple[int, ...]]  # moved group index -> the whole run
    row_by_id: dict[str, Row]

    @property
    def a(self) -> dict[str, Any]:
        return self.data["documents"][0]

    @property
    def b(self) -> dict[str, Any]:
        return self.data["documents"][1]

    def doc(self, side: str) -> dict[str, Any]:
        return self.a if side == "a" else self.b

    def text(self, side: str, indices: tuple[int, ...]) -> str:
        """The document text covering the given consecutive sentences."""
        doc = self.doc(side)
        sents = doc["sentences"]
        return str(doc["text"][sents[indices[0]]["start"] : sents[indices[-1]]["end"]])

    def bounds(self, side: str, indices: tuple[int, ...]) -> tuple[int, int]:
        sents = self.doc(side)["sentences"]
        return sents[indices[0]]["start"], sents[indices[-1]]["end"]

    def where(self, side: str, index: int) -> str:
        """Human position of a sentence: ``§3 (sentence 12)``, 1-based, with its page in a paginated document."""
        doc = self.doc(side)
        sent = doc["sentences"][index]
        page = f"p. {bisect_right(doc['pages'], sent['start'])}, " if doc.get("pages") else ""
        return f"{page}§{sent['paragraph'] + 1} (sentence {index + 1})"

    def paragraph(self, side: str, index: int) -> int:
        return int(self.doc(side)["sentences"][index]["paragraph"])

    def sentence_at(self, side: str, offset: int) -> int | None:
        """Index of the sentence of ``side`` holding character ``offset``, if any."""
        doc = self.doc(side)
        return _sentence_at(doc, [s["start"] for s in doc["sentences"]], offset)


def _moved_runs(groups: list[dict[str, Any]]) -> list[tuple[int, ...]]:
    """Maximal runs of moved groups, consecutive in A and contiguous in B."""
    runs: list[list[int]] = []
    for gi, g in enumerate(groups):
        if not g["moved"]:
            continue
        if runs and runs[-1][-1] == gi - 1 and groups[gi - 1]["b"][-1] + 1 == g["b"][0]:
            runs[-1].append(gi)
        else:
            runs.append([gi])
    return [tuple(r) for r in runs]


def _skeleton(data: dict[str, Any]) -> list[Row]:
    """Rows in A order: aligned groups and removed sentences."""
    groups = data["alignment"]
    first_of = {g["a"][0]: gi for gi, g in enumerate(groups) if g["a"]}
    in_group = {i for g in groups for i in g["a"]}
    rows: list[Row] = []
    for i in range(len(data["documents"][0]["sentences"])):
        if i in first_of:
            gi = first_of[i]
            rows.append(Row("group", tuple(groups[gi]["a"]), tuple(groups[gi]["b"]), (gi,), f"g{gi}"))
        elif i not in in_group:
            rows.append(Row("removed", (i,), (), (), f"ra{i}"))
    return rows


def _place_b_only(data: dict[str, Any], skeleton: list[Row]) -> tuple[list[Row], dict[int, str], dict[int, tuple[int, ...]]]:
    """Insert added sentences and moved-here markers after their B predecessor."""
    groups = data["alignment"]
    runs = _moved_runs(groups)
    run_of = {gi: run for run in runs for gi in run}
    row_pos = {row.groups[0]: k for k, row in enumerate(skeleton) if row.kind == "group"}
    b_first = {g["b"][0]: gi for gi, g in enumerate(groups) if g["b"]}
    in_group = {j for g in groups for j in g["b"]}
    inserts: dict[int, list[Row]] = {}
    placeholder_of: dict[int, str] = {}
    anchor = -1  # skeleton index the next B-only row follows; -1 = before everything
    for j in range(len(data["documents"][1]["sentences"])):
        if j in b_first:
            gi = b_first[j]
            run = run_of.get(gi)
            if run is None:
                anchor = row_pos[gi]
            elif run[0] == gi:
                bs = tuple(j2 for g2 in run for j2 in groups[g2]["b"])
                row = Row("moved-here", (), bs, run, f"mv{gi}")
                inserts.setdefault(anchor, []).append(row)
                for g2 in run:
                    placeholder_of[g2] = row.id
        elif j not in in_group:
            inserts.setdefault(anchor, []).append(Row("added", (), (j,), (), f"rb{j}"))
    rows = list(inserts.get(-1, []))
    for k, row in enumerate(skeleton):
        rows.append(row)
        rows.extend(inserts.get(k, []))
    return rows, placeholder_of, run_of


def _sentence_at(doc: dict[str, Any], starts: list[int], offset: int) -> int | None:
    sents = doc["sentences"]
    k = bisect_right(starts, offset) - 1
    if 0 <= k < len(sents) and offset < max(sents[k]["end"], sents[k]["start"] + 1):
        return k
    return None


def _row_for_change(change: dict[str, Any], data: dict[str, Any], starts: tuple[list[int], list[int]],
                    by_a: dict[int, str], by_b: dict[int, str]) -> str | None:
    """The row a change belongs to: its group, else the sentence its span starts in."""
    gi = change.get("group")
    if isinstance(gi, int) and 0 <= gi < len(data["alignment"]):
        return f"g{gi}"
    if change.get("a"):
        i = _sentence_at(data["documents"][0], starts[0], change["a"]["start"])
        if i is not None and i in by_a:
            return by_a[i]
    if change.get("b"):
        j = _sentence_at(data["documents"][1], starts[1], change["b"]["start"])
        if j is not None and j in by_b:
            return by_b[j]
    return None


def _covered_rows(change: dict[str, Any], data: dict[str, Any], starts: tuple[list[int], list[int]],
                  by_a: dict[int, str], by_b: dict[int, str]) -> list[str]:
    """Rows of every sentence a change's span reaches, on the side it names first."""
    for k, (side, rows) in enumerate((("a", by_a), ("b", by_b))):
        span = change.get(side)
        if not span:
            continue
        doc = data["documents"][k]
        first = _sentence_at(doc, starts[k], span["start"])
        last = _sentence_at(doc, starts[k], max(span["end"] - 1, span["start"]))
        if first is None or last is None:
            return []
        return [rows[i] for i in range(first, last + 1) if i in rows]
    return []


def build_layout(data: dict[str, Any]) -> Layout:
    """Lay out a ``storydiff.comparison/1`` document for side-by-side reading.

    Args:
        data: the dict from ``Comparison.to_dict()``.

    Returns:
        The rows in A order (B-only rows after their B predecessor) and the
        look-ups from changes to rows.
    """
    rows, placeholder_of, run_of = _place_b_only(data, _skeleton(data))
    by_a: dict[int, str] = {}
    by_b: dict[int, str] = {}
    for row in rows:
        if row.kind != "moved-here":
            by_a.update({i: row.id for i in row.a})
            by_b.update({j: row.id for j in row.b})
    starts = ([s["start"] for s in data["documents"][0]["sentences"]],
              [s["start"] for s in data["documents"][1]["sentences"]])
    change_row: dict[int, str] = {}
    row_changes: dict[str, list[int]] = {}
    for ci, change in enumerate(data["changes"]):
        rid = _row_for_change(change, data, starts, by_a, by_b)
        if rid is None:
            continue
        change_row[ci] = rid
        covered = [rid]
        if change.get("group") is None:  # a removed/added/moved record may span several rows
            covered += _covered_rows(change, data, starts, by_a, by_b)
        for r in dict.fromkeys(covered):
            row_changes.setdefault(r, []).append(ci)
    return Layout(
        data=data,
        rows=tuple(rows),
        change_row=change_row,
        row_changes={k: tuple(v) for k, v in row_changes.items()},
        placeholder_of=placeholder_of,
        run_of=run_of,
        row_by_id={row.id: row for row in rows},
    )


def severity_order(changes: list[dict[str, Any]]) -> list[int]:
    """Change indices, most severe first, document order within a severity."""
    return sorted(range(len(changes)), key=lambda ci: (-Severity(changes[ci]["severity"]).rank, ci))


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``"1 change"``, ``"3 changes"``."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def visible(change: dict[str, Any], min_severity: str | None) -> bool:
    """Whether a change is at or above the severity floor (None: everything)."""
    return Severity(change["severity"]).at_least(min_severity)


def severity_counts(changes: list[dict[str, Any]]) -> dict[str, int]:
    counts = dict.fromkeys(SEVERITIES, 0)
    for c in changes:
        counts[c["severity"]] = counts.get(c["severity"], 0) + 1
    return counts


def category_counts(changes: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for c in changes:
        counts[c["category"]] = counts.get(c["category"], 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def doc_label(doc: dict[str, Any]) -> str:
    """Title, else source, else id: how a document is named in headers."""
    return str(doc.get("title") or doc.get("source") or doc.get("id") or "?")
