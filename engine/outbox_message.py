"""The message an outbox row carries: what a command queued, for whom, and its rendered text.

A command writes one `OutboxMessage` per notification (reason, state, the
recipients as the playbook names them); `engine.messages.rendered` fills in its
text and what the people file knows of its recipients before the row is
stored; the notifiers and the user interfaces read it back with `from_json`.
`recipients()` is the one answer to "who is this to".

A custom action's row (`kind: action`) carries an `OutboxAction` instead.

Rows written by older versions of trinn still read: `from_json` takes their
shape too (an `address` that held a `person_list` field's ids as a list, keys
left out instead of null).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from typing import Any, ClassVar

__all__ = ["OutboxAction", "OutboxMessage", "Reason", "outbox_entry"]


class Reason(StrEnum):
    """Why a message was queued: a `notify` action, or a state's reminder or escalation timer."""

    NOTIFY = "notify"
    REMIND = "remind"
    ESCALATE = "escalate"
    MEETING = "meeting"  # an invitation or cancellation (engine.meetings)


@dataclass(frozen=True)
class OutboxMessage:
    """One notification: its recipients as the playbook names them, and (once rendered) its text."""

    row_kind: ClassVar[str] = "notify"

    reason: Reason
    state: str | None = None
    message: str | None = None  # the playbook's message id; None: a reminder's default text
    to: tuple[str, ...] = ()  # role ids
    to_person: str | None = None
    to_field: str | None = None
    channel: str | None = None  # a channel tag that replaces the recipients' own channels
    address: str | None = None  # the e-mail address `to_field` held when it was queued
    count: int | None = None  # the how-manieth reminder
    # time (engine.deadlines, engine.meetings): left out of the JSON when unset
    deadline: str | None = None  # the case-wide deadline a reminder is about
    to_persons: tuple[str, ...] = ()  # a meeting's people ids (from its `to_person` and field)
    addresses: tuple[str, ...] = ()  # a meeting's e-mail addresses held in a list field
    meeting: Mapping[str, Any] = field(default_factory=dict)  # method, sequence, entry, start
    ics: str | None = None  # the calendar attachment, written when rendered
    # the files `attach:` names, each {sha256, name, size, type}: the bytes are in the store
    attachments: tuple[Mapping[str, Any], ...] = ()
    # filled in when rendered (engine.messages.rendered)
    title: str | None = None
    body: str | None = None
    language: str | None = None
    message_id: str | None = None  # stable: receivers drop a repeat by it
    subject: str | None = None
    persons: tuple[str, ...] = ()  # person ids it is for (a person, or the people a field names)
    members: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # role -> person ids
    people: Mapping[str, str | None] = field(default_factory=dict)  # person id -> e-mail

    def recipients(self) -> list[str]:
        """Who it is for, each once: its roles, its people, and the e-mail address it names."""
        persons = self.persons or ((self.to_person,) if self.to_person else self.to_persons)
        found = [*self.to, *persons, *([self.address] if self.address else []), *self.addresses]
        return list(dict.fromkeys(found))

    def recipients_text(self) -> str:
        """`recipients()` on one line; the field's id when the field named nobody."""
        return ", ".join(self.recipients()) or (self.to_field or "")

    def addressed(self) -> list[str]:
        """Whom the playbook addressed it to, as it names them: roles, a person, a field."""
        return [*self.to, *[name for name in (self.to_person, self.to_field) if name]]

    def headline(self) -> str:
        """What the row is, in a word: the playbook's message id (`notify` for a default reminder)."""
        return self.message or self.row_kind

    def names(self, who: str) -> bool:
        """Is `who` (a role, a person, a field id or an address) among those it is for?"""
        return who in self.recipients() or who in self.addressed()

    def readdressed(self, address: str) -> OutboxMessage:
        """The message sent to `address` (what its field holds now)."""
        return replace(self, address=address)

    def to_json(self) -> dict[str, Any]:
        """The row's JSON: plain strings, lists and dicts; the parts about time only when set."""
        found = {item.name: _plain(getattr(self, item.name)) for item in fields(self)}
        return {name: value for name, value in found.items() if value or name not in _TIME_PARTS}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> OutboxMessage:
        """A message from its row's JSON, as this version or an older one wrote it."""
        address, count = data.get("address"), data.get("count")
        read: dict[str, Any] = {
            item.name: _DECODE[item.type](data.get(item.name)) for item in fields(cls) if item.type in _DECODE
        }
        read.update(
            reason=Reason(data.get("reason") or Reason.NOTIFY),
            # older rows kept whatever the field held: a person's id, or a person_list's ids
            address=address if isinstance(address, str) and "@" in address else None,
            count=count if isinstance(count, int) else None,
            members={str(role): _texts(ids) for role, ids in (data.get("members") or {}).items()},
            people={str(p): _text(email) for p, email in (data.get("people") or {}).items()},
            meeting=dict(data.get("meeting") or {}),
            attachments=tuple(dict(item) for item in data.get("attachments") or () if isinstance(item, dict)),
        )
        return cls(**read)


@dataclass(frozen=True)
class OutboxAction:
    """A custom action (a playbook's `do: - kind: ...`) queued for whoever handles it."""

    row_kind: ClassVar[str] = "action"

    kind: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def recipients(self) -> list[str]:
        """Nobody: an action is for whatever handles it."""
        return []

    def recipients_text(self) -> str:
        return ""

    def headline(self) -> str:
        """What the row is, in a word: the action's kind."""
        return self.kind or self.row_kind

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "params": dict(self.params)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> OutboxAction:
        return cls(kind=str(data.get("kind") or ""), params=dict(data.get("params") or {}))


def outbox_entry(kind: str, payload: Mapping[str, Any] | None) -> OutboxMessage | OutboxAction:
    """An outbox row's payload read as what its `kind` says it is."""
    if kind == OutboxMessage.row_kind:
        return OutboxMessage.from_json(payload or {})
    return OutboxAction.from_json(payload or {})


def _plain(value: Any) -> Any:
    """A value as JSON holds it: a reason as its text, tuples as lists, mappings as dicts."""
    if isinstance(value, StrEnum):
        return str(value)
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _texts(values: Any) -> tuple[str, ...]:
    if isinstance(values, str):
        return (values,)
    return tuple(str(v) for v in values or ())


# how a field is read back, by its declared type (the fields of other types are read one by one)
_DECODE = {"str | None": _text, "tuple[str, ...]": _texts}
# the parts about time (engine.deadlines, engine.meetings) and the files attached (`attach:`):
# left out of the JSON when unset
_TIME_PARTS = frozenset({"deadline", "to_persons", "addresses", "meeting", "ics", "attachments"})
