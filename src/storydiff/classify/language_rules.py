"""Data for :mod:`storydiff.classify.crosslingual`: negation cues, number conventions, scale abbreviations.

Data only. Number words, month and weekday names come from libraries
(num2words, babel's CLDR data); what is listed here is what those do not
hold. Keys are ISO 639-1 codes; entries are lower case.
"""

from __future__ import annotations

# Words that negate a clause on their own ("not", "не", "nicht", "ne", "no").
NEGATORS: dict[str, frozenset[str]] = {
    "en": frozenset("not n't no non never nobody nothing none neither nor cannot without".split()),
    "ru": frozenset("не нет нельзя без".split()),
    "uk": frozenset("не ні немає без".split()),
    "de": frozenset("nicht kein keine keinen keinem keiner keines nie niemals niemand nichts ohne weder".split()),
    "fr": frozenset("ne n' sans".split()),
    "es": frozenset("no sin".split()),
    "it": frozenset("non senza".split()),
    "pt": frozenset("não nao sem".split()),
    "nl": frozenset("niet geen nooit niemand niets zonder".split()),
    "pl": frozenset("nie bez".split()),
}

# Words that negate only in concord with a negator in the same clause
# ("никто не пришёл", "il ne vient jamais", "no vino nadie"): counted alone
# only when no negator stands within CONCORD_REACH words of them.
CONCORD: dict[str, frozenset[str]] = {
    "ru": frozenset("ни никто ничто ничего ничем никого никому никогда нигде никуда никакой никакая никакое никакие "
                    "никакого никаких ниоткуда".split()),
    "uk": frozenset("ніхто ніщо нічого ніколи ніде ніякий".split()),
    "fr": frozenset("pas jamais rien aucun aucune personne plus guère ni nul nulle".split()),
    "es": frozenset("nunca jamás nada nadie ningún ninguno ninguna ni tampoco".split()),
    "it": frozenset("mai niente nulla nessuno nessuna né".split()),
    "pt": frozenset("nunca nada ninguém nenhum nenhuma nem".split()),
    "pl": frozenset("nikt nic nigdy nigdzie żaden żadna żadne ani".split()),
}
CONCORD_REACH = 6

# A negator right after one of these words does not negate ("whether or not").
NOT_AFTER: dict[str, frozenset[str]] = {"en": frozenset({"or"})}

# Languages that write numbers as 1,234.5 (the others write 1 234,5 or 1.234,5).
DECIMAL_POINT = frozenset({"en", "zh", "ja", "ko", "th", "he", "hi"})

# Abbreviated scale words num2words does not produce (values as powers of ten).
SCALE_ABBREVIATIONS: dict[str, dict[str, int]] = {
    "en": {"k": 3, "thousand": 3, "m": 6, "mn": 6, "mln": 6, "bn": 9, "b": 9, "tn": 12},
    "ru": {"тыс": 3, "млн": 6, "млрд": 9, "трлн": 12},
    "uk": {"тис": 3, "млн": 6, "млрд": 9, "трлн": 12},
    "de": {"tsd": 3, "mio": 6, "mrd": 9, "bio": 12},
    "fr": {"k": 3, "md": 9, "mds": 9, "mrd": 9},
    "es": {"mil": 3, "mm": 6},
    "it": {"mila": 3, "mln": 6, "mld": 9, "mrd": 9},
    "pt": {"mil": 3, "mi": 6, "bi": 9},
    "nl": {"mln": 6, "mld": 9},
    "pl": {"tys": 3, "mln": 6, "mld": 9},
}

# Languages that capitalise every noun: a capitalised word there is no sign of a name.
NOUNS_CAPITALISED = frozenset({"de", "lb"})

# Quotation marks that open a quotation, by character.
QUOTE_OPENERS = "«„“‘‹「『"

# Words that carry a negation inside them ("unable", "until", "отсутствие", "немного"): a translation may render
# "not" with one of them, so they may explain a negator without a counterpart, but never make a finding.
# Entries are stems (a word starting with one counts); IMPLICIT_PREFIXES need at least four letters after them.
IMPLICIT_NEGATION: dict[str, tuple[str, ...]] = {
    "en": ("unable", "fail", "miss", "lack", "refus", "reject", "deni", "deny", "ignor", "until", "unless", "before",
           "prevent", "avoid", "stop", "hardly", "barely", "rarely", "seldom", "little", "few", "absen", "instead",
           "except", "forget", "forgot", "beware", "ban"),
    "ru": ("отсутств", "вряд", "избега", "отказ", "лиш", "пока", "нельзя", "запрещ", "прекрат", "перестал", "перестан",
           "отрица", "помеша", "мешал",
           "забуд", "забыв", "упуст", "мал", "едва", "кроме", "вместо"),
    "de": ("ohne", "fehl", "vermeid", "verweiger", "bis", "kaum", "statt", "außer", "vergess"),
    "fr": ("sans", "manqu", "refus", "évit", "jusqu", "guère", "sauf", "oubli", "impossib", "incapab"),
    "es": ("sin", "falt", "rechaz", "evit", "hasta", "apenas", "salvo", "excepto", "olvid", "imposib", "incapa"),
}
IMPLICIT_PREFIXES: dict[str, tuple[str, ...]] = {
    "en": ("un", "dis", "non", "mis"),
    "ru": ("не", "без", "бес", "ни"),
    "de": ("un", "miss", "nicht"),
    "fr": ("non",),
}
# Words that start like a negative prefix without negating (checked as stems).
NOT_IMPLICIT: dict[str, tuple[str, ...]] = {
    "ru": ("несколь", "необходим", "недел", "нефт", "небо", "немец", "немецк", "нерв", "невест", "низ", "нижн",
           "безопасн"),
}

# Of those, the ones that negate outright ("unable" = "not able"): when one side has such a word and no negator,
# and the other side has no negation of any kind, the polarity differs.
STRONG_IMPLICIT: dict[str, tuple[str, ...]] = {
    "en": ("unable", "fail", "refus", "deni", "deny", "reject", "lack", "impossib", "incapab", "unwilling"),
    "ru": ("отсутств", "нельзя", "невозмож", "неспособ", "запрещ"),
    "de": ("unfähig", "unmöglich", "fehl", "verweiger", "ablehn"),
    "fr": ("incapab", "impossib", "refus", "rejet", "manqu"),
    "es": ("incapa", "imposib", "rechaz", "falt", "neg"),
}
