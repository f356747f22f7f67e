"""Data for :mod:`storydiff.segment`: abbreviations, quotes, dashes, labels.

Data only (as trafilatura keeps its XPath lists in ``xpaths.py``): the code
that uses these sets lives in ``segment.py``. Entries are lower-case unless
said otherwise and are written without their final period.
"""

from __future__ import annotations

# Titles and honorifics: always followed by a name, so a period after them
# never ends a sentence ("Dr. Park", "Gen. Gerasimov").
TITLE_ABBREVIATIONS = frozenset(
    {
        "mr", "mrs", "ms", "mx", "dr", "prof", "sr", "st", "mt", "ft", "gen", "col", "lt",
        "maj", "capt", "cpt", "sgt", "cmdr", "adm", "brig", "gov", "sen", "rep", "pres",
        "amb", "rev", "hon", "msgr", "fr", "messrs", "mme", "mlle", "hr", "dipl", "ing",
    }
)  # fmt: skip

# Abbreviations that take a number after them ("No. 5", "Art. 51", "p. 12").
NUMBER_ABBREVIATIONS = frozenset(
    {
        "no", "nos", "nr", "art", "arts", "p", "pp", "vol", "vols", "ch", "chap", "fig",
        "figs", "sec", "secs", "para", "paras", "op", "cl", "ed", "eds", "ref", "tab", "ver",
    }
)  # fmt: skip

# Abbreviations that usually sit inside a sentence; a split after them is
# undone unless the next word clearly opens a new sentence.
INNER_ABBREVIATIONS = frozenset(
    {
        "e.g", "i.e", "cf", "viz", "vs", "approx", "ca", "c", "incl", "excl", "esp", "resp",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
        "u.s", "u.k", "u.n", "e.u", "u.s.a", "u.s.s.r", "a.m", "p.m", "est", "dept", "corp",
        "inc", "ltd", "co", "bros", "assn", "univ", "govt", "int", "natl", "jr", "et al",
    }
)  # fmt: skip

# Abbreviations after which a capitalised word may still continue the
# sentence only when it is one of TIME_WORDS ("4 p.m. Friday").
TIME_ABBREVIATIONS = frozenset({"a.m", "p.m"})
TIME_WORDS = frozenset(
    {
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
        "january", "february", "march", "april", "may", "june", "july", "august",
        "september", "october", "november", "december", "gmt", "utc", "cet", "msk", "est",
        "edt", "pst", "pdt", "bst", "local", "moscow", "eastern", "pacific", "central",
    }
)  # fmt: skip

# Abbreviations after which the splitter's own decision is never overruled
# by the missed-boundary rule ("e.g. The Times", "cf. The report").
NEVER_FORCE_AFTER = frozenset({"e.g", "i.e", "cf", "viz", "vs", "approx", "ca", "c", "incl", "esp", "et al"})

# Every abbreviation above, for "is this token a plain word?".
ALL_ABBREVIATIONS = TITLE_ABBREVIATIONS | NUMBER_ABBREVIATIONS | INNER_ABBREVIATIONS | {"etc", "al"}

# Words that open sentences: after an "initial" ("Plan B. The …") they mean a
# real boundary, not a name such as "J. R. R. Tolkien".
SENTENCE_STARTERS = frozenset(
    {
        "a", "an", "the", "this", "that", "these", "those", "it", "its", "he", "she", "we",
        "they", "i", "you", "there", "here", "in", "on", "at", "as", "but", "and", "or", "so",
        "if", "when", "while", "after", "before", "however", "meanwhile", "then", "thus",
        "our", "my", "his", "her", "their", "what", "why", "how", "who", "where", "is", "are",
        "was", "were", "do", "does", "did", "can", "could", "will", "would", "should", "not",
        "no", "yes", "all", "some", "many", "most", "one", "for", "with", "by", "from",
        "now", "through", "nevertheless", "although", "because", "since", "yet", "still",
        "also", "even", "every", "each", "both", "only", "such", "let", "having", "today",
    }
)  # fmt: skip

# Characters that close a quotation or an insertion; after a sentence-final
# mark they stay with the sentence ('… he said.” Then').
CLOSERS = "\"'”’»)]}›"
OPENERS = "\"'“‘«([{‹„"
BRACKET_PAIRS = (("(", ")"), ("[", "]"), ("{", "}"))
# A sentence-final mark: period, question, exclamation, ellipsis (… or ...).
FINAL_MARKS = ".!?…"

# Dialogue dashes that open a paragraph to mark a change of speaker ("– We agree").
DASH_MARKERS = "–—―-"

# Speaker labels that mark the interviewer's turns (compared case-folded).
QUESTION_LABELS = frozenset(
    {
        "q", "question", "questions", "interviewer", "journalist", "reporter", "correspondent",
        "moderator", "host", "presenter", "anchor", "audience", "audience member",
    }
)  # fmt: skip

# "Word:" prefixes that are not people speaking (compared case-folded).
NOT_SPEAKERS = frozenset(
    {
        "note", "notes", "nb", "n.b", "ps", "p.s", "update", "updated", "editor's note",
        "editor’s note", "source", "sources", "photo", "photos", "image", "video", "caption",
        "credit", "credits", "read more", "read also", "see also", "related", "tags", "tag",
        "warning", "example", "examples", "summary", "disclaimer", "correction", "published",
        "posted", "submitted", "date", "time", "location", "place", "subject", "re", "fwd",
        "from", "to", "cc", "bcc", "title", "author", "authors", "by", "keywords", "abstract",
        "background", "conclusion", "conclusions", "methods", "results", "objective",
        "contact", "email", "e-mail", "phone", "tel", "fax", "address", "website", "web",
        "url", "link", "links", "important", "attention", "tip", "hint", "step",
        "chapter", "part", "section", "table", "figure", "appendix", "total", "price",
        "breaking", "watch", "listen", "also", "more", "opinion", "analysis", "comment",
    }
)  # fmt: skip

# First words that make any "Word …:" prefix a heading, not a speaker
# ("Article 5:", "Step 2:", "Chapter One:").
NOT_SPEAKERS_FIRST = frozenset(
    {
        "article", "chapter", "section", "part", "step", "item", "point", "paragraph", "rule",
        "table", "figure", "appendix", "annex", "day", "phase", "stage", "level", "round",
        "update", "note",
    }
)  # fmt: skip

# Lower-case words allowed inside a multi-word label ("Minister of Foreign
# Affairs:", "Ursula von der Leyen:").
LABEL_PARTICLES = frozenset(
    {
        "of", "the", "and", "for", "de", "del", "della", "der", "den", "van", "von", "da", "di",
        "du", "la", "le", "al", "bin", "ibn", "y",
    }
)  # fmt: skip
# A label is at most this many words and characters.
LABEL_MAX_WORDS = 6
LABEL_MAX_CHARS = 48

# --- other languages ------------------------------------------------------------
# Additions for text in other languages (segment.py applies them only when a
# document's language is not English; English text uses the sets above alone).
# Entries are lower case and without their final period, as above.

TITLE_ABBREVIATIONS_BY_LANGUAGE = {
    "ru": {"г-н", "г-жа", "проф", "акад", "доц", "тов", "св", "ген", "полк", "гр"},
    "de": {"hr", "fr", "frl", "dr", "prof", "dipl", "ing", "st"},
    "fr": {"m", "mm", "mme", "mmes", "mlle", "mlles", "me", "mgr", "pr", "dr", "st", "ste"},
    "es": {"sr", "sra", "srta", "sres", "d", "dña", "dr", "dra", "ud", "uds", "lic", "ing", "sto", "sta"},
}
NUMBER_ABBREVIATIONS_BY_LANGUAGE = {
    "ru": {"№", "с", "стр", "п", "пп", "ч", "ст", "табл", "рис", "гл", "т", "им", "д", "кв", "корп"},
    "de": {"nr", "s", "abs", "art", "bd", "kap", "abb", "tab", "ziff"},
    "fr": {"n", "no", "p", "pp", "art", "chap", "vol", "fig", "t"},
    "es": {"n", "núm", "pág", "págs", "art", "cap", "vol", "fig", "t"},
}
INNER_ABBREVIATIONS_BY_LANGUAGE = {
    "ru": {"т.е", "т", "е", "т.к", "т.н", "т.д", "т.п", "см", "ср", "напр", "др", "пр", "ок", "ул", "пер", "просп",
           "обл", "р-н", "руб", "коп", "млн", "млрд", "тыс", "трлн", "янв", "февр", "авг", "сент", "окт", "нояб",
           "дек", "вв", "гг", "в", "г", "до н.э", "н.э"},
    "de": {"z.b", "z", "b", "bzw", "usw", "u.a", "d.h", "ca", "vgl", "ggf", "evtl", "inkl", "gegr", "geb", "gest",
           "jh", "jhd", "mio", "mrd", "tsd", "u.s.w", "o.ä", "s.o", "s.u", "bspw", "sog", "bzgl", "v.a"},
    "fr": {"c.-à-d", "cf", "env", "av", "bd", "éd", "hab", "ex", "p.ex", "vs", "janv", "févr", "avr", "juil", "sept",
           "oct", "nov", "déc"},
    "es": {"p.ej", "aprox", "avda", "av", "c", "cía", "dcha", "izq", "ej", "ene", "feb", "abr", "ago", "sept",
           "oct", "nov", "dic", "ee.uu", "uu"},
}
SENTENCE_STARTERS_BY_LANGUAGE = {
    "ru": {"это", "он", "она", "оно", "они", "мы", "я", "вы", "но", "и", "а", "в", "на", "по", "как", "так", "когда",
           "если", "однако", "затем", "потом", "тогда", "там", "здесь", "все", "всё", "этот", "эта", "эти", "кроме",
           "при", "после", "до", "из", "о", "об", "с", "со", "у", "к", "для", "что", "кто", "где", "почему", "итак",
           "также", "еще", "ещё", "уже", "сейчас", "теперь", "сегодня", "вчера", "завтра", "не", "нет", "да"},
    "de": {"der", "die", "das", "den", "dem", "des", "ein", "eine", "er", "sie", "es", "wir", "ich", "ihr", "man",
           "aber", "und", "doch", "dann", "danach", "so", "auch", "in", "im", "am", "an", "auf", "mit", "nach", "bei",
           "wenn", "als", "dies", "diese", "dieser", "dieses", "heute", "nun", "jetzt", "hier", "dort", "was", "wer",
           "wie", "warum", "nicht", "kein", "keine", "zudem", "außerdem", "jedoch", "deshalb", "trotzdem"},
    "fr": {"le", "la", "les", "un", "une", "des", "il", "elle", "ils", "elles", "on", "nous", "je", "vous", "mais",
           "et", "puis", "ensuite", "alors", "donc", "en", "au", "aux", "dans", "pour", "avec", "sur", "par", "si",
           "quand", "ce", "cette", "ces", "cela", "ceci", "c'est", "aujourd'hui", "ici", "là", "que", "qui", "pourquoi",
           "comment", "ne", "pas", "non", "oui", "cependant", "pourtant", "depuis", "après", "avant"},
    "es": {"el", "la", "los", "las", "un", "una", "él", "ella", "ellos", "ellas", "nosotros", "yo", "usted", "pero",
           "y", "luego", "entonces", "después", "antes", "en", "con", "para", "por", "si", "cuando", "este", "esta",
           "estos", "estas", "esto", "eso", "hoy", "aquí", "allí", "qué", "quién", "cómo", "no", "sí", "sin",
           "embargo", "además", "también", "tal", "se", "lo", "le", "les"},
}
# Quotation marks that close in some languages and open in English (German „…“).
CLOSERS_BY_LANGUAGE = {"de": "“‘«"}
OPENERS_BY_LANGUAGE = {"de": "„‚»", "ru": "„", "fr": "«", "es": "«¿¡"}
# Languages that write ordinals as "3." ("am 3. Oktober", "im 19. Jahrhundert").
ORDINAL_DOT_LANGUAGES = frozenset({"de", "da", "no", "nb", "fi", "cs", "sk", "pl", "hu", "et", "lv", "lt", "sl", "hr",
                                   "sr", "is", "tr"})
