"""The verdict model: JSON trees evaluated with numpy, calibration, symmetric features."""

from __future__ import annotations

import json
import time
from importlib import resources

import numpy as np
import pytest

from storydiff.classify.features import FEATURE_NAMES, batch_features, identity_key, text_info
from storydiff.classify.verdict import VerdictModel, load_model
from storydiff.embed import get_encoder

PAIRS = [
    ("Smith beat Jones in the final on Monday.", "Jones beat Smith in the final on Monday."),
    ("The company said profits rose sharply last year.", "Profits rose sharply last year, the company said."),
    ("The bridge will reopen in March.", "The bridge will not reopen in March."),
    ("Officials said 12 people were injured.", "Officials said 21 people were injured."),
    ("He flew from Paris to Berlin.", "He flew from Berlin to Paris."),
]


@pytest.fixture(scope="module")
def encoder():
    return get_encoder("wordllama")


def test_model_ships_and_matches_feature_names():
    m = load_model("wordllama")
    assert m.features == FEATURE_NAMES
    size = resources.files("storydiff").joinpath("data", "verdict_model.json").read_bytes()
    assert len(size) < 5_000_000


def test_tree_walk_matches_a_hand_built_tree():
    # Root splits feature 1 at 0.5; left leaf -1, right leaf +2; baseline 0.25.
    d = {"features": ["f0", "f1"], "baseline": 0.25, "platt": [1.0, 0.0], "decision": 0.5,
         "trees": {"feature": [[1, 0, 0]], "threshold": [[0.5, 0, 0]], "left": [[1, 1, 2]],
                   "right": [[2, 1, 2]], "value": [[0, -1.0, 2.0]], "depth": 1}}
    m = VerdictModel.from_dict(json.loads(json.dumps(d)))
    raw = m.raw(np.array([[9.0, 0.5], [9.0, 0.51]]))
    assert raw.tolist() == [-0.75, 2.25]  # a value equal to the threshold goes left, as in scikit-learn


def _leaf(value: float) -> dict[str, object]:
    return {"trees": {"feature": [[0]], "threshold": [[0.0]], "left": [[0]], "right": [[0]],
                      "value": [[value]], "depth": 0}, "baseline": 0.0}


def test_mixture_mixes_experts_by_the_gate():
    d = {"features": ["f0"], "platt": [1.0, 0.0], "decision": 0.5,
         "experts": {"gate": _leaf(0.0), "strict": _leaf(2.0), "lenient": _leaf(-2.0)}}
    m = VerdictModel.from_dict(d)
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    want = 0.5 * sig(2.0) + 0.5 * sig(-2.0)  # gate 0.5: the mean of the two experts
    np.testing.assert_allclose(m.p_changed(np.zeros((1, 1))), [want])


def test_probabilities_are_in_unit_interval_and_batch_equals_single(encoder):
    m = load_model()
    x = batch_features(PAIRS, encoder)
    p = m.p_changed(x)
    assert ((p >= 0) & (p <= 1)).all()
    single = np.array([m.p_changed(batch_features([pr], encoder))[0] for pr in PAIRS])
    np.testing.assert_allclose(p, single, atol=1e-9)


def test_calibration_is_monotonic():
    m = load_model()
    assert m.platt[0] > 0  # a higher raw score never lowers P(changed)
    raw = np.linspace(-6, 6, 50)
    a, b = m.platt
    p = 1 / (1 + np.exp(-(a * raw + b)))
    assert (np.diff(p) > 0).all()
    assert 0.2 <= m.decision <= 0.8


def test_features_are_symmetric(encoder):
    x = batch_features(PAIRS, encoder)
    xr = batch_features([(b, a) for a, b in PAIRS], encoder)
    np.testing.assert_allclose(x, xr, atol=1e-6)


def test_order_features_see_a_swap(encoder):
    x = batch_features(PAIRS[:2], encoder)
    disc = FEATURE_NAMES.index("ord_disc_frac")
    cap = FEATURE_NAMES.index("ord_cap_disc")
    assert x[0, cap] >= 1  # Smith/Jones swapped sides
    assert x[0, disc] > 0
    assert x[0, FEATURE_NAMES.index("ov_stem_jacc")] == 1.0  # same bag of words


def test_text_info_numbers_and_negation():
    t = text_info("The bridge will not reopen until 3.5 years, twelve said.")
    assert {"3.5", "twelve"} <= t.numbers
    assert t.negations == 1


@pytest.mark.parametrize("a,b,same", [
    ("Hello, world!", "hello world", True),
    ("“Quoted” text — here.", '"quoted" text here', True),
    ("state-of-the-art", "state of the art", True),
    ("It cost 3.5 million.", "It cost 35 million.", False),
    ("He left.", "She left.", False),
])
def test_identity_key(a, b, same):
    assert (identity_key(a) == identity_key(b)) is same


def test_features_and_prediction_are_fast(encoder):
    pairs = [(f"{a} ({i})", b) for i in range(40) for a, b in PAIRS]
    m = load_model()
    batch_features(pairs[:5], encoder)
    t = time.perf_counter()
    m.p_changed(batch_features(pairs, encoder))
    per_pair = (time.perf_counter() - t) / len(pairs)
    assert per_pair < 0.01  # ~0.3 ms on an idle machine; generous for a loaded CI box


def _moved(a: str, b: str) -> dict[str, float]:
    from storydiff.classify.features import _moved_features

    names = [n for n in FEATURE_NAMES if n.startswith("mv_")]
    return dict(zip(names, _moved_features(text_info(a), text_info(b)), strict=True))


def test_moved_features_tell_a_reordered_list_from_a_swap_of_roles():
    listed = _moved("He worked with Anna Berg, Carl Dahl and Eva Lund.", "He worked with Eva Lund, Carl Dahl and Anna Berg.")
    assert listed["mv_words"] == 4 and listed["mv_list_share"] == 1.0 and listed["mv_free"] == 0
    swapped = _moved("Flights from Paris to Rome leave every day.", "Flights from Rome to Paris leave every day.")
    assert swapped["mv_words"] == 1 and swapped["mv_list_share"] == 0.0
    assert swapped["mv_free"] == 1 and swapped["mv_cap_free"] == 1  # a name moved alone
    phrase = _moved("In 1962 the station closed for good.", "The station closed for good in 1962.")
    assert phrase["mv_pp"] == 1 and phrase["mv_free"] == 0  # moved whole with its preposition
    assert _moved("The bridge will reopen in March.", "The bridge will not reopen in March.")["mv_words"] == 0


def test_moved_features_take_the_run_with_content_first():
    # "to" is the longest unmatched common run by one token, but the name is what moved.
    f = _moved("Survivors were carried from San Diego to Noumea.", "Survivors were carried from Noumea to San Diego.")
    assert f["mv_words"] >= 1 and f["mv_unmatched"] == 0


def test_a_model_reads_its_features_by_name(monkeypatch, encoder):
    """A model trained on fewer features (an older one, or another engine's) still scores its own columns."""
    import storydiff.classify as classify

    full = load_model()
    cols = [FEATURE_NAMES.index(n) for n in ("mv_words", "ov_tok_jacc")]
    d = {"features": ["mv_words", "ov_tok_jacc"], "baseline": 0.0, "platt": [1.0, 0.0], "decision": 0.5,
         "trees": {"feature": [[0, 0, 0]], "threshold": [[0.5, 0, 0]], "left": [[1, 1, 2]],
                   "right": [[2, 1, 2]], "value": [[0, -1.0, 2.0]], "depth": 1}}
    small = VerdictModel.from_dict(d)
    monkeypatch.setattr(classify, "_model_for", lambda enc: (small, None))
    x = batch_features(PAIRS, encoder)
    got = classify._p_changed(PAIRS, encoder)
    np.testing.assert_allclose(got, small.p_changed(x[:, cols]))
    assert got[4] > got[2]  # "from Paris to Berlin" swapped: a word moved; the negation moved nothing
    assert full.features == FEATURE_NAMES


def test_paragraph_long_pairs_use_the_plain_ratio_for_the_partial_one(encoder):
    """partial_ratio grows with the square of the length: paragraphs take the plain ratio instead."""
    from storydiff.classify.features import _PARTIAL_MAX_CHARS

    words = [f"w{i}" for i in range(_PARTIAL_MAX_CHARS // 3)]
    a = " ".join(words) + "."
    b = " ".join(words[::2] + words[1::2]) + "."
    x = batch_features([(a, b), ("The bridge will reopen.", "The new bridge will reopen soon.")], encoder)
    part, ratio = FEATURE_NAMES.index("str_partial"), FEATURE_NAMES.index("str_ratio")
    assert x[0, part] == x[0, ratio]
    assert x[1, part] > x[1, ratio]  # a sentence keeps the best-window ratio
