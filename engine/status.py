"""The statuses stored records go through: tasks, timers, outbox rows and their deliveries.

Each is a `StrEnum`, so a status read back from the database (a plain string)
compares equal to its member, and JSON and SQL see the same text as before.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["DeliveryStatus", "OutboxStatus", "TaskStatus", "TimerStatus"]


class TaskStatus(StrEnum):
    """A task of a case: open until done, or cancelled when its state is left or its item removed."""

    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class TimerStatus(StrEnum):
    """A timer, reminder or escalation: waiting until due, then fired (or cancelled on leaving)."""

    WAITING = "waiting"
    FIRED = "fired"
    CANCELLED = "cancelled"


class OutboxStatus(StrEnum):
    """An outbox row: pending until a dispatcher claims it (sending), then sent, pending again (a
    retry waits), failed (for good, until retried by hand) or skipped (no recipient).

    `LOST` is never stored: a dispatch reports it for a row whose claim lapsed while it was sending
    (another dispatcher took the row over and finishes it).
    """

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    LOST = "lost"


class DeliveryStatus(StrEnum):
    """One channel's result for one attempt at an outbox row."""

    SENT = "sent"
    FAILED = "failed"
