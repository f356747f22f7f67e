"""Control characters in document text, made harmless in the formats people read.

A document may hold ESC (``\\x1b``), the C1 controls (``\\x9b`` is a one-byte
CSI) and the bidirectional overrides: printed raw, they restyle or retitle a
terminal, move the cursor to forge report lines, or reorder what a reader sees
(Trojan Source). The text, Markdown and CSV reports show each of them as a
visible stand-in instead, one character for one so every offset still points
at the same place: the Unicode Control Pictures for C0 and DEL (``␛`` for
ESC), U+FFFD for C1 and bidi controls. Tab and newline stay, since each
format lays them out itself. The JSON report keeps every character, escaped
(``\\u001b``) so that it too is inert on a terminal; HTML escapes on its own.
"""

from __future__ import annotations

import re
from typing import Any

_KEEP = "\t\n"
_BIDI = [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_TABLE = {c: 0x2400 + c for c in range(0x20) if chr(c) not in _KEEP}
_TABLE[0x7F] = 0x2421
_TABLE.update({c: 0xFFFD for c in (*range(0x80, 0xA0), *_BIDI)})
# What json.dumps(ensure_ascii=False) leaves raw but a terminal may act on.
_JSON_RAW = re.compile("[\x7f-\x9f" + "".join(chr(c) for c in _BIDI) + "]")


def visible(s: str) -> str:
    """``s`` with every control character replaced by a visible stand-in of the same length.

    Example:
        >>> visible("a\\x1b]0;pwned\\x07b")
        'a␛]0;pwned␇b'
    """
    return s.translate(_TABLE)


def neutralised(data: Any) -> Any:
    """A copy of a ``Comparison.to_dict()`` tree with :func:`visible` applied to every string in it."""
    if isinstance(data, str):
        return visible(data)
    if isinstance(data, dict):
        return {k: neutralised(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [neutralised(v) for v in data]
    return data


def escape_json_controls(text: str) -> str:
    """JSON text with the controls ``json.dumps`` leaves raw (DEL, C1, bidi) written as ``\\uXXXX`` escapes."""
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
