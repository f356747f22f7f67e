"""Tests for storydiff.align: groups, splits and merges, moves, invariants, symmetry."""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import storydiff.align
from storydiff.align import align
from storydiff.align.exact import exact_pairs
from storydiff.align.moves import stable_groups
from storydiff.embed import Encoder, get_encoder
from storydiff.model import Alignment, Document, Group, Segmentation, Sentence, Span
from storydiff.options import Options

PARAGRAPHS: list[list[str]] = [
    [
        "The city council of Marlow voted on Tuesday to close the old bridge over the river.",
        "Engineers had warned in March that its steel supports were badly corroded.",
        "Traffic will be diverted through the eastern bypass for at least two years.",
    ],
    [
        "Mayor Helen Ortiz said the decision was painful but unavoidable.",
        "She promised that a new bridge would be designed by a local firm.",
    ],
    [
        "Shop owners on Mill Street fear that they will lose most of their customers.",
        "One baker said his sales had already fallen by a third since the warning.",
        "The chamber of commerce has asked for a temporary footbridge.",
    ],
    [
        "The replacement is expected to cost 14 million euros.",
        "Half of the money will come from a regional infrastructure fund.",
    ],
    [
        "Construction should begin next spring if the tender attracts enough bids.",
        "A public meeting about the design will be held in the town hall on June 3.",
    ],
    [
        "Local schools will run extra buses for pupils who live across the river.",
        "Parents have been told to expect longer journeys in the mornings.",
    ],
]

# An independent re-wording of PARAGRAPHS (same order, sentence for sentence).
REWORDED: list[list[str]] = [
    [
        "On Tuesday Marlow's councillors decided to shut the ageing river bridge.",
        "In March, engineers cautioned that the steel supports of the bridge were seriously rusted.",
        "For two years or more, vehicles will be sent along the eastern bypass instead.",
    ],
    [
        "According to Mayor Helen Ortiz, the choice hurt but could not be avoided.",
        "A local company will draw up plans for a new bridge, she pledged.",
    ],
    [
        "Traders on Mill Street worry that most of their clients will disappear.",
        "A baker reported that his takings had dropped by one third since the warning was issued.",
        "A temporary pedestrian bridge has been requested by the chamber of commerce.",
    ],
    [
        "The new crossing should cost about 14 million euros.",
        "A regional infrastructure fund is to provide half of that sum.",
    ],
    [
        "Building work could start next spring, provided the tender draws sufficient offers.",
        "The design will be discussed at a public meeting in the town hall on June 3.",
    ],
    [
        "Extra buses will be laid on by local schools for children living on the far bank.",
        "Mothers and fathers were warned that morning trips would take longer.",
    ],
]

# A different story altogether: nothing in it should align with PARAGRAPHS.
UNRELATED: list[list[str]] = [
    [
        "The national football team lost its opening match of the tournament 2-0.",
        "The coach blamed the heat and a long flight for the tired performance.",
    ],
    [
        "Two players were booked in the first half for arguing with the referee.",
        "Fans who travelled to the game were stuck for hours at the airport.",
        "The next match is against the reigning champions on Saturday evening.",
    ],
]

OPTIONS = Options()
BIBLE = Path(__file__).resolve().parents[2] / "shared" / "data" / "bible-parallel-en" / "verses.tsv"


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return get_encoder("wordllama")


def seg(paragraphs: Sequence[Sequence[str]], name: str = "doc") -> Segmentation:
    """A Segmentation with one Sentence per string, paragraphs separated by blank lines."""
    text, sents, spans = "", [], []
    for pi, para in enumerate(paragraphs):
        if text:
            text += "\n\n"
        start = len(text)
        for k, s in enumerate(para):
            if k:
                text += " "
            sents.append(Sentence(len(sents), len(text), len(text) + len(s), s, pi))
            text += s
        spans.append(Span(start, len(text)))
    return Segmentation(Document(id=name, source=name, text=text), tuple(sents), tuple(spans))


def flat(paragraphs: Sequence[Sequence[str]]) -> list[str]:
    return [s for p in paragraphs for s in p]


def links(al: Alignment) -> set[tuple[int, int]]:
    return {(i, j) for g in al.groups for i in g.a for j in g.b}


def check_invariants(al: Alignment, n: int, m: int) -> None:
    seen_a = [i for g in al.groups for i in g.a] + list(al.removed)
    seen_b = [j for g in al.groups for j in g.b] + list(al.added)
    assert sorted(seen_a) == list(range(n))
    assert sorted(seen_b) == list(range(m))
    for g in al.groups:
        assert g.a and g.b
        assert list(g.a) == list(range(g.a[0], g.a[-1] + 1))
        assert list(g.b) == list(range(g.b[0], g.b[-1] + 1))
        assert 0.0 <= g.score <= 1.0
    assert [g.a for g in al.groups] == sorted(g.a for g in al.groups)
    in_moves = {k for mv in al.moves for k in mv.groups}
    assert in_moves == {k for k, g in enumerate(al.groups) if g.moved}
    for mv in al.moves:
        assert set(mv.a) == {i for k in mv.groups for i in al.groups[k].a}
        assert set(mv.b) == {j for k in mv.groups for j in al.groups[k].b}


def test_identical_documents_align_one_to_one_in_order(encoder: Encoder) -> None:
    a = seg(PARAGRAPHS)
    al = align(a, seg(PARAGRAPHS), options=OPTIONS, encoder=encoder)
    n = len(a.sentences)
    assert [(g.a, g.b) for g in al.groups] == [((i,), (i,)) for i in range(n)]
    assert al.moves == () and al.added == () and al.removed == ()
    assert all(g.score > 0.9 and not g.moved for g in al.groups)


def test_reworded_document_aligns_sentence_for_sentence(encoder: Encoder) -> None:
    al = align(seg(PARAGRAPHS), seg(REWORDED), options=OPTIONS, encoder=encoder)
    n = len(flat(PARAGRAPHS))
    assert links(al) == {(i, i) for i in range(n)}
    assert al.moves == ()


def test_moved_block_of_three_sentences_is_one_move(encoder: Encoder) -> None:
    # paragraph 2 (three sentences, A indices 5-7) moves to the end of B
    b_paras = [PARAGRAPHS[k] for k in (0, 1, 3, 4, 5, 2)]
    al = align(seg(PARAGRAPHS), seg(b_paras), options=OPTIONS, encoder=encoder)
    assert len(al.moves) == 1
    mv = al.moves[0]
    m = len(flat(b_paras))
    assert mv.a == (5, 6, 7)
    assert mv.b == (m - 3, m - 2, m - 1)
    assert [al.groups[k].moved for k in mv.groups] == [True, True, True]
    assert sum(g.moved for g in al.groups) == 3
    assert al.added == () and al.removed == ()


def test_two_swapped_blocks_the_shorter_one_moved(encoder: Encoder) -> None:
    # a 2-sentence paragraph swaps places with a 3-sentence one
    b_paras = [PARAGRAPHS[k] for k in (0, 2, 1, 3, 4, 5)]
    al = align(seg(PARAGRAPHS), seg(b_paras), options=OPTIONS, encoder=encoder)
    assert [mv.a for mv in al.moves] == [(3, 4)]


def test_split_sentence_is_one_to_two(encoder: Encoder) -> None:
    b_paras = [list(p) for p in REWORDED]
    b_paras[0][0:1] = [
        "On Tuesday the councillors of Marlow held a vote.",
        "They decided to shut the ageing bridge over the river.",
    ]
    al = align(seg(PARAGRAPHS), seg(b_paras), options=OPTIONS, encoder=encoder)
    assert any(g.a == (0,) and g.b == (0, 1) for g in al.groups), [(g.a, g.b) for g in al.groups]
    assert al.added == () and al.removed == ()


def test_merged_sentences_are_two_to_one(encoder: Encoder) -> None:
    b_paras = [list(p) for p in REWORDED]
    b_paras[3] = [
        "The new crossing should cost about 14 million euros, and a regional "
        "infrastructure fund is to provide half of that sum."
    ]
    al = align(seg(PARAGRAPHS), seg(b_paras), options=OPTIONS, encoder=encoder)
    assert any(g.a == (8, 9) and g.b == (8,) for g in al.groups), [(g.a, g.b) for g in al.groups]
    assert al.added == () and al.removed == ()


def test_three_sentences_merged_into_one_are_three_to_one(encoder: Encoder) -> None:
    b_paras = [list(p) for p in REWORDED]
    b_paras[0] = [
        "On Tuesday Marlow's councillors decided to shut the ageing river bridge, because in March "
        "engineers had cautioned that its steel supports were seriously rusted, so for two years or "
        "more vehicles will be sent along the eastern bypass instead."
    ]
    al = align(seg(PARAGRAPHS), seg(b_paras), options=OPTIONS, encoder=encoder)
    assert (al.groups[0].a, al.groups[0].b) == ((0, 1, 2), (0,))
    assert al.added == () and al.removed == ()


# A sentence boundary that shifted between versions: the content of two A
# sentences redistributed over two B sentences (examples/bridge-*.txt).
BRIDGE_A = [
    ["Riverton council approves new Danube bridge"],
    [
        "RIVERTON, 14 March 2026 – The city council on Thursday approved a plan to build a second bridge "
        "across the Danube, ending a debate that has lasted nearly three years."
    ],
    [
        "The bridge will cost €120 million, of which the European Investment Bank has agreed to lend 60 million.",
        "The rest will come from the city budget and from EU regional funds.",
        "Construction will begin in September 2026 and should be finished within three years.",
    ],
    [
        'Mayor Ana Petrović said the project was "a bridge for everyone" and promised that cyclists and '
        "pedestrians would get their own lanes.",
        "Council members voted 31 to 9 in favour of the plan.",
    ],
]
BRIDGE_B = [
    ["Riverton votes for second bridge over the Danube"],
    [
        "Riverton's city council voted on Thursday to build a second bridge over the Danube, closing a dispute "
        "that had gone on for almost three years."
    ],
    [
        "The project is expected to cost €210 million.",
        "The World Bank has agreed to lend 60 million; the remainder will be paid from the municipal budget "
        "and from European Union regional funds.",
        "Construction may start in September 2026 and is due to be completed in three years.",
    ],
    [
        'Calling it "a bridge for drivers", Mayor Ana Petrovic promised separate lanes for cyclists and pedestrians.',
        "The plan passed with 31 votes to 9.",
    ],
]
# the same in the Marlow story: the head of A sentence 6 moves into B sentence 5
SHIFTED = [list(p) for p in REWORDED]
SHIFTED[2][0:2] = [
    "Traders on Mill Street worry that most of their clients will disappear, and one baker reported "
    "that his takings had dropped.",
    "They have fallen by a third since the warning.",
]


@pytest.mark.parametrize(
    "a_paras,b_paras,a_run,b_run",
    [(BRIDGE_A, BRIDGE_B, (2, 3), (2, 3)), (PARAGRAPHS, SHIFTED, (5, 6), (5, 6))],
    ids=["bridge", "marlow"],
)
def test_shifted_sentence_boundary_is_two_to_two_or_two_pairs(
    encoder: Encoder, a_paras: list, b_paras: list, a_run: tuple[int, int], b_run: tuple[int, int]
) -> None:
    a, b = seg(a_paras), seg(b_paras)
    al = align(a, b, options=OPTIONS, encoder=encoder)
    got = sorted((g.a, g.b) for g in al.groups if set(g.a) & set(a_run) or set(g.b) & set(b_run))
    two_pairs = [((a_run[0],), (b_run[0],)), ((a_run[1],), (b_run[1],))]
    assert got in ([(a_run, b_run)], two_pairs), got
    assert al.added == () and al.removed == ()
    n, m = len(a.sentences), len(b.sentences)
    check_invariants(al, n, m)
    ba = align(b, a, options=OPTIONS, encoder=encoder)
    check_invariants(ba, m, n)
    assert {(g.a, g.b, g.score, g.moved) for g in al.groups} == {(g.b, g.a, g.score, g.moved) for g in ba.groups}
    assert align(a, b, options=OPTIONS, encoder=encoder) == al


def test_bridge_shift_is_one_two_to_two_group(encoder: Encoder) -> None:
    # the two diagonal pairs are weak (€120 million vs €210 million is only half of B's second sentence)
    al = align(seg(BRIDGE_A), seg(BRIDGE_B), options=OPTIONS, encoder=encoder)
    assert ((2, 3), (2, 3)) in {(g.a, g.b) for g in al.groups}


def test_merged_texts_are_encoded_in_one_call(encoder: Encoder) -> None:
    calls: list[int] = []

    class Counting:
        name, dim = encoder.name, encoder.dim

        def encode(self, texts: list[str]):  # type: ignore[no-untyped-def]
            calls.append(len(texts))
            return encoder.encode(texts)

    a, b = seg(BRIDGE_A), seg(BRIDGE_B)
    align(a, b, options=OPTIONS, encoder=Counting())  # type: ignore[arg-type]
    # the sentences, then every merged text growth may need
    assert len(calls) == 2 and calls[0] == len(a.sentences) + len(b.sentences)


def test_inserted_and_deleted_sentences(encoder: Encoder) -> None:
    b_paras = [list(p) for p in REWORDED]
    del b_paras[1][1]  # A sentence 4 is gone from B
    b_paras[4].insert(1, "Critics say the council ignored the warnings about the bridge for a decade.")
    b_paras.insert(5, ["The weather this weekend will be sunny with light winds from the west."])
    a, b = seg(PARAGRAPHS), seg(b_paras)
    al = align(a, b, options=OPTIONS, encoder=encoder)
    b_texts = [s.text for s in b.sentences]
    assert al.removed == (4,)
    assert {b_texts[j][:10] for j in al.added} == {"Critics sa", "The weathe"}
    assert al.moves == ()


def test_one_sided_boilerplate_is_not_aligned(encoder: Encoder) -> None:
    a_paras = [["Marlow council closes the old bridge"], ["Submitted on Tue, 03/12/2024 - 10:37"], *PARAGRAPHS]
    b_paras = [["/ regional news today/"], *REWORDED]
    a, b = seg(a_paras), seg(b_paras)
    al = align(a, b, options=OPTIONS, encoder=encoder)
    assert al.removed == (0, 1)
    assert al.added == (0,)
    assert links(al) == {(i + 2, i + 1) for i in range(len(flat(PARAGRAPHS)))}


def test_unrelated_documents_align_nothing(encoder: Encoder) -> None:
    al = align(seg(PARAGRAPHS), seg(UNRELATED), options=OPTIONS, encoder=encoder)
    assert al.groups == () and al.moves == ()
    assert len(al.removed) == len(flat(PARAGRAPHS)) and len(al.added) == len(flat(UNRELATED))


def test_question_answer_roles_are_optional_evidence(encoder: Encoder) -> None:
    def with_roles(s: Segmentation) -> Segmentation:
        sents = tuple(
            Sentence(x.index, x.start, x.end, x.text, x.paragraph, turn=x.paragraph,
                     role="question" if x.paragraph % 2 == 0 else "answer")
            for x in s.sentences
        )
        return Segmentation(s.document, sents, s.paragraphs)

    a, b = seg(PARAGRAPHS), seg(REWORDED)
    plain = align(a, b, options=OPTIONS, encoder=encoder)
    roled = align(with_roles(a), with_roles(b), options=OPTIONS, encoder=encoder)
    one_sided = align(with_roles(a), b, options=OPTIONS, encoder=encoder)
    assert links(plain) == links(roled) == links(one_sided) == {(i, i) for i in range(len(a.sentences))}


def test_align_is_symmetric(encoder: Encoder) -> None:
    b_paras = [list(p) for p in REWORDED]
    del b_paras[0][2]
    b_paras = [b_paras[k] for k in (0, 4, 1, 2, 3, 5)]
    b_paras[2].append("The mayor did not answer further questions from reporters.")
    a, b = seg(PARAGRAPHS), seg(b_paras)
    ab = align(a, b, options=OPTIONS, encoder=encoder)
    ba = align(b, a, options=OPTIONS, encoder=encoder)
    assert ab.added == ba.removed and ab.removed == ba.added
    assert {(g.a, g.b, g.score, g.moved) for g in ab.groups} == {(g.b, g.a, g.score, g.moved) for g in ba.groups}
    assert {(mv.a, mv.b) for mv in ab.moves} == {(mv.b, mv.a) for mv in ba.moves}
    check_invariants(ab, len(a.sentences), len(b.sentences))
    check_invariants(ba, len(b.sentences), len(a.sentences))


def test_align_is_deterministic(encoder: Encoder) -> None:
    a, b = seg(PARAGRAPHS), seg([REWORDED[k] for k in (5, 0, 1, 2, 3, 4)])
    assert align(a, b, options=OPTIONS, encoder=encoder) == align(a, b, options=OPTIONS, encoder=encoder)


@pytest.mark.parametrize("a_paras,b_paras", [([], PARAGRAPHS), (PARAGRAPHS, []), ([], [])])
def test_empty_side(encoder: Encoder, a_paras: list, b_paras: list) -> None:
    al = align(seg(a_paras), seg(b_paras), options=OPTIONS, encoder=encoder)
    assert al.groups == () and al.removed == tuple(range(len(flat(a_paras))))
    assert al.added == tuple(range(len(flat(b_paras))))


def test_threshold_one_aligns_no_reworded_pair(encoder: Encoder) -> None:
    al = align(seg(PARAGRAPHS), seg(REWORDED), options=Options(align_threshold=1.0), encoder=encoder)
    check_invariants(al, len(flat(PARAGRAPHS)), len(flat(REWORDED)))
    assert al.groups == ()


def test_sparse_path_for_long_documents_gives_the_same_links(
    encoder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = seg(PARAGRAPHS), seg([REWORDED[k] for k in (0, 3, 1, 2, 4, 5)])
    dense = align(a, b, options=OPTIONS, encoder=encoder)
    monkeypatch.setattr(storydiff.align, "DENSE_MAX_CELLS", 10)
    sparse = align(a, b, options=OPTIONS, encoder=encoder)
    check_invariants(sparse, len(a.sentences), len(b.sentences))
    assert links(sparse) == links(dense)
    assert [(mv.a, mv.b) for mv in sparse.moves] == [(mv.a, mv.b) for mv in dense.moves]


def test_stable_groups_keeps_heaviest_increasing_chain() -> None:
    groups = [Group((0,), (5,), 1.0), Group((1,), (0,), 1.0), Group((2, 3), (1,), 1.0), Group((4,), (6,), 1.0)]
    assert stable_groups(groups) == [False, True, True, True]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    order=st.permutations(range(len(PARAGRAPHS))),
    dropped=st.sets(st.integers(0, len(flat(PARAGRAPHS)) - 1), max_size=4),
    sparse=st.booleans(),
)
def test_invariants_under_shuffles_and_deletions(
    encoder: Encoder, order: list[int], dropped: set[int], sparse: bool
) -> None:
    numbered: list[list[tuple[int, str]]] = []
    k = 0
    for p in PARAGRAPHS:
        numbered.append([(k + i, s) for i, s in enumerate(p)])
        k += len(p)
    b_num = [[x for x in numbered[p] if x[0] not in dropped] for p in order]
    b_num = [p for p in b_num if p]
    source = [x[0] for p in b_num for x in p]
    a, b = seg(PARAGRAPHS), seg([[s for _, s in p] for p in b_num])
    saved = storydiff.align.DENSE_MAX_CELLS
    storydiff.align.DENSE_MAX_CELLS = 0 if sparse else saved  # exercise the long-document path too
    try:
        al = align(a, b, options=OPTIONS, encoder=encoder)
    finally:
        storydiff.align.DENSE_MAX_CELLS = saved
    check_invariants(al, len(a.sentences), len(b.sentences))
    b2a = al.b2a()
    # every copied sentence is aligned with its original, and only deleted ones are removed
    assert all(source[j] in b2a.get(j, ()) for j in range(len(source)))
    assert set(al.removed) <= dropped


@pytest.mark.slow
def test_bible_independent_translations_with_shuffled_paragraphs(encoder: Encoder) -> None:
    """A small quality floor on real re-translations (the full figures: benchmarks/align_bible.py)."""
    if not BIBLE.exists():
        pytest.skip(f"Bible parallel data not found at {BIBLE}")
    csv.field_size_limit(1 << 30)
    chapters: dict[tuple[str, str], list[dict[str, str]]] = {}
    with BIBLE.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if row["book"] in ("John", "Ruth") and row["web"] and row["ylt"]:
                chapters.setdefault((row["book"], row["chapter"]), []).append(row)
    rng = random.Random(5)
    correct = predicted = gold = 0
    for key in sorted(chapters)[:8]:
        rows = chapters[key]
        paras = [list(range(i, min(len(rows), i + 4))) for i in range(0, len(rows), 4)]
        order = list(range(len(paras)))
        rng.shuffle(order)
        a = seg([[rows[k]["web"] for k in p] for p in paras])
        b_ids = [k for p in order for k in paras[p]]
        b = seg([[rows[k]["ylt"] for k in paras[p]] for p in order])
        al = align(a, b, options=OPTIONS, encoder=encoder)
        pred = links(al)
        correct += sum(1 for i, j in pred if b_ids[j] == i)
        predicted += len(pred)
        gold += len(rows)
    precision, recall = correct / predicted, correct / gold
    assert 2 * precision * recall / (precision + recall) >= 0.95


# --- repeated and identical sentences, long interviews (issue 14) ------------------------


@pytest.mark.issue(14)
def test_repeated_sentences_align_in_order_without_a_move(encoder: Encoder) -> None:
    x = seg([["Hello there.", "Hello there.", "Goodbye."]])
    al = align(x, x, options=OPTIONS, encoder=encoder)
    assert [(g.a, g.b) for g in al.groups] == [((0,), (0,)), ((1,), (1,)), ((2,), (2,))]
    assert al.moves == () and al.added == () and al.removed == ()


@pytest.mark.issue(14)
@pytest.mark.parametrize("sparse", [False, True])
def test_thousands_of_identical_lines_align_with_themselves(encoder: Encoder, sparse: bool,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    if sparse:
        monkeypatch.setattr(storydiff.align, "DENSE_MAX_CELLS", 0)
    x = seg([["Same line here."] * 3000])
    al = align(x, x, options=OPTIONS, encoder=encoder)
    check_invariants(al, 3000, 3000)
    assert all(g.a == g.b and len(g.a) == 1 and not g.moved for g in al.groups) and len(al.groups) == 3000
    assert al.added == al.removed == al.moves == ()


@pytest.mark.issue(14)
def test_identical_runs_align_around_an_insertion(encoder: Encoder) -> None:
    lines = ["Same line here."] * 40
    a = seg([lines])
    b = seg([lines[:25] + ["A new line about the bridge budget."] + lines[25:]])
    al = align(a, b, options=OPTIONS, encoder=encoder)
    assert al.added == (25,) and al.removed == () and al.moves == ()
    assert [(g.a[0], g.b[0]) for g in al.groups] == [(i, i if i < 25 else i + 1) for i in range(40)]


@pytest.mark.issue(14)
def test_a_moved_sentence_is_still_a_move_after_identical_text_is_paired(encoder: Encoder) -> None:
    a = seg([flat(PARAGRAPHS)])
    moved = flat(PARAGRAPHS)
    moved.append(moved.pop(2))
    al = align(a, seg([moved]), options=OPTIONS, encoder=encoder)
    assert [mv.a for mv in al.moves] == [(2,)]
    assert [mv.b for mv in al.moves] == [(len(moved) - 1,)]


@pytest.mark.issue(14)
def test_exact_pairs_is_a_line_diff() -> None:
    assert exact_pairs([], ["a"]) == []
    assert exact_pairs(["a", "b", "c"], ["a", "b", "c"]) == [(0, 0), (1, 1), (2, 2)]
    assert exact_pairs(["a  b", "c"], ["a b", "x", "c"]) == [(0, 0), (1, 2)]  # whitespace runs collapse
    assert exact_pairs(["x", "y", "x", "y"], ["y", "x", "y", "x"]) in (
        [(0, 1), (1, 2), (2, 3)], [(1, 0), (2, 1), (3, 2)])


@pytest.mark.issue(14)
def test_exact_pairs_of_huge_regions_cut_at_unique_anchors(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above the LCS budget a region is cut at lines found once on each side, then solved piece by piece."""
    import storydiff.align.exact as exact

    monkeypatch.setattr(exact, "LCS_MAX_CELLS", 100)
    rng = random.Random(3)
    a = [f"line {rng.randrange(20)}" for _ in range(400)]
    for k in range(0, 400, 37):
        a[k] = f"unique {k}"
    b = list(a)
    del b[100]
    b.insert(300, "inserted")
    pairs = exact.exact_pairs(a, b)
    assert all(a[i] == b[j] for i, j in pairs)
    assert [i for i, _ in pairs] == sorted(i for i, _ in pairs) and [j for _, j in pairs] == sorted(j for _, j in pairs)
    assert len(pairs) >= 390  # everything but the edits and a few pairs across block borders


@pytest.mark.issue(14)
def test_question_and_answer_roles_on_the_sparse_path(encoder: Encoder) -> None:
    """Above 2,000 × 2,000 sentences with question/answer roles: int() of a (1, 1) array raised TypeError."""
    from storydiff.pipeline import as_segmentation

    rng = random.Random(1)
    words = "the bridge council river mayor vote money school bus street shop baker fund design spring".split()
    lines = []
    for k in range(1100):
        lines.append(f"Q: Question {k} about {' '.join(rng.choices(words, k=5))}?")
        lines.append(f"A: Answer {k} is {' '.join(rng.choices(words, k=6))}. It {rng.choice(words)} here.")
    text = "\n".join(lines)
    a = as_segmentation(text, options=OPTIONS)
    b = as_segmentation(text.replace("Answer 5 is", "Reply 5 is"), options=OPTIONS)
    assert len(a.sentences) * len(b.sentences) > storydiff.align.DENSE_MAX_CELLS
    assert {s.role for s in a.sentences} == {"question", "answer"}
    al = align(a, b, options=OPTIONS, encoder=encoder)
    check_invariants(al, len(a.sentences), len(b.sentences))
    assert al.added == al.removed == al.moves == ()


@pytest.mark.issue(13)
def test_quoted_words_decide_a_quotes_counterpart():
    from storydiff.align.quotes import repair_quotes

    ta = ['"We will rebuild the bridge by spring," the mayor said.', '"Nobody asked the residents," Ruiz said.']
    tb = ['"Nobody asked the residents at all," said Ruiz, a neighbour.', '"We will rebuild the bridge by spring," said the mayor.']
    crossed = [((0,), (0,), 0.0), ((1,), (1,), 0.0)]
    fixed = repair_quotes(crossed, ta, tb, lambda i, j: float(10 * i + j))
    assert [(g[0], g[1]) for g in fixed] == [((0,), (1,)), ((1,), (0,))]
    right = [((0,), (1,), 0.0), ((1,), (0,), 0.0)]
    assert repair_quotes(right, ta, tb, lambda i, j: 0.0) == right


@pytest.mark.issue(14)
def test_quote_repair_stays_linear_in_the_number_of_quoted_sentences() -> None:
    """Every pair of quoted groups was visited: 20,000 quoted lines took minutes; the groups come in A order."""
    import time

    from storydiff.align.quotes import repair_quotes

    texts = [f'"Quoted words number {k} said here," she said.' for k in range(20_000)]
    groups = [((k,), (k,), 1.0) for k in range(20_000)]
    t = time.perf_counter()
    assert repair_quotes(groups, texts, texts, lambda i, j: 1.0) == groups
    assert time.perf_counter() - t < 10.0  # ~0.2 s; the quadratic loop took minutes
