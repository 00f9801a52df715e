"""What a command queues in the outbox: its notify and custom actions, its reminders.

A transition's actions and a reminder that falls due become typed outbox
entries in memory (`queue_*`, engine.outbox_message); `outbox_entries` renders
each message when the command saves, so its text says what the case was at
that command. Delivery reads the rows after commit (notifiers.dispatch).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from trinn.engine.field_types import FieldType
from trinn.engine.messages import rendered
from trinn.engine.outbox_message import OutboxAction, OutboxMessage, Reason

if TYPE_CHECKING:
    from trinn.engine.case import TimerRecord
    from trinn.engine.command import Command
    from trinn.engine.firing import CustomEffect, NotifyEffect
    from trinn.engine.spec import NotifySpec, ReminderSpec

__all__ = ["as_list", "outbox_entries", "queue_action", "queue_notify", "queue_reminder"]


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def queue_notify(cmd: Command, effect: NotifyEffect) -> None:
    """A transition's or a state's `notify` action, addressed as the case is now.

    A list of addresses (an `email_list` field) gets one message per address, each its own
    outbox row with its own id: one bad address, or one receiver that drops a message, does
    not hold up or reveal the others. Roles and a person named beside it share one more row.
    """
    notify = effect.notify
    cmd.details.setdefault("notify", []).append(notify.message)
    value = cmd.case.fields.get(notify.to_field) if notify.to_field else None
    if not isinstance(value, list) or _holds_people(cmd, notify.to_field):
        # an e-mail field's address; a person field's people are found when rendered
        address = value if isinstance(value, str) and "@" in value else None
        cmd.outbox.append(_message(cmd, notify, notify.to_field, address, with_roles=True))
        return
    addresses = list(dict.fromkeys(str(item) for item in value))
    if notify.to or notify.to_person or not addresses:  # an empty list: one row, skipped as empty
        cmd.outbox.append(
            _message(cmd, notify, None if addresses else notify.to_field, None, with_roles=True)
        )
    for address in addresses:
        cmd.outbox.append(_message(cmd, notify, notify.to_field, address, with_roles=False))


def _holds_people(cmd: Command, field_id: str | None) -> bool:
    field = cmd.spec.fields.get(field_id or "")
    return field is not None and field.type in (FieldType.person, FieldType.person_list)


def _message(
    cmd: Command, notify: NotifySpec, to_field: str | None, address: str | None, *, with_roles: bool
) -> OutboxMessage:
    return OutboxMessage(
        reason=Reason.NOTIFY,
        state=cmd.case.state,
        message=notify.message,
        to=tuple(as_list(notify.to)) if with_roles else (),
        to_person=notify.to_person if with_roles else None,
        to_field=to_field,
        channel=notify.channel,
        address=address,
    )


def queue_action(cmd: Command, effect: CustomEffect) -> None:
    """A custom action (a plugin's kind): the outbox carries it to whoever handles it."""
    cmd.outbox.append(OutboxAction(effect.kind, effect.params))


def queue_reminder(
    cmd: Command,
    timer: TimerRecord,
    reminder: ReminderSpec,
    *,
    reason: str | None = None,
    deadline: str | None = None,
) -> None:
    """A reminder or escalation that fell due (`timer.fired_count` times so far): of the
    state `timer.state`, or of the case-wide `deadline` (in whatever state the case is)."""
    cmd.outbox.append(
        OutboxMessage(
            reason=Reason(reason or timer.kind),
            state=cmd.case.state if deadline is not None else timer.state,
            deadline=deadline,
            to=tuple(as_list(reminder.to)),
            message=reminder.message,
            count=timer.fired_count,
        )
    )


def outbox_entries(
    cmd: Command, folder: Callable[[], Path | None] = lambda: None
) -> list[OutboxMessage | OutboxAction]:
    """The command's entries as the store writes them: each message rendered now, with the
    files its `attach:` names (engine.attachments; shipped ones read from `folder()`, the
    playbook's, and kept in `cmd.files` for the store)."""
    entries: list[OutboxMessage | OutboxAction] = []
    for entry in cmd.outbox:
        if isinstance(entry, OutboxMessage):
            entry = rendered(
                cmd.spec, cmd.case, entry, people=cmd.people, actor=cmd.actor, now=cmd.now, links=cmd.links
            )
            message = cmd.spec.messages.get(entry.message or "")
            if message is not None and message.attach:
                from trinn.engine.attachments import attached

                files = attached(cmd.spec, cmd.case, message, folder(), cmd.files)
                entry = replace(entry, attachments=files)
        entries.append(entry)
    return entries
