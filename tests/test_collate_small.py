"""Small traditions (3 to 6 versions) with a known stemma: chains, a fork, shared additions and omissions,
unrelated families. Each tradition is collated in more than one input order: the answer must not depend on it."""

from __future__ import annotations

from itertools import permutations

import pytest

from storydiff import collate
from storydiff.collate.render import render_collation

pytestmark = pytest.mark.issue(15)

S = [
    "The council met on Monday evening.",
    "It approved the budget for next year.",
    "The mayor was absent because of illness.",
    "Spending on schools rises by four percent.",
    "The new library will open in March.",
    "Parking fees in the centre will double.",
    "Residents can comment on the plan until Friday.",
    "The next meeting is on 12 June.",
]
ADDED = "Three members voted against it."
ADDED_REWORDED = "Three councillors opposed the plan."


def text(*sentences: str) -> str:
    return " ".join(sentences)


def without(*drop: int, changes: dict[int, str] | None = None, after: dict[int, str] | None = None) -> str:
    """The base text less the sentences ``drop``, with ``changes`` and a sentence added ``after`` some."""
    out = []
    for k, s in enumerate(S):
        if k not in drop:
            out.append((changes or {}).get(k, s))
        if k in (after or {}):
            out.append(after[k])  # type: ignore[index]
    return text(*out)


def stemma_edges(versions: dict[str, str], order: list[str], **kwargs) -> set[tuple[str, str]]:
    c = collate([versions[k] for k in order], names=order, **kwargs)
    return {(e.source, e.copy) for e in c.stemma.edges}


def orders(ids: list[str], n: int = 3) -> list[list[str]]:
    """The given order, its reverse, and a rotation: enough to catch an answer that follows the input order."""
    return [ids, ids[::-1], ids[1:] + ids[:1]][:n]


def test_a_chain_of_omissions_and_a_change():
    v = {"O": without(), "A": without(4), "B": without(4, 6),
         "C": without(4, 6, changes={3: "Spending on schools rises by six percent."})}
    for order in orders(list(v)):
        assert stemma_edges(v, order) == {("O", "A"), ("A", "B"), ("B", "C")}, order


def test_a_fork_two_copies_of_one_source():
    v = {"O": without(), "A": without(2), "B": without(5)}
    for order in orders(list(v)):
        assert stemma_edges(v, order) == {("O", "A"), ("O", "B")}, order


def test_an_addition_shared_by_two_copies_happens_once():
    """The lead's reproducer: b adds a sentence, c re-words b's addition. Whatever the order given, b and c hang
    together and a is no intermediate between them (that tree would drop the addition and make it again)."""
    a = "The council met on Monday. It approved the budget. The mayor was absent."
    b = f"The council met on Monday. It approved the budget. {ADDED} The mayor was absent."
    c = f"The council met on Monday. It approved the budget. {ADDED_REWORDED} The mayor was absent."
    v = {"a": a, "b": b, "c": c}
    for order in permutations(v):
        got = stemma_edges(v, list(order))
        assert len(got) == 2 and ({("b", "c"), ("c", "b")} & got), (order, got)
        assert sum(1 for e in got if "a" in e) == 1, (order, got)  # a is a leaf
    dated = stemma_edges(v, ["a", "b", "c"], dates={"a": "2024-01-01", "b": "2024-01-02", "c": "2024-01-03"})
    assert dated == {("a", "b"), ("b", "c")}


def test_an_addition_shared_by_two_copies_oriented_by_what_the_first_dropped():
    v = {"O": without(),
         "A": without(2, 5, after={1: ADDED}),
         "B": without(2, 5, after={1: ADDED_REWORDED}, changes={7: "The next meeting is on 19 June."})}
    for order in orders(list(v)):
        assert stemma_edges(v, order) == {("O", "A"), ("A", "B")}, order


def test_an_omission_shared_by_two_copies():
    v = {"O": without(), "A": without(3), "B": without(3, changes={7: "The next meeting is on 19 June."}),
         "C": without(6)}
    for order in orders(list(v)):
        assert stemma_edges(v, order) == {("O", "A"), ("A", "B"), ("O", "C")}, order


def test_six_versions_two_branches_and_a_retelling_kept_apart():
    retold = ("On Monday night the councillors gathered and passed next year's spending plan. Illness kept the "
              "mayor away. Schools will get four percent more money, and a library opens its doors in March.")
    v = {"O": without(), "A": without(6), "B": without(6, 7), "C": without(6, changes={4: "The new library will "
         "open in April."}), "D": without(1), "U": retold}
    for order in orders(list(v), 2):
        c = collate([v[k] for k in order], names=order)
        assert {(e.source, e.copy) for e in c.stemma.edges} == {("O", "A"), ("A", "B"), ("A", "C"), ("O", "D")}
        assert c.stemma.unrelated == ("U",)


OTHER = [
    "Heavy rain flooded the harbour district on Sunday.",
    "Firefighters pumped water out of forty cellars.",
    "The ferry to the island was cancelled for two days.",
    "Insurers expect claims of several million euros.",
    "The weather service warns of more storms this week.",
]


def test_two_unrelated_families_are_collated_apart():
    v = {"O": without(), "A": without(4), "P": text(*OTHER), "Q": text(*OTHER[:3], OTHER[4])}
    c = collate(list(v.values()), names=list(v))
    assert [(f.base, set(f.witnesses)) for f in c.families] == [("O", {"O", "A"}), ("P", {"P", "Q"})]
    for row in c.rows:
        members = set(c.families[row.family].witnesses)
        assert set(row.cells) <= members
    assert sum(1 for row in c.rows if set(row.cells) == {"P", "Q"}) == 4
    assert {(e.source, e.copy) for e in c.stemma.edges} == {("O", "A"), ("P", "Q")}
    report = render_collation(c, "text")
    assert "tell 2 unrelated texts" in report and "family 2 (base P)" in report
    lacking = [line for line in report.splitlines() if "[lacking]" in line]
    assert lacking == ["    [lacking] A", "    [lacking] Q"]


def test_a_row_the_base_lacks_is_not_labelled_base():
    v = {"O": without(), "A": without(after={2: ADDED}), "B": without(after={2: ADDED}, changes={0: "The council "
         "met on Tuesday evening."})}
    c = collate(list(v.values()), names=list(v), base="O")
    report = render_collation(c, "text")
    assert f"[present] A, B: {ADDED}" in report
    assert not any(line.strip().startswith("[base]") and "O" not in line.split(":")[0] for line in report.splitlines())


def test_seed_pair_and_the_example_pair_form_two_families(seed_pair, example_pair):
    """Two versions of an interview and two of a news story: each story aligned within itself, the
    republished bridge story against the original (as `storydiff compare` aligns them), not against the interview."""
    c = collate([*seed_pair, *example_pair], names=["s0", "s1", "bo", "br"])
    assert sorted(sorted(f.witnesses) for f in c.families) == [["bo", "br"], ["s0", "s1"]]
    both = [row for row in c.rows if {"bo", "br"} <= set(row.cells)]
    assert len(both) >= 8
    report = render_collation(c, "text")
    assert "unrelated texts" in report
    for line in report.splitlines():
        if line.lstrip().startswith("[lacking]"):
            lacking = set(line.split("]", 1)[1].strip().split(", "))
            assert lacking <= {"s0", "s1"} or lacking <= {"bo", "br"}


def test_a_tree_through_a_version_lacking_a_passage_is_longer():
    """The root of the shared-addition fix: pairwise distances make b - a - c as short as a - b - c (a lacks the
    passage, so its wording is never counted), the tree's parsimony length does not."""
    from storydiff.collate.evidence import gather
    from storydiff.collate.parsimony import tree_length

    a = "The council met on Monday. It approved the budget. The mayor was absent."
    b = f"The council met on Monday. It approved the budget. {ADDED} The mayor was absent."
    c = f"The council met on Monday. It approved the budget. {ADDED_REWORDED} The mayor was absent."
    rows = collate([a, b, c], names=["a", "b", "c"]).rows
    ev = gather(rows, ["a", "b", "c"])
    through_a, through_b = [(0, 1), (0, 2)], [(0, 1), (1, 2)]
    assert sum(ev.distance[i, j] for i, j in through_a) == sum(ev.distance[i, j] for i, j in through_b)
    assert tree_length(ev, [0, 1, 2], through_a) == tree_length(ev, [0, 1, 2], through_b) + 1
