"""Which member of a cluster is its origin, and why (or why none can be named).

One place decides: :func:`cluster_origin`. When the cluster's members have been
collated (``corpus stemma``, :mod:`storydiff.corpus.stemma_run`), the stemma
decides: ``storydiff.stemma_of(documents).origin()`` names its root when the
evidence supports one (the collation weighs the members' dates too), else no
origin, with the stemma's reason. Otherwise the dates decide. Collating is
asked for, not automatic: it costs far more than clustering.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence


def parse_date(value: str | None) -> dt.datetime | None:
    """An ISO 8601 date or date-time (as ``corpus add`` stores them), naive UTC; ``None`` if not one."""
    if not value:
        return None
    try:
        d = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if d.tzinfo is not None:
        d = d.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return d


def cluster_origin(ids: Sequence[str], dates: Sequence[str | None], *, stemma: tuple[str | None, str] | None = None,
                   stemma_roots: Collection[str] = (),
                   stemma_main: tuple[str, int] | None = None) -> tuple[str | None, str]:
    """``(origin id or None, reason)`` of one cluster.

    Args:
        ids, dates: the members and their stored dates (ISO 8601).
        stemma: ``Stemma.origin()`` of the members' collation, when one was made: ``(root, reason)``,
            the root ``None`` when the stemma names none (unrelated families, a lost source, an
            uncertain direction).
        stemma_roots: the extant members the stemma gives no source it is sure of (no edge into them
            at confidence 0.6 or more): each family's root, each version it links to no other, and a
            member it leaves undecided against an identical copy.
        stemma_main: ``(root, size)`` of the stemma's family that holds more than half of the members,
            when it has an extant, confidently oriented root.

    Returns:
        With a stemma: its root and ``"root of the stemma"``; when no member is dated, ``None`` and a
        reason naming the stemma's root as a guess from the words alone. When it names none, the earliest-dated
        member if the dates decide and the stemma agrees (that member has no source in it: a cluster
        holding a re-translation, which the stemma leaves unrelated, still has its origin); without
        deciding dates, the root of the family holding most members; else ``None`` and
        ``"stemma: <why not>"``. Without a stemma: the earliest member and
        ``"earliest date (…)"`` when every member is dated; ``None`` and the reason when a member has
        no date (it may be the oldest) or two share the earliest date.

    Example:
        >>> cluster_origin(["a", "b"], ["2024-05-02", "2024-05-01"])
        ('b', 'earliest date (2024-05-01)')
        >>> cluster_origin(["a", "b"], [None, None], stemma=(None, "the versions form 2 unrelated families"))
        (None, 'stemma: the versions form 2 unrelated families')
    """
    by_date, date_reason = _by_dates(ids, dates)
    if stemma is None:
        return by_date, date_reason
    root, why = stemma
    if not any(dates):
        # Without dates the stemma orients its edges by omissions alone: right for copies that trim,
        # backwards for drafts that grow (docs/corpus.md: 68 right, 149 wrong on real revisions), so
        # its root is a guess, reported as one and never named the origin.
        guess = root if root is not None else (stemma_main[0] if stemma_main else None)
        if guess is None:
            return None, f"stemma: {why}"
        return None, (f"no member is dated; the stemma's root, {guess}, rests on the words alone (a copy is "
                      "taken to drop more than it adds, which drafts that grow get backwards)")
    if root is not None:
        return root, why
    if by_date is not None and by_date in stemma_roots:
        return by_date, f"{date_reason}, and no source of it in the stemma ({why})"
    if by_date is not None:
        return None, f"stemma: {why}; the earliest dated, {by_date}, is a copy in it"
    if stemma_main is not None:
        main, size = stemma_main
        return main, (f"root of the stemma's main family ({size} of {len(ids)} versions; the others share "
                      "no copied wording with it)")
    return None, f"stemma: {why}"


def _by_dates(ids: Sequence[str], dates: Sequence[str | None]) -> tuple[str | None, str]:
    dated = sorted((d, i, raw) for i, raw in zip(ids, dates) if (d := parse_date(raw)) is not None)
    if not dated:
        return None, "no member has a date"
    earliest = f"{dated[0][1]}, {dated[0][2]}"
    if len(dated) < len(ids):  # an undated member may be older than every dated one
        return None, f"{len(ids) - len(dated)} of {len(ids)} members have no date (earliest dated: {earliest})"
    if dated[0][0] == dated[1][0]:
        return None, f"{dated[0][1]} and {dated[1][1]} share the earliest date ({dated[0][2]})"
    return dated[0][1], f"earliest date ({dated[0][2]})"
