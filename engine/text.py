"""Text that may be written in several languages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["localize", "yes_no"]

_YES_NO = {"nb": ("ja", "nei"), "da": ("ja", "nej"), "en": ("yes", "no")}


# keyed by language code: Mapping[str, str] or a spec's dict[Language, str] (Mapping is invariant in its key)
def localize(text: str | Mapping[Any, str] | None, language: str, fallback: str = "") -> str:
    """`text` in `language`, else in `fallback`, else in any language it has."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    for lang in (language, fallback):
        if lang in text:
            return text[lang]
    return next(iter(text.values()), "")


def yes_no(value: bool, language: str) -> str:
    """A yes/no value in words, in `language` (English for one trinn has no words for)."""
    yes, no = _YES_NO.get(language, _YES_NO["en"])
    return yes if value else no
