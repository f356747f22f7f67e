"""Bytes → text: encoding detection, binary refusal and normalisation.

Decoding order (first that fits wins), so that the common, unambiguous cases
never depend on a statistical guess:

1. a byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE);
2. BOM-less UTF-16 when one byte of nearly every pair is NUL;
3. strict UTF-8;
4. refuse binary (NUL bytes, many control characters);
5. UTF-8 with the few bad bytes replaced (U+FFFD) when the valid multi-byte
   sequences outnumber the invalid bytes: one stray byte in a UTF-8 file must
   not turn every accent into mojibake (a warning names the bytes);
6. cp1252 when it decodes strictly and reads like Western text;
7. whatever charset-normalizer finds most plausible.

Steps 5 to 7 are guesses, so each adds a warning naming the encoding used.

Normalisation keeps every word as written and touches only whitespace and
Unicode composition: newlines become ``\\n``, the BOM goes, NBSP becomes a plain
space, trailing spaces at line ends go, leading/trailing blank lines go, and
the text is put in Unicode NFC (see :func:`normalise`).
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from typing import NamedTuple

from storydiff.errors import UndecodableInput
from storydiff.words import LETTER_RUN

# (BOM, codec name to decode with, name we record). Longest BOMs first: the
# UTF-32 LE mark starts with the UTF-16 LE mark.
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
)

# Controls that plain text legitimately holds.
_TEXT_CONTROLS = frozenset("\t\n\r\f\v\x1b")
# Above this share of control characters the input is not text.
_MAX_CONTROL_RATIO = 0.01
_TRAILING_SPACE = re.compile(r"[ \t]+$", re.MULTILINE)
_WORD = LETTER_RUN
_ESCAPED = re.compile("[\udc80-\udcff]")


class Decoded(NamedTuple):
    """Decoded text (not yet normalised), the encoding used, and what the reader should know."""

    text: str
    encoding: str
    warnings: tuple[str, ...] = ()


def decode(data: bytes, *, label: str) -> Decoded:
    """Decode ``data`` and say which encoding was used.

    Args:
        data: the raw bytes.
        label: how to name the input in error messages (file name, ``<stdin>``).

    Returns:
        A :class:`Decoded`; ``warnings`` is empty unless the encoding was a
        guess or bad bytes were replaced.

    Raises:
        UndecodableInput: for binary data or bytes no encoding fits.
    """
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(_checked(data[len(bom) :].decode(codec), label), name)
            except UnicodeDecodeError as e:
                raise UndecodableInput(
                    f"{label}: starts with a {name} byte-order mark but is not valid {name} "
                    f"({e.reason} at byte {e.start + len(bom)}); re-save it as UTF-8"
                ) from None
    # Before UTF-8: ASCII text in BOM-less UTF-16 is valid UTF-8 full of NULs.
    utf16 = _bomless_utf16(data)
    if utf16 is not None:
        try:
            return Decoded(_checked(data.decode(utf16), label), utf16)
        except UnicodeDecodeError:
            pass
    try:
        return Decoded(_checked(data.decode("utf-8"), label), "utf-8")
    except UnicodeDecodeError:
        pass
    _refuse_binary(data, label)
    mostly = _mostly_utf8(data, label)
    if mostly is not None:
        return mostly
    text, encoding = _legacy(data, label)
    return Decoded(text, encoding, (f"not valid UTF-8; decoded as {encoding} (a guess): check accented letters",))


def _mostly_utf8(data: bytes, label: str) -> Decoded | None:
    """UTF-8 with bad bytes replaced, when the bytes are mostly valid UTF-8.

    A legacy single-byte file almost never holds a valid multi-byte UTF-8
    sequence (it would need pairs like "Ã©"), so valid sequences that
    outnumber the invalid bytes mean UTF-8 with a few damaged bytes.
    """
    # surrogateescape maps each invalid byte to one lone surrogate: one pass, and we can say where.
    escaped = data.decode("utf-8", errors="surrogateescape")
    bad = [m.start() for m in _ESCAPED.finditer(escaped)]
    multibyte = sum(1 for ch in escaped if ord(ch) > 127) - len(bad)
    if multibyte <= len(bad):
        return None
    lines = sorted({escaped.count("\n", 0, i) + 1 for i in bad[:5]})
    where = ("line " if len(lines) == 1 else "lines ") + ", ".join(map(str, lines)) + (" and more" if len(bad) > 5 else "")
    noun = "byte" if len(bad) == 1 else "bytes"
    text = _ESCAPED.sub("\ufffd", escaped)
    return Decoded(
        _checked(text, label),
        "utf-8",
        (f"UTF-8 with {len(bad)} invalid {noun} replaced by U+FFFD ({where})",),
    )


def _checked(text: str, label: str) -> str:
    """Refuse decoded text that is mostly control characters (a binary file)."""
    if not text:
        return text
    sample = text[:65536]
    bad = sum(1 for ch in sample if ch not in _TEXT_CONTROLS and unicodedata.category(ch) == "Cc")
    if "\x00" in sample or bad / len(sample) > _MAX_CONTROL_RATIO:
        raise UndecodableInput(
            f"{label}: looks like binary data, not text ({bad} control characters in the first "
            f"{len(sample)}); expected a plain-text, Markdown or HTML file"
        )
    return text


def _bomless_utf16(data: bytes) -> str | None:
    """``utf-16-le``/``-be`` when the NUL bytes sit on one side of nearly every pair."""
    if len(data) < 4 or len(data) % 2:
        return None
    sample = data[:4096]
    pairs = len(sample) // 2
    even_nul = sum(1 for b in sample[0::2] if b == 0)
    odd_nul = sum(1 for b in sample[1::2] if b == 0)
    # Latin-script UTF-16 has a NUL high byte for most characters, never the
    # other way round; binary data has NULs scattered over both sides.
    if odd_nul >= 0.6 * pairs and even_nul <= 0.02 * pairs:
        return "utf-16-le"
    if even_nul >= 0.6 * pairs and odd_nul <= 0.02 * pairs:
        return "utf-16-be"
    return None


def _refuse_binary(data: bytes, label: str) -> None:
    sample = data[:65536]
    controls = sum(1 for b in sample if b < 32 and chr(b) not in _TEXT_CONTROLS)
    if b"\x00" in sample or controls / len(sample) > _MAX_CONTROL_RATIO:
        raise UndecodableInput(
            f"{label}: looks like binary data, not text ({controls} control bytes in the first "
            f"{len(sample)}); expected a plain-text, Markdown or HTML file"
        )


def _legacy(data: bytes, label: str) -> tuple[str, str]:
    """A single-byte legacy encoding: cp1252 when plausible, else charset-normalizer."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = None
    if text is not None and _reads_western(text):
        return text, "cp1252"
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise UndecodableInput(
            f"{label}: is not UTF-8, UTF-16 or cp1252, and no other encoding fits; "
            "re-save it as UTF-8"
        )
    return _checked(str(best), label), best.encoding


def _reads_western(text: str) -> bool:
    """True unless most words are runs of accented letters (Cyrillic read as cp1252)."""
    words = _WORD.findall(text)
    if not words:
        return True
    odd = sum(1 for w in words if sum(ord(c) > 127 for c in w) * 2 > len(w))
    return odd <= 0.1 * len(words)


def normalise(text: str) -> str:
    """Newlines to ``\\n``, no BOM, NBSP to space, no trailing spaces, Unicode NFC; words otherwise untouched.

    NFC (canonical composition) happens here, in the one normalisation every
    later offset points into, rather than only inside the comparison: a
    decomposed "é" (``e`` + U+0301) and a composed one are the same text by the
    Unicode standard and look the same on screen, so a document saved in NFD
    (as macOS file names and some editors do) must compare equal to its NFC
    twin, sentence for sentence. Composing once, before segmenting, keeps
    ``Document.text[s.start:s.end] == s.text`` and every reported offset and
    quotation consistent with one text, and leaves no lone combining mark to
    be split off as a word of its own. Only canonical equivalents are
    merged: compatibility forms (NFKC: ligatures, full-width letters,
    superscripts) stay as written, because they can carry meaning ("x²").

    Example:
        >>> normalise("\\ufeffHello\\xa0world  \\r\\nNext\\r")
        'Hello world\\nNext'
        >>> normalise("Cafe\\u0301") == "Caf\\u00e9"
        True
    """
    text = unicodedata.normalize("NFC", text)
    text = text.removeprefix("\ufeff")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Unicode line/paragraph separators are newlines to a reader.
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n").replace("\x85", "\n")
    text = text.replace("\xa0", " ")
    text = _TRAILING_SPACE.sub("", text)
    return text.strip("\n")
