"""Text that may be written in several languages."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["localize"]


def localize(text: str | Mapping[str, str] | None, language: str, fallback: str = "") -> str:
    """`text` in `language`, else in `fallback`, else in any language it has."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    for lang in (language, fallback):
        if lang in text:
            return text[lang]
    return next(iter(text.values()), "")
