"""What a command queues in the outbox: its notify and custom actions, its reminders.

A transition's actions and a reminder that falls due become outbox rows in
memory (`queue_*`); `outbox_rows` renders each message when the command saves,
so its text says what the case was at that command. Delivery reads the rows
after commit (notifiers.dispatch).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from trinn.engine.messages import message_payload

if TYPE_CHECKING:
    from trinn.engine.case import TimerRecord
    from trinn.engine.command import Command
    from trinn.engine.compiler import CustomEffect, NotifyEffect
    from trinn.engine.spec import ReminderSpec

__all__ = ["as_list", "outbox_rows", "queue_action", "queue_notify", "queue_reminder"]


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def queue_notify(cmd: Command, effect: NotifyEffect) -> None:
    """A transition's or a state's `notify` action, addressed as the case is now."""
    notify = effect.notify
    cmd.details.setdefault("notify", []).append(notify.message)
    cmd.outbox.append(
        (
            "notify",
            {
                "reason": "notify",
                "state": cmd.case.state,
                "message": notify.message,
                "to": as_list(notify.to),
                "to_person": notify.to_person,
                "to_field": notify.to_field,
                "channel": notify.channel,
                "address": cmd.case.fields.get(notify.to_field) if notify.to_field else None,
            },
        )
    )


def queue_action(cmd: Command, effect: CustomEffect) -> None:
    """A custom action (a plugin's kind): the outbox carries it to whoever handles it."""
    cmd.outbox.append(("action", {"kind": effect.kind, "params": effect.params}))


def queue_reminder(cmd: Command, timer: TimerRecord, reminder: ReminderSpec) -> None:
    """A reminder or escalation that fell due (`timer.fired_count` times so far)."""
    cmd.outbox.append(
        (
            "notify",
            {
                "reason": timer.kind,
                "state": timer.state,
                "to": as_list(reminder.to),
                "message": reminder.message,
                "count": timer.fired_count,
            },
        )
    )


def outbox_rows(cmd: Command) -> list[tuple[str, Mapping[str, Any]]]:
    """The command's rows as the store writes them: each message rendered now."""
    return [
        (
            kind,
            message_payload(cmd.spec, cmd.case, payload, people=cmd.people, actor=cmd.actor, now=cmd.now)
            if kind == "notify"
            else payload,
        )
        for kind, payload in cmd.outbox
    ]
