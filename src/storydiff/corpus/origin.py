"""Which member of a cluster is its origin, and why (or why none can be named).

One place decides: :func:`cluster_origin`. Today it decides from dates. A
stemma (who copied from whom, from the collation of the members:
``storydiff.collate.stemma_of(documents).origin()``) plugs in here as the first
source of evidence, before the dates: pass its answer as ``stemma_root`` and it
wins; the dates remain the fallback. It is not called yet: collating every
cluster of a large corpus costs far more than clustering it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence


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


def cluster_origin(ids: Sequence[str], dates: Sequence[str | None], *, stemma_root: str | None = None) -> tuple[str | None, str]:
    """``(origin id or None, reason)`` of one cluster.

    Args:
        ids, dates: the members and their stored dates (ISO 8601).
        stemma_root: the root of the members' stemma, when a collation has placed one.

    Returns:
        The earliest member and ``"earliest date (…)"`` when every member is dated; ``None``
        and the reason when a member has no date (it may be the oldest) or two share the earliest date.
    """
    if stemma_root is not None:
        return stemma_root, "root of the stemma"
    dated = sorted((d, i, raw) for i, raw in zip(ids, dates) if (d := parse_date(raw)) is not None)
    if not dated:
        return None, "no member has a date"
    earliest = f"{dated[0][1]}, {dated[0][2]}"
    if len(dated) < len(ids):  # an undated member may be older than every dated one
        return None, f"{len(ids) - len(dated)} of {len(ids)} members have no date (earliest dated: {earliest})"
    if dated[0][0] == dated[1][0]:
        return None, f"{dated[0][1]} and {dated[1][1]} share the earliest date ({dated[0][2]})"
    return dated[0][1], f"earliest date ({dated[0][2]})"
