"""Text as it may be shown on a terminal: what a person or an outsider typed can never steer it.

A value can hold ANSI escape sequences (which move the cursor, rewrite lines, set the title),
bidirectional overrides (which make `evil.exe` read as `exe.live`) and other invisible controls.
Every place that writes text to a terminal, the command line and the app alike, passes it
through `shown` first. Newlines and tabs stay; every other control or format character becomes
a visible `\\x1b`-style escape, so nothing is hidden and nothing is executed.
"""

from __future__ import annotations

import re

__all__ = ["first_unsafe", "shown", "shown_json"]

# C0 and C1 controls (but tab and newline), DEL, and the Unicode format characters that change
# direction or hide text: bidi embeddings/overrides/isolates and marks, zero-width joiners and
# spaces, the byte-order mark, interlinear annotation, line and paragraph separators.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"
    "\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb"
    "\ud800-\udfff]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(text: object) -> str:
    """`text` as a string safe to print: controls and invisible format characters made visible."""
    string = text if isinstance(text, str) else str(text)
    if _UNSAFE.search(string) is None:
        return string
    return _UNSAFE.sub(_escape, string)


def first_unsafe(text: str) -> tuple[int, str] | None:
    """Where the first character `shown` would escape is in `text`, and which: a value holding one
    is refused (engine.values), so that what is stored always reads on screen as it is."""
    match = _UNSAFE.search(text)
    return None if match is None else (match.start(), match.group())


def shown_json(text: str) -> str:
    """JSON text safe to print: the characters `shown` escapes become JSON `\\uXXXX` escapes.

    They can only stand inside JSON strings (outside them JSON allows nothing but its own
    punctuation and whitespace), so the result is the same JSON, readable by any parser.
    """
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
