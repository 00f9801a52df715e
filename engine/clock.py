"""The time a command acts at: a `Clock` is handed to whatever reads the time.

The wall clock is the default everywhere; a test, a scenario run or `--now`
hands in a clock of its own instead of patching this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

__all__ = ["Clock", "utc_now"]

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    """The wall clock, aware, in UTC."""
    return dt.datetime.now(dt.UTC)
