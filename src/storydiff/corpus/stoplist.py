"""The corpus stop list of the content-word unigram step, and its signature params.

Stop words are the tokens in at least ``stopword_df`` of a seeded reservoir
sample of ``stopword_sample`` stored documents. The list is saved in the
store's settings and kept once it was estimated from a full sample, so
``corpus add`` can sign new documents' unigrams with the list ``corpus
cluster`` will use (each signature stores the list's digest; a different list
recomputes them).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from typing import Any

from storydiff.corpus import store
from storydiff.corpus.config import ClusterConfig


def saved(con: Any, cfg: ClusterConfig, n: int) -> frozenset[str] | None:
    """The saved stop list if it holds for a store of ``n`` documents under ``cfg``, else None."""
    text = store.get_setting(con, "stoplist")
    if not text:
        return None
    data = json.loads(text)
    if (data["sample"] >= min(n, cfg.stopword_sample) and data["df"] == cfg.stopword_df
            and data["min_docs"] == cfg.stopword_min_docs):
        return frozenset(data["words"])
    return None


def final(con: Any, cfg: ClusterConfig) -> frozenset[str] | None:
    """The saved stop list if no later ``add`` can change it (it came from a full sample)."""
    return saved(con, cfg, cfg.stopword_sample)


def stoplist(con: Any, cfg: ClusterConfig, n: int) -> frozenset[str]:
    """The stored stop list, re-estimated (and saved) while the corpus is smaller than the sample size."""
    words = saved(con, cfg, n)
    if words is not None:
        return words
    want = min(n, cfg.stopword_sample)
    sample = con.execute(
        f"SELECT text FROM documents USING SAMPLE reservoir({int(want)} ROWS) REPEATABLE ({int(cfg.seed)})"
    ).fetchall()
    df: Counter[str] = Counter()
    for (text,) in sample:
        df.update(set(re.findall(r"\w+", text.lower())))
    floor = max(cfg.stopword_df * len(sample), cfg.stopword_min_docs)
    found = sorted(w for w, c in df.items() if c >= floor)
    store.set_setting(con, "stoplist", json.dumps({"sample": len(sample), "df": cfg.stopword_df,
                                                   "min_docs": cfg.stopword_min_docs, "words": found}))
    return frozenset(found)


def unigram_params(cfg: ClusterConfig, stop: frozenset[str]) -> str:
    """How unigram signatures are made (settings + the stop list's digest), stored beside them."""
    digest = hashlib.sha1("\n".join(sorted(stop)).encode()).hexdigest()[:12]
    return f"ngram=1;num_perm={cfg.num_perm};seed={cfg.seed};stop={digest}"
