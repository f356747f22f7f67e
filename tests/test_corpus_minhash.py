"""Vectorised tokenising, shingling and MinHash (storydiff.corpus.shingles / minhash)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storydiff.corpus import estimate_jaccard, signatures
from storydiff.corpus.minhash import MAX_HASH, signatures_with_sizes
from storydiff.corpus.shingles import shingle_hashes, text_keys, token_hashes

TEXTS = [
    "The council voted on Tuesday to close the old river bridge for repairs.",
    "The council voted on Tuesday to close the old river bridge for repairs.",
    "Officials said the closure would last six weeks; drivers should use the northern crossing.",
    "Café «naïve» — résumé… straße_42 and ÉCOLE!",
    "two words",
    "",
    "... !!! ---",
]


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


@pytest.mark.parametrize("text", TEXTS)
def test_token_count_matches_python_regex(text):
    _, off = token_hashes([text])
    assert off[1] - off[0] == len(_words(text))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("abcXYZ09_ .,;'-\n\t éßЖ—“”")), max_size=40), max_size=6))
def test_tokens_equal_hashes_for_equal_words(texts):
    h, off = token_hashes(texts)
    for i, t in enumerate(texts):
        words = _words(t)
        assert off[i + 1] - off[i] == len(words)
        # equal words hash equally, different words differently (no collisions at this size)
        hs = h[off[i] : off[i + 1]]
        for a in range(len(words)):
            for b in range(len(words)):
                assert (hs[a] == hs[b]) == (words[a] == words[b])


@settings(max_examples=80, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("ab0_ .—“é€\u00a0")), max_size=12), max_size=8),
       st.sampled_from([1, 2, 3, 5]))
def test_a_batch_shingles_each_document_as_alone(texts, n):
    # documents that end and start with word characters, or are empty, sit side by
    # side in the batch's byte buffer: no token or shingle may run across them
    h, off = shingle_hashes(texts, ngram=n)
    for i, t in enumerate(texts):
        alone, alone_off = shingle_hashes([t], ngram=n)
        assert off[i + 1] - off[i] == alone_off[1]
        assert h[off[i] : off[i + 1]].tolist() == alone.tolist()


def test_word_bytes_by_comparisons_equal_the_table():
    from storydiff.corpus.shingles import _WORD_BYTE, _word_bytes

    assert np.array_equal(_word_bytes(np.arange(256, dtype=np.uint8)), _WORD_BYTE)


def test_signatures_deterministic_and_equal_for_equal_texts():
    s1 = signatures(TEXTS)
    s2 = signatures(list(reversed(TEXTS)))[::-1]
    assert s1.dtype == np.uint32 and s1.shape == (len(TEXTS), 128)
    assert (s1 == s2).all()
    assert (s1[0] == s1[1]).all()
    assert not (s1[0] == s1[2]).all()


def test_empty_text_gets_all_max_signature_and_short_text_one_shingle():
    s = signatures(["", "... !!!", "two words"], ngram=3)
    assert (s[0] == MAX_HASH).all() and (s[1] == MAX_HASH).all()
    assert not (s[2] == MAX_HASH).all()
    h, off = shingle_hashes(["two words", "one"], ngram=3)
    assert np.diff(off).tolist() == [1, 1]


def test_case_and_punctuation_do_not_change_signature():
    a = signatures(["The Bridge, closed: for repairs!"])
    b = signatures(["the bridge closed for repairs"])
    assert (a == b).all()


def test_bit_identical_to_datasketch_with_same_shingle_hashes():
    datasketch = pytest.importorskip("datasketch")
    sig = signatures(TEXTS, ngram=3, num_perm=128, seed=1)
    h, off = shingle_hashes(TEXTS, ngram=3)
    for i in range(len(TEXTS)):
        m = datasketch.MinHash(num_perm=128, seed=1, hashfunc=lambda x: x)
        values = h[off[i] : off[i + 1]]
        if len(values):
            m.update_batch(values.tolist())
        assert (m.hashvalues == sig[i]).all(), TEXTS[i]


def test_estimated_jaccard_close_to_true_jaccard():
    rng = np.random.default_rng(3)
    vocab = [f"w{i}" for i in range(400)]
    base = list(rng.choice(vocab, 300))
    pairs, true = [], []
    texts = [" ".join(base)]
    for frac in (0.0, 0.1, 0.3, 0.5, 0.8):
        edited = list(base)
        for k in rng.choice(len(base), int(frac * len(base)), replace=False):
            edited[k] = str(rng.choice(vocab))
        texts.append(" ".join(edited))
    h, off = shingle_hashes(texts, ngram=1)
    sets = [set(h[off[i] : off[i + 1]].tolist()) for i in range(len(texts))]
    sig = signatures(texts, ngram=1, num_perm=256)
    for j in range(1, len(texts)):
        pairs.append((0, j))
        true.append(len(sets[0] & sets[j]) / len(sets[0] | sets[j]))
    est = estimate_jaccard(sig, np.array(pairs))
    assert np.abs(est - np.array(true)).max() < 0.1


def test_stopwords_are_dropped_before_shingling():
    with_stop = signatures(["the cat and the dog"], ngram=1, stopwords=frozenset({"the", "and"}))
    plain = signatures(["cat dog"], ngram=1)
    assert (with_stop == plain).all()


def test_sizes_count_distinct_shingles():
    _, sizes = signatures_with_sizes(["a b a b a b", "", "x y z w"], ngram=2)
    assert sizes.tolist() == [2, 0, 3]


def test_text_keys_ignore_case_and_punctuation_not_words():
    k = text_keys(["Hello, World!", "hello world", "world hello", "", "..."])
    assert k[0] == k[1] != k[2]
    assert k[3] == 0 and k[4] == 0


def test_worker_pool_gives_identical_signatures():
    from storydiff.corpus.parallel import pool, split_map

    texts = TEXTS * 5
    with pool(2) as ex:
        parts = split_map(ex, signatures_with_sizes, texts, parts=2, min_items=1)
    assert len(parts) == 2
    sig, sizes = signatures_with_sizes(texts)
    assert (np.concatenate([p[0] for p in parts]) == sig).all()
    assert (np.concatenate([p[1] for p in parts]) == sizes).all()


@pytest.mark.parametrize("limit", [1, 700, 5_000, 10**9])
def test_minhash_in_cache_sized_runs_gives_the_same_signatures(limit):
    from storydiff.corpus.minhash import minhash_shingles, permutations

    rng = np.random.default_rng(4)
    texts = [" ".join(f"w{x}" for x in rng.integers(0, 2000, rng.integers(0, 400))) for _ in range(60)]
    h, off = shingle_hashes(texts)
    a, b = permutations(64, 3)
    assert np.array_equal(minhash_shingles(h, off, a, b, max_shingles=limit),
                          minhash_shingles(h, off, a, b, max_shingles=h.size + 1))
