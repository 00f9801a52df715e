"""Delivering the outbox after commit: claim a row, send it to each channel, record each result.

A row is claimed (status `sending`, with a lease) in its own transaction before
anything is sent, so two dispatchers (the terminal UI and a cron `trinn send`)
never both send it; a dispatcher that dies leaves a lease that lapses, and the
row is taken up again. A dispatcher renews its claim before each channel and
stops if it lost it (its lease lapsed while a slow channel held it). Each
channel's result is committed as soon as it is known, and a channel that took
the message is never sent it again: only a crash between a channel accepting
it and that record may repeat it, once, and the message carries a stable id for receivers to drop the repeat.

A row that some channel refused waits (exponential backoff) and is tried
again for the channels that did not take it, up to a limit; then it is
`failed` until someone retries it by hand (`retry`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import tempfile
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trinn.engine.errors import CommandError
from trinn.engine.outbox_message import OutboxMessage
from trinn.engine.status import DeliveryStatus, OutboxStatus
from trinn.notifiers.channels import Channels, capture_apprise_log
from trinn.notifiers.masking import stored_text
from trinn.notifiers.routing import Target, route

if TYPE_CHECKING:
    from trinn.engine.store import Store, Transaction

__all__ = [
    "DEFAULT_POLICY",
    "DispatchPolicy",
    "DispatchReport",
    "RowResult",
    "retry",
    "send_direct",
    "send_pending",
]

log = logging.getLogger("trinn.notify")


@dataclass(frozen=True)
class DispatchPolicy:
    """How long a claim holds, and how failed rows wait before the next try."""

    lease: dt.timedelta = dt.timedelta(minutes=5)
    first_delay: dt.timedelta = dt.timedelta(minutes=1)
    max_delay: dt.timedelta = dt.timedelta(hours=6)
    max_attempts: int = 8

    def delay(self, attempts: int) -> dt.timedelta:
        """1, 2, 4, 8 ... minutes after the 1st, 2nd, 3rd ... failed attempt, capped."""
        return min(self.first_delay * (2 ** max(attempts - 1, 0)), self.max_delay)


DEFAULT_POLICY = DispatchPolicy()


@dataclass(frozen=True)
class RowResult:
    """What one dispatch did with one outbox row."""

    outbox_id: int
    case_id: int
    # sent, pending (will retry), failed, skipped (no recipient: a field left empty), lost (the
    # claim lapsed while sending: another dispatcher took the row over)
    status: OutboxStatus
    attempts: int
    sent_to: list[str] = field(default_factory=list)  # masked URLs (and addresses) this time
    errors: list[str] = field(default_factory=list)  # masked
    next_attempt_at: dt.datetime | None = None


@dataclass
class DispatchReport:
    results: list[RowResult] = field(default_factory=list)

    def count(self, status: OutboxStatus) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def sent(self) -> int:
        return self.count(OutboxStatus.SENT)

    @property
    def failed(self) -> int:
        return self.count(OutboxStatus.FAILED)

    @property
    def waiting(self) -> int:
        return self.count(OutboxStatus.PENDING)


def send_pending(
    store: Store,
    channels: Channels,
    *,
    now: dt.datetime | None = None,
    fresh_only: bool = False,
    policy: DispatchPolicy = DEFAULT_POLICY,
    limit: int = 500,
) -> DispatchReport:
    """Send every due row (`fresh_only`: the never-tried ones, what a command just wrote)."""
    clock = _clock(now)
    with store.read() as tx:
        ids = tx.due_outbox_ids(clock(), fresh_only=fresh_only, limit=limit)
    report = DispatchReport()
    token = uuid.uuid4().hex
    for row_id in ids:
        result = _send_row(store, channels, row_id, token, clock, policy)
        if result is not None:
            report.results.append(result)
    return report


def retry(
    store: Store,
    channels: Channels,
    row_id: int,
    *,
    now: dt.datetime | None = None,
    policy: DispatchPolicy = DEFAULT_POLICY,
) -> RowResult:
    """Send a failed (or waiting) row again now, to the channels that have not taken it.

    A row skipped for an empty address field is sent to the address the field holds now.
    """
    clock = _clock(now)
    with store.write() as tx:
        row = tx.requeue_outbox(row_id, clock())
        if row is not None and row.status == OutboxStatus.SKIPPED:
            message = _readdressed(tx, row)
            if message is not None:
                row = tx.requeue_outbox(row_id, clock(), payload=message.to_json())
    if row is None or row.kind != "notify":
        raise CommandError(f"no message {row_id} in the outbox (see `trinn outbox`)")
    if row.status == OutboxStatus.SENT:
        raise CommandError(
            f"message {row_id} was sent already, at {row.sent_at:%Y-%m-%d %H:%M} UTC; it is not sent twice"
        )
    if row.status == OutboxStatus.SKIPPED:
        raise CommandError(_still_skipped(row))
    if row.status == OutboxStatus.SENDING:
        raise CommandError(f"message {row_id} is being sent by another dispatcher right now")
    result = _send_row(store, channels, row_id, uuid.uuid4().hex, clock, policy)
    if result is None:
        raise CommandError(f"message {row_id} is being sent by another dispatcher right now")
    return result


def _readdressed(tx: Transaction, row: Any) -> OutboxMessage | None:
    """A skipped row's message addressed to what its field holds now; None if still no address."""
    message = OutboxMessage.from_json(row.payload)
    if not message.to_field:
        return None
    value = tx.load_case(int(row.case_id)).fields.get(message.to_field)
    if not isinstance(value, str) or "@" not in value:
        return None  # still empty, or a person field: its person was not known when queued
    return message.readdressed(value)


def _still_skipped(row: Any) -> str:
    field_id = OutboxMessage.from_json(row.payload).to_field
    if not field_id:
        why = stored_text(row.last_error)
        return f"message {row.id} was not sent: {why}; there is nothing to retry"
    return (
        f"message {row.id} was not sent: field '{field_id}' of case {row.case_id} "
        f"holds no e-mail address; set it (`trinn set {row.case_id} {field_id}=...`) "
        "and retry"
    )


def send_direct(message: OutboxMessage, channels: Channels) -> tuple[list[tuple[str, str | None]], list[str]]:
    """Send a message that is not in the outbox (a test message) to each channel it reaches."""
    targets, unreached = route(message, channels)
    return [(target.shown, _send(target, message, channels)) for target in targets], unreached


def _clock(now: dt.datetime | None) -> Callable[[], dt.datetime]:
    if now is not None:
        return lambda: now
    return lambda: dt.datetime.now(dt.UTC)


def _send_row(
    store: Store,
    channels: Channels,
    row_id: int,
    token: str,
    clock: Callable[[], dt.datetime],
    policy: DispatchPolicy,
) -> RowResult | None:
    with store.write() as tx:
        row = tx.claim_outbox(row_id, token, clock(), clock() + policy.lease)
        if row is None:
            return None  # another dispatcher has it, or it was sent meanwhile
    message = OutboxMessage.from_json(row.payload)
    contents = _contents(store, message)
    attempt = int(row.attempts)
    case_id = int(row.case_id)
    targets, unreached = route(message, channels)
    errors = [f"no channel reaches '{who}'" for who in unreached]
    if not targets and not unreached:  # e.g. `to_field` on a field left empty: nothing to retry
        field_id = message.to_field
        reason = f"field '{field_id}' is empty" if field_id else "the message names no recipient"
        with store.write() as tx:
            if not tx.finish_outbox(
                row_id,
                token,
                status=OutboxStatus.SKIPPED,
                next_attempt_at=None,
                sent_at=None,
                last_error=reason,
            ):
                return _lost(row_id, case_id, attempt, [], policy)
        return RowResult(row_id, case_id, OutboxStatus.SKIPPED, attempt, [], [reason], None)
    sent_to: list[str] = []
    for target in targets:
        # the claim is renewed, and what was sent re-read, in one transaction before each send:
        # a dispatcher whose lease lapsed (a slow channel) stops here instead of sending again
        # what the dispatcher that took the row over has sent meanwhile
        with store.write() as tx:
            held = tx.renew_outbox(row_id, token, clock() + policy.lease)
            done = tx.delivered_to(row_id) if held else set()
        if not held:
            return _lost(row_id, case_id, attempt, sent_to, policy)
        if target.done(done):
            continue
        error = _send(target, message, channels, contents)
        with store.write() as tx:  # recorded even if the claim lapsed meanwhile: it happened
            tx.add_delivery(
                row_id,
                attempt=attempt,
                at=clock(),
                service=target.channel.service,
                channel=target.channel.key,
                url=target.channel.masked,
                recipient=target.recipient,
                status=DeliveryStatus.FAILED if error else DeliveryStatus.SENT,
                error=error,
            )
        if error:
            errors.append(f"{target.channel.service} {target.shown}: {error}")
            log.warning("message %s: %s %s: %s", row_id, target.channel.service, target.shown, error)
        else:
            sent_to.append(target.shown)
            log.info("message %s: sent to %s %s", row_id, target.channel.service, target.shown)
    now = clock()
    following: dt.datetime | None = None
    sent_at: dt.datetime | None = None
    if not errors:
        status, sent_at = OutboxStatus.SENT, now
    elif attempt >= policy.max_attempts:
        status = OutboxStatus.FAILED
    else:
        status, following = OutboxStatus.PENDING, now + policy.delay(attempt)
    last_error = "; ".join(errors) if errors else None
    with store.write() as tx:
        finished = tx.finish_outbox(
            row_id, token, status=status, next_attempt_at=following, sent_at=sent_at, last_error=last_error
        )
    if not finished:
        return _lost(row_id, case_id, attempt, sent_to, policy)
    return RowResult(row_id, case_id, status, attempt, sent_to, errors, following)


def _lost(row_id: int, case_id: int, attempt: int, sent_to: list[str], policy: DispatchPolicy) -> RowResult:
    """The claim lapsed while sending and another dispatcher took the row over: it finishes it."""
    reason = (
        f"sending took longer than the claim's {_minutes(policy.lease)} and another "
        "dispatcher took the message over"
    )
    log.warning("message %s: %s", row_id, reason)
    return RowResult(row_id, case_id, OutboxStatus.LOST, attempt, sent_to, [reason], None)


def _minutes(span: dt.timedelta) -> str:
    seconds = int(span.total_seconds())
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} s"


def _contents(store: Store, message: OutboxMessage) -> dict[str, bytes]:
    """The stored bytes of the files a message carries (`attach:`), by sha256."""
    if not message.attachments:
        return {}
    with store.read() as tx:
        found = {
            str(item.get("sha256")): tx.file_content(str(item.get("sha256"))) for item in message.attachments
        }
    return {sha: content for sha, content in found.items() if content is not None}


@contextlib.contextmanager
def _attachments(message: OutboxMessage, plugin: Any, contents: Mapping[str, bytes]) -> Iterator[Any]:
    """A meeting's `.ics` and the files of `attach:` as files apprise attaches, for a service
    that takes attachments; a file missing from the store fails the send (said in words)."""
    if (message.ics is None and not message.attachments) or not getattr(plugin, "attachment_support", False):
        yield None
        return
    from apprise import AppriseAttachment

    with tempfile.TemporaryDirectory(prefix="trinn-") as folder:
        paths: list[str] = []
        if message.ics is not None:
            path = Path(folder) / "invitation.ics"
            path.write_text(message.ics, encoding="utf-8", newline="")
            paths.append(str(path))
        for number, item in enumerate(message.attachments):
            content = contents.get(str(item.get("sha256")))
            name = Path(str(item.get("name"))).name  # kept without folders (engine.files.safe_name)
            if content is None or not name:
                raise LookupError(f"the attachment '{name}' is missing from the database")
            path = Path(folder) / str(number) / name  # a folder each: two files may share a name
            path.parent.mkdir()
            path.write_bytes(content)
            paths.append(str(path))
        yield AppriseAttachment(paths)


def _send(
    target: Target, message: OutboxMessage, channels: Channels, contents: Mapping[str, bytes] | None = None
) -> str | None:
    """Send to one channel; None when it took the message, else why not (masked)."""
    with capture_apprise_log() as notes:
        try:
            plugin = target.channel.plugin(address=target.address, message_id=message.message_id)
            if plugin is None:
                return channels.mask("; ".join(notes) or "apprise cannot use this URL")
            with _attachments(message, plugin, contents or {}) as attach:
                accepted = plugin.notify(body=message.body or "", title=message.title or "", attach=attach)
        except Exception as exc:  # a plugin's own failure is this channel's, not the dispatcher's
            return channels.mask(f"{type(exc).__name__}: {exc}".splitlines()[0])
    if accepted:
        return None
    return channels.mask("; ".join(dict.fromkeys(notes)) or "the service did not accept it")
