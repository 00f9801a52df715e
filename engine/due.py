"""Deadlines: when a task is overdue, and how its deadline is said. One rule each, for the
engine's views, the command line and the app.

A deadline is counted on the wall clock of the playbook's country (engine.calendar);
one at local midnight is the end of the day before, and people name that day.
"""

from __future__ import annotations

import datetime as dt

from trinn.engine.calendar import local_time

__all__ = ["due_moment", "is_overdue"]


def is_overdue(due_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether a deadline has come: a task due at 10:00 is overdue at 10:00."""
    return due_at is not None and due_at <= now


def due_moment(due_at: dt.datetime, language: str) -> dt.datetime | dt.date:
    """The deadline as people say it, on the local wall clock: at local midnight the day it
    ends (a date, the day before), else the local moment."""
    local = local_time(due_at, language)
    if local.time() == dt.time(0):
        return local.date() - dt.timedelta(days=1)
    return local
