"""Which member of a cluster is its origin, and why (or why none can be named).

One place decides: :func:`cluster_origin`. Today it decides from dates. A
stemma (who copied from whom, from the collation of the members) will plug in
here as the first source of evidence, before the dates: pass its answer as
``stemma_root`` and it wins; the dates remain the fallback.
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
        The earliest dated member and ``"earliest date …"``; ``None`` and the reason when
        no member has a date or two share the earliest one.
    """
    if stemma_root is not None:
        return stemma_root, "root of the stemma"
    dated = sorted((d, i) for i, raw in zip(ids, dates) if (d := parse_date(raw)) is not None)
    if not dated:
        return None, "no member has a date"
    if len(dated) > 1 and dated[0][0] == dated[1][0]:
        return None, f"{dated[0][1]} and {dated[1][1]} share the earliest date ({dated[0][0].isoformat()})"
    undated = len(ids) - len(dated)
    note = f"; {undated} of {len(ids)} members have no date" if undated else ""
    return dated[0][1], f"earliest date ({dated[0][0].isoformat()}){note}"
