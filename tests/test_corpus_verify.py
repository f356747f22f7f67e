"""Sentence checks of candidate pairs and the rounds that spare most of them."""

from __future__ import annotations

import numpy as np

from storydiff.corpus import ClusterConfig
from storydiff.corpus.policy import MemoCheck, cluster_labels, decide
from storydiff.corpus.semantic import _token_table, embed_documents, embed_word_lists
from storydiff.corpus.verify import Units, parts, verify_pairs


def test_parts_splits_sentences_and_keeps_only_clauses_of_four_words():
    sentences, clauses = parts('He came, saw the whole city; and then he left. "Done!" she said\nNext line')
    assert sentences == [["He", "came", "saw", "the", "whole", "city", "and", "then", "he", "left"],
                         ["Done"], ["she", "said"], ["Next", "line"]]
    assert clauses == [["saw", "the", "whole", "city"], ["and", "then", "he", "left"]]
    assert parts("No words here: ... !") == ([["No", "words", "here"]], [])
    assert parts("") == ([], [])


def test_word_vectors_equal_token_pooling_on_text_without_punctuation():
    text = "the committee approved the new budget for the bridge over the river"
    tok, table = _token_table("wordllama")
    ids = tok.encode(text, add_special_tokens=False).ids
    expected = table[ids].mean(axis=0)
    expected /= np.linalg.norm(expected)
    got = embed_word_lists([text.split()])[0]
    assert float(got @ expected) > 0.999
    # the same through embed_documents, and a list without words is a zero row
    assert float(embed_documents([text])[0] @ expected) > 0.999
    assert not embed_word_lists([[]]).any()


def test_units_share_counts_words_of_aligned_sentences():
    a = "The council approved the budget. Work starts in May."
    b = "Work starts in May, weather permitting. The council approved the budget."
    c = "A storm closed the harbour for three days."
    u = Units([a, b, c], "wordllama")
    assert u.share(0, 1, 0.6) == 1.0
    assert u.share(0, 2, 0.6) < 0.5
    assert verify_pairs([a, b, c], np.array([[0, 1], [0, 2]])).tolist() == [1.0, u.share(0, 2, 0.6)]


def test_memo_check_asks_each_pair_once():
    asked = []

    def check(p):
        asked.append(p.tolist())
        return p[:, 1].astype(np.float32) / 10

    memo = MemoCheck(check)
    assert memo(np.array([[0, 1], [0, 2], [0, 1]])).tolist() == [np.float32(0.1), np.float32(0.2), np.float32(0.1)]
    assert memo(np.array([[0, 2], [0, 3]])).tolist() == [np.float32(0.2), np.float32(0.3)]
    assert asked == [[[0, 1], [0, 2]], [[0, 3]]]


def _case():
    # 0-1-2 joined by accepted (exact) pairs; document 3 is a re-worded copy with
    # semantic pairs to each of them; 4-5 a second story, 5-6 a checked pair.
    pairs = np.array([[0, 1], [1, 2], [0, 3], [1, 3], [2, 3], [4, 5], [5, 6]])
    method = np.array([0, 0, 2, 2, 2, 0, 2], np.int8)
    j3 = np.array([1, 1, 0, 0, 0, 1, 0], np.float32)
    j1 = np.zeros(7, np.float32)
    cos = np.array([1, 1, 0.7, 0.9, 0.8, 1, 0.8], np.float32)
    size3 = np.full(7, 100)
    lengths = np.full(7, 1000)
    return pairs, method, j3, j1, size3, lengths, cos


def test_rounds_check_one_pair_per_pair_of_clusters_and_keep_the_clusters():
    pairs, method, j3, j1, size3, lengths, cos = _case()
    asked: list[list[int]] = []

    def check(p):
        asked.extend(p.tolist())
        return np.full(len(p), 0.9, np.float32)

    cfg = ClusterConfig()
    v = decide(cfg, pairs, method, j3, j1, size3, lengths, cos, check)
    # the strongest pair (by vector cosine) of 3 into {0, 1, 2}, and 5-6; nothing else
    assert sorted(asked) == [[1, 3], [5, 6]]
    assert v["joined"].tolist() == [False, False, True, False, True, False, False]
    assert v["keep"].all()
    labels = cluster_labels(cfg, 7, pairs, v, lengths, check)

    asked.clear()
    off = ClusterConfig(skip_joined=False)
    v_off = decide(off, pairs, method, j3, j1, size3, lengths, cos, check)
    assert len(asked) == 4 and not v_off["joined"].any()
    assert labels.tolist() == cluster_labels(off, 7, pairs, v_off, lengths, check).tolist() == [0, 0, 0, 0, 1, 1, 1]


def test_rounds_try_the_next_pair_when_the_strongest_fails():
    pairs, method, j3, j1, size3, lengths, cos = _case()
    asked: list[list[int]] = []

    def check(p):
        asked.extend(p.tolist())
        return np.array([0.1 if a == 1 and b == 3 else 0.9 for a, b in p.tolist()], np.float32)

    v = decide(ClusterConfig(), pairs, method, j3, j1, size3, lengths, cos, check)
    assert asked[:2] == [[1, 3], [5, 6]] and asked[2] == [2, 3]  # then the next strongest
    assert v["verified"].tolist()[2:5] == [False, False, True]
    assert v["joined"].tolist()[2] is True
