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
