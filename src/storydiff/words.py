"""What counts as a word, for every stage that splits text into words.

Each stage needs a slightly different cut, on purpose, so each pattern is
named for its job and defined here once; a stage imports the one it needs.
Changing a pattern changes that stage's behaviour (and, for
:data:`WORD_OR_MARK`, the features the shipped verdict models were trained
on), so each one says what it keeps together and why.
"""

from __future__ import annotations

import re

__all__ = ["ALIGN_WORD", "CHANGE_TOKEN", "CLAUSE_TOKEN", "LETTER_RUN", "PLAIN_WORD", "WORD_OR_MARK"]

#: Verdict features and changed-word regions: a word with its inner hyphens, apostrophes and number marks
#: ("neo-Nazi", "don't", "4,000", "3.5"), or one punctuation mark (list separators matter to the features).
WORD_OR_MARK = re.compile(r"\w+(?:[-'’.,]\w+)*|[^\w\s]")

#: Alignment's lexical evidence: letters and digits with inner marks, no punctuation and no underscores.
ALIGN_WORD = re.compile(r"[^\W_]+(?:[.,'’][^\W_]+)*")

#: The change engine's tokens: dotted initialisms ("U.S."), numbers with their marks and ordinal or plural
#: suffixes ("10:37", "6th", "1990s"), words with inner hyphens and apostrophes, else any single character.
CHANGE_TOKEN = re.compile(r"(?:[^\W\d_]\.){2,}|\d+(?:[.,:/]\d+)*(?:st|nd|rd|th|s\b)?|[^\W\d_]+(?:[-'’`´ʼ][^\W\d_]+)*|\S")

#: Corpus sentence checks, in one pass: words, sentence ends (". ! ?" before optional closing quotes and a space,
#: or a line break) and clause breaks ("; : ," before a space).
CLAUSE_TOKEN = re.compile(r"\w+|[.!?](?=[\"'”’)\]]*(?:\s|$))|\n|[;:,](?=\s)")

#: Corpus document vectors: plain runs of word characters.
PLAIN_WORD = re.compile(r"\w+")

#: Encoding checks: runs of three or more letters (Cyrillic mis-read as cp1252 shows up as accented runs).
LETTER_RUN = re.compile(r"[^\W\d_]{3,}")
