"""apprise's log, kept away from the terminal: what apprise warns about is collected per
thread for the message that caused it, and reaches trinn's output only masked by the caller.

apprise logs raw configuration (secrets included) at DEBUG, so its logger stays at WARNING
and never propagates to the root logger.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator

__all__ = ["capture_apprise_log"]


class _Capture(logging.Handler):
    """apprise's warnings and errors, kept for the message that caused them (never printed)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.local = threading.local()

    def emit(self, record: logging.LogRecord) -> None:
        notes = getattr(self.local, "notes", None)
        if notes is not None:
            with contextlib.suppress(Exception):
                notes.append(record.getMessage())


_HANDLER = _Capture()


def _quiet_apprise() -> None:
    # apprise logs raw configuration at DEBUG: its logger stays at WARNING, and what it says
    # reaches trinn's output only through `capture_apprise_log`, masked by the caller
    logger = logging.getLogger("apprise")
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    if _HANDLER not in logger.handlers:
        logger.addHandler(_HANDLER)


@contextlib.contextmanager
def capture_apprise_log() -> Iterator[list[str]]:
    """Collect what apprise warns about in this thread while the block runs."""
    _quiet_apprise()
    previous = getattr(_HANDLER.local, "notes", None)
    notes: list[str] = []
    _HANDLER.local.notes = notes
    try:
        yield notes
    finally:
        _HANDLER.local.notes = previous
