"""storydiff.collate: the variant table and the stemma on small constructed traditions."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import pytest

from storydiff import CollateOptions, Document, StorydiffError, collate, stemma_of
from storydiff.errors import InputError, OptionError

pytestmark = pytest.mark.issue(15)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def paragraphs() -> list[str]:
    return [p for p in (EXAMPLES / "bridge-original.txt").read_text(encoding="utf-8").split("\n\n") if p.strip()]


def join(paras: list[str]) -> str:
    return "\n\n".join(paras) + "\n"


@pytest.fixture(scope="module")
def tradition() -> dict[str, str]:
    """O → A (drops a paragraph) → B (31 to 9 → 31 to 19) → D (drops another); A → C (re-words); U told apart."""
    o = paragraphs()
    a = [p for p in o if not p.startswith("Critics also")]
    b = [p.replace("31 to 9", "31 to 19") for p in a]
    c = [p.replace("promised that", "pledged that") for p in a]
    d = [p for p in b if not p.startswith("The old Iron Bridge")]
    u = ("The Riverton city council has said yes to another crossing over the river. Building work starts in the "
         "autumn and lasts three years, the town hall announced. A loan from a European bank pays half of the bill. "
         "Hundreds of people protested in front of the council building while the members voted. "
         "Cars will not pay to cross, the mayor's office confirmed.")
    return {"O": join(o), "A": join(a), "B": join(b), "C": join(c), "D": join(d), "U": u}


@pytest.fixture(scope="module")
def collation(tradition):
    return collate(list(tradition.values()), names=list(tradition))


def edges(stemma) -> set[tuple[str, str]]:
    return {(e.source, e.copy) for e in stemma.edges}


def test_stemma_finds_the_copy_chain(collation):
    assert edges(collation.stemma) == {("O", "A"), ("A", "B"), ("A", "C"), ("B", "D")}
    assert collation.stemma.roots == ("O",)


def test_a_version_told_independently_stays_unrelated(collation):
    assert collation.stemma.unrelated == ("U",)
    assert all("U" not in (e.source, e.copy) for e in collation.stemma.edges)


def test_every_edge_has_a_confidence_and_names_its_evidence(collation):
    for e in collation.stemma.edges:
        assert 0.0 <= e.confidence <= 1.0
        assert e.decided_by and "shared readings" in e.decided_by
    drop = next(e for e in collation.stemma.edges if (e.source, e.copy) == ("O", "A"))
    assert "omissions" in drop.decided_by and drop.confidence > 0.9


def test_edge_lists_what_the_copier_changed(collation):
    ab = next(e for e in collation.stemma.edges if (e.source, e.copy) == ("A", "B"))
    assert ab.changes["changed"] == 1 and ab.changes["omitted"] == 0
    assert "31 to 19" in ab.changes["meaning"][0]["to"]
    od = next(e for e in collation.stemma.edges if (e.source, e.copy) == ("O", "A"))
    assert od.changes["omitted"] >= 1


def test_rows_group_readings_by_meaning(collation):
    row = next(r for r in collation.rows if any("31 to 19" in rd.text for rd in r.readings))
    changed = [g for g in row.groups if g.verdict == "changed"]
    assert len(changed) == 1 and set(changed[0].witnesses) == {"B", "D"}
    assert any(c.category == "number" for c in changed[0].changes)
    reworded = next(r for r in collation.rows if any("pledged that" in rd.text for rd in r.readings))
    assert {rd.verdict for rd in reworded.readings} == {"base", "reworded"}
    assert len(reworded.groups) == 1


def test_missing_passage_is_a_missing_cell(collation):
    row = next(r for r in collation.rows if r.readings[0].text.startswith("Critics also"))
    assert set(row.cells) == {"O"}


def test_moved_paragraph_is_a_transposition():
    o = paragraphs()
    moved = o[:2] + o[3:5] + [o[2]] + o[5:]
    c = collate([join(o), join(moved)], names=["o", "m"])
    assert any("m" in r.moved for r in c.rows)
    assert all(len(r.cells) == 2 for r in c.rows)


def test_json_is_valid_against_the_schema(collation):
    import jsonschema

    schema = json.loads(files("storydiff").joinpath("schema/collation-1.json").read_text())
    data = json.loads(json.dumps(collation.to_dict()))
    jsonschema.validate(data, schema)
    assert data["schema"] == "storydiff.collation/1"
    assert {w["id"] for w in data["witnesses"]} == {"O", "A", "B", "C", "D", "U"}


def test_cells_point_at_the_passages_of_each_version(collation):
    for row in collation.rows:
        for wid, idx in row.cells.items():
            text = collation.cell_text(row, wid)
            assert text is not None and any(wid in rd.witnesses and rd.text.split()[0] in text for rd in row.readings)


def test_dates_orient_an_edge_the_text_cannot():
    x = "The bridge will open in May. It has four lanes. Cyclists get their own path."
    y = "The bridge will open in June. It has four lanes. Cyclists get their own path."
    fwd = collate([x, y], names=["x", "y"], dates={"x": "2024-01-01", "y": "2024-02-01"})
    back = collate([x, y], names=["x", "y"], dates={"x": "2024-03-01", "y": "2024-02-01"})
    assert edges(fwd.stemma) == {("x", "y")} and "dates" in fwd.stemma.edges[0].decided_by
    assert edges(back.stemma) == {("y", "x")}


def test_lost_intermediate_appears_as_a_hypothetical_version():
    o = paragraphs()
    lost = [p.replace("31 to 9", "31 to 11").replace("€120 million", "€125 million") for p in o
            if not p.startswith(("Critics also", "The old Iron Bridge"))]
    one = [p.replace("about 300 residents", "some 300 residents").replace("nearly three years", "almost three years")
           for p in lost if not p.startswith("Mayor")]
    two = [p.replace("Thursday", "Wednesday").replace("lend 60 million", "lend 70 million") for p in lost]
    c = collate([join(o), join(one), join(two)], names=["o", "one", "two"])
    assert len(c.stemma.hypothetical) == 1
    h = c.stemma.hypothetical[0]
    assert edges(c.stemma) == {("o", h), (h, "one"), (h, "two")}


def test_unpunctuated_texts_fall_back_to_word_windows():
    words = ("in the beginning was the word and the word was with the council and the council met on thursday "
             "to vote on the bridge which would cost one hundred and twenty million and take three years to build "
             "while the old bridge carried forty thousand vehicles every day and engineers said it needed repairs "
             "by the end of the decade so the mayor asked the region for money and the region said it would "
             "think about it after the elections in the spring").split()
    a = " ".join(words)
    b = " ".join(w if w != "thursday" else "friday" for w in words)
    c = collate([a, a, b], names=["a", "a2", "b"])
    assert c.passages == "window"
    assert all(len(r.cells) == 3 for r in c.rows)
    varying = [r for r in c.rows if len(r.readings) > 1]
    assert len(varying) == 1 and "friday" in varying[0].readings[1].text


def test_stemma_of_documents_names_the_origin(tradition):
    docs = [Document(id=k, source=f"<{k}>", text=v) for k, v in tradition.items() if k != "U"]
    st = stemma_of(docs)
    assert st.origin() == ("O", "root of the stemma")
    assert st.origin(("B", "D"))[0] == "O"


def test_origin_is_none_with_a_reason_for_unrelated_versions(tradition):
    st = stemma_of([Document(id="O", source="o", text=tradition["O"]), Document(id="U", source="u", text=tradition["U"])])
    origin, why = st.origin()
    assert origin is None and "unrelated" in why


@pytest.mark.parametrize(
    "sources,kwargs,error,words",
    [
        (["only one"], {}, InputError, "at least 2"),
        (["x"] * 51, {}, InputError, "at most 50"),
        (["a. b.", "c. d."], {"names": ["same", "same"]}, InputError, "distinct name"),
        (["a. b.", "c. d."], {"names": ["one"]}, OptionError, "one name per version"),
        (["a. b.", "c. d."], {"base": "nope"}, OptionError, "unknown base"),
        (["a. b.", "c. d."], {"dates": {"v9": "2024-01-01"}}, OptionError, "unknown version id"),
        (["a. b.", "c. d."], {"dates": {"v1": "last week"}}, OptionError, "ISO 8601"),
        ([Path("/nonexistent/file.txt"), "c. d."], {}, InputError, "no such file"),
    ],
)
def test_bad_input_gets_a_clear_error(sources, kwargs, error, words):
    with pytest.raises(error, match=words):
        collate(sources, **kwargs)


def test_a_single_string_is_refused():
    with pytest.raises(StorydiffError, match="list of versions"):
        collate("one text")  # type: ignore[arg-type]


def test_options_are_checked():
    with pytest.raises(OptionError, match="passage mode"):
        CollateOptions(passages="paragraph")
    with pytest.raises(OptionError, match="link_threshold"):
        CollateOptions(link_threshold=2)


def test_identical_versions_name_no_origin():
    text = "The bridge opens in May. It has four lanes. Cyclists get their own path."
    st = stemma_of([Document(id="a", source="a", text=text), Document(id="b", source="b", text=text)])
    origin, why = st.origin()
    assert origin is None and "uncertain" in why
    assert len(st.edges) == 1 and st.edges[0].confidence == pytest.approx(0.5, abs=0.01)


def test_a_lone_combining_accent_does_not_break_the_change_engine():
    """Manuscript transcriptions carry stray accents as words of their own (found collating the Florilegium)."""
    from storydiff import compare_sentences

    j = compare_sentences("ἀπορία \u0301 αὐτόθι ἔχει τὴν λύσιν", "ἀπορία αὐτόθι ἔχει λύσιν")
    assert j.verdict.value in ("identical", "reworded", "changed")
