"""Who a notification reaches, through which channels.

- a role: the channels tagged with the role id; with none, each member of the
  role (from the people file, recorded in the row) as a person;
- a person: the channels tagged with the person id; with none, the person's
  e-mail address through the channel tagged `outgoing-mail`;
- an e-mail address held in a case field: the `outgoing-mail` channel;
- a notify with `channel: TAG` goes through the channels tagged TAG instead.

A channel reached twice (two roles sharing a team channel) is sent to once.
"""

from __future__ import annotations

from dataclasses import dataclass

from trinn.engine.outbox_message import OutboxMessage
from trinn.notifiers.channels import OUTGOING_MAIL, Channel, Channels

__all__ = ["Target", "route"]


@dataclass(frozen=True)
class Target:
    """One send: a channel, and the address it is sent to when the channel is e-mail."""

    channel: Channel
    recipient: str  # the tag or address, as deliveries record it
    address: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        """What deliveries record it by: two channels with the same masked URL stay two."""
        return self.channel.key, self.recipient

    def done(self, delivered: set[tuple[str, str]]) -> bool:
        """Sent already? (A delivery recorded before the channel key was kept names its URL.)"""
        return self.key in delivered or (self.channel.legacy, self.recipient) in delivered

    @property
    def shown(self) -> str:
        """The channel as users see it: its masked URL, and the address for e-mail."""
        return self.channel.masked + (f" -> {self.address}" if self.address else "")


def route(message: OutboxMessage, channels: Channels) -> tuple[list[Target], list[str]]:
    """The sends a notify row makes, and the recipients no channel reaches."""
    targets: dict[tuple[str, str | None], Target] = {}
    unreached: list[str] = []
    forced = message.channel

    def add(channel: Channel, recipient: str, address: str | None = None) -> None:
        targets.setdefault((channel.key, address), Target(channel, recipient, address))

    def by_tag(tag: str) -> bool:
        found = channels.tagged(forced or tag)
        for channel in found:
            add(channel, tag)
        return bool(found)

    def by_mail(recipient: str, address: str) -> bool:
        mailers = [c for c in channels.tagged(forced or OUTGOING_MAIL) if c.is_email]
        for channel in mailers:
            add(channel, address, address)
        return bool(mailers)

    def person(person_id: str) -> bool:
        if by_tag(person_id):
            return True
        email = message.people.get(person_id)
        return bool(email) and by_mail(person_id, str(email))

    for role in message.to:
        if by_tag(role):
            continue
        reached = [person(p) for p in message.members.get(role, ())]
        if not reached or not all(reached):
            unreached.append(role)
    for person_id in message.persons:
        if not person(person_id):
            unreached.append(person_id)
    address = message.address
    if message.to_field and address and address not in message.persons and not by_mail(address, address):
        unreached.append(address)
    for extra in message.addresses:  # a meeting's invitees held in a list field
        if "@" in extra and not by_mail(extra, extra):
            unreached.append(extra)
    return list(targets.values()), unreached
