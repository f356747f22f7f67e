"""Language identification: accuracy and speed of the candidate packages, and of storydiff.language.

Usage:
    .venv/bin/python benchmarks/language_id.py [--n 3000] [--only py3langid lingua ...]

Candidates that are not installed are reported as such (pip install py3langid lingua-language-detector
pycld2 langdetect to run them all). Texts: WMT22 en-ru segments (English and Russian) and REFreSD
sentences (English and French) from ../shared/data, sampled with a fixed seed; "short" = under 60
characters; documents = the WMT22 documents, each side whole. Also checks that the English shortcut in
storydiff.language (no model load for plain English prose) agrees with the model on every document and
sentence where it fires.

Writes benchmarks/results/language_id.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"


def load(n: int) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    docs = [json.loads(line) for line in (DATA / "wmt22-en-ru" / "documents.jsonl").open(encoding="utf-8")]
    items = [(lang, s) for d in docs for lang in ("en", "ru") for s in d[lang]]
    rows = (DATA / "refresd" / "REFreSD_sentence_labels.tsv").read_text(encoding="utf-8").split("\n")[1:]
    for r in rows:
        p = r.split("\t")
        if len(p) == 4:
            items += [("en", p[2]), ("fr", p[3])]
    rng = random.Random(0)
    rng.shuffle(items)
    documents = [(lang, " ".join(d[lang])) for d in docs for lang in ("en", "ru")]
    return items[:n], documents


def candidates():  # type: ignore[no-untyped-def]
    """name → (setup() → classify(text) → code | None)."""

    def py3langid():  # type: ignore[no-untyped-def]
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        ident = LanguageIdentifier.from_model_file(MODEL_FILE)
        return lambda t: ident.classify(t)[0]

    def lingua(low: bool):  # type: ignore[no-untyped-def]
        def setup():  # type: ignore[no-untyped-def]
            from lingua import LanguageDetectorBuilder

            b = LanguageDetectorBuilder.from_all_languages()
            det = (b.with_low_accuracy_mode() if low else b).build()

            def f(t: str) -> str | None:
                lang = det.detect_language_of(t)
                return lang.iso_code_639_1.name.lower() if lang else None

            return f

        return setup

    def pycld2():  # type: ignore[no-untyped-def]
        import pycld2 as cld

        def f(t: str) -> str | None:
            try:
                return str(cld.detect(t)[2][0][1])
            except Exception:  # noqa: BLE001 - pycld2 raises on some byte sequences
                return None

        return f

    def langdetect():  # type: ignore[no-untyped-def]
        from langdetect import DetectorFactory, detect

        DetectorFactory.seed = 0

        def f(t: str) -> str | None:
            try:
                return str(detect(t))
            except Exception:  # noqa: BLE001 - no features in the text
                return None

        return f

    def storydiff_language():  # type: ignore[no-untyped-def]
        from storydiff.language import detect_language

        return detect_language

    return {"py3langid": py3langid, "lingua": lingua(False), "lingua_low_accuracy": lingua(True),
            "pycld2": pycld2, "langdetect": langdetect, "storydiff.language": storydiff_language}


def measure(setup, items, documents) -> dict:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    f = setup()
    f("warm up")
    load_s = time.perf_counter() - t
    t = time.perf_counter()
    ok = sum(f(x) == lang for lang, x in items)
    per_sent = (time.perf_counter() - t) / len(items)
    short = [(lang, x) for lang, x in items if len(x) < 60]
    ok_short = sum(f(x) == lang for lang, x in short)
    t = time.perf_counter()
    ok_doc = sum(f(x) == lang for lang, x in documents)
    per_doc = (time.perf_counter() - t) / len(documents)
    # storydiff.language says None when unsure, and None is compared as English: count it so too.
    as_en = sum((f(x) or "en") == lang for lang, x in items)
    return {"accuracy_unknown_as_english": round(as_en / len(items), 4),"load_s": round(load_s, 3), "sentence_accuracy": round(ok / len(items), 4),
            "short_accuracy": round(ok_short / len(short), 4), "short_n": len(short),
            "document_accuracy": round(ok_doc / len(documents), 4), "ms_per_sentence": round(1000 * per_sent, 3),
            "ms_per_document": round(1000 * per_doc, 3)}


def shortcut_agreement(items, documents) -> dict:  # type: ignore[no-untyped-def]
    from storydiff.language import _identifier, _plainly_english

    fired = [x for _, x in items + documents if _plainly_english(x[:4000])]
    model = _identifier()
    disagree = [x[:80] for x in fired if model.classify(x[:4000])[0] != "en"]
    return {"texts_where_shortcut_fires": len(fired), "model_disagrees": len(disagree), "examples": disagree[:5]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--only", nargs="*", default=None)
    args = ap.parse_args()
    if not (DATA / "wmt22-en-ru").is_dir():
        sys.exit("../shared/data/wmt22-en-ru not found")
    items, documents = load(args.n)
    res: dict = {"benchmark": "language_id", "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                 "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
                 "loadavg_1m": round(os.getloadavg()[0], 2),
                 "command": " ".join(["PYTHONPATH=src .venv/bin/python benchmarks/language_id.py", *sys.argv[1:]]),
                 "sentences": len(items), "documents": len(documents), "results": {}}
    for name, setup in candidates().items():
        if args.only and name not in args.only:
            continue
        try:
            res["results"][name] = measure(setup, items, documents)
        except ImportError as e:
            res["results"][name] = {"not_installed": str(e)}
        print(name, json.dumps(res["results"][name]), flush=True)
    res["english_shortcut"] = shortcut_agreement(items, documents)
    res["loadavg_1m_end"] = round(os.getloadavg()[0], 2)
    print(json.dumps(res, indent=2, ensure_ascii=False))
    (ROOT / "benchmarks" / "results" / "language_id.json").write_text(
        json.dumps(res, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
