"""Delivering the outbox after commit: claim a row, send it to each channel, record each result.

A row is claimed (status `sending`, with a lease) in its own transaction before
anything is sent, so two dispatchers (the terminal UI and a cron `trinn send`)
never both send it; a dispatcher that dies leaves a lease that lapses, and the
row is taken up again. Each channel's result is committed as soon as it is
known, and a channel that took the message is never sent it again: only a
crash between a channel accepting it and that record may repeat it, once, and
the message carries a stable id for receivers to drop the repeat.

A row that some channel refused waits (exponential backoff) and is tried
again for the channels that did not take it, up to a limit; then it is
`failed` until someone retries it by hand (`retry`).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.errors import CommandError
from notifiers.channels import Channels, capture_apprise_log
from notifiers.routing import Target, route

if TYPE_CHECKING:
    from engine.store import Store

__all__ = ["DEFAULT_POLICY", "DispatchPolicy", "DispatchReport", "RowResult", "retry",
           "send_direct", "send_pending"]

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
    status: str  # sent, pending (will retry), failed, skipped (no recipient: a field left empty)
    attempts: int
    sent_to: list[str] = field(default_factory=list)  # masked URLs (and addresses) this time
    errors: list[str] = field(default_factory=list)  # masked
    next_attempt_at: dt.datetime | None = None


@dataclass
class DispatchReport:
    results: list[RowResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def sent(self) -> int:
        return self.count("sent")

    @property
    def failed(self) -> int:
        return self.count("failed")

    @property
    def waiting(self) -> int:
        return self.count("pending")


def send_pending(store: Store, channels: Channels, *, now: dt.datetime | None = None,
                 fresh_only: bool = False, policy: DispatchPolicy = DEFAULT_POLICY,
                 limit: int = 500) -> DispatchReport:
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


def retry(store: Store, channels: Channels, row_id: int, *, now: dt.datetime | None = None,
          policy: DispatchPolicy = DEFAULT_POLICY) -> RowResult:
    """Send a failed (or waiting) row again now, to the channels that have not taken it."""
    clock = _clock(now)
    with store.write() as tx:
        row = tx.requeue_outbox(row_id, clock())
    if row is None or row["kind"] != "notify":
        raise CommandError(f"no message {row_id} in the outbox (see `trinn outbox`)")
    if row["status"] == "sent":
        raise CommandError(f"message {row_id} was sent already, at "
                           f"{row['sent_at']:%Y-%m-%d %H:%M} UTC; it is not sent twice")
    if row["status"] == "sending":
        raise CommandError(f"message {row_id} is being sent by another dispatcher right now")
    result = _send_row(store, channels, row_id, uuid.uuid4().hex, clock, policy)
    if result is None:
        raise CommandError(f"message {row_id} is being sent by another dispatcher right now")
    return result


def send_direct(payload: dict[str, Any], channels: Channels) -> tuple[list[tuple[str, str | None]],
                                                                    list[str]]:
    """Send a message that is not in the outbox (a test message) to each channel it reaches."""
    targets, unreached = route(payload, channels)
    results = []
    for target in targets:
        shown = target.channel.masked + (f" -> {target.address}" if target.address else "")
        results.append((shown, _send(target, payload, channels)))
    return results, unreached


def _clock(now: dt.datetime | None) -> Callable[[], dt.datetime]:
    if now is not None:
        return lambda: now
    return lambda: dt.datetime.now(dt.UTC)


def _send_row(store: Store, channels: Channels, row_id: int, token: str,
              clock: Callable[[], dt.datetime], policy: DispatchPolicy) -> RowResult | None:
    with store.write() as tx:
        row = tx.claim_outbox(row_id, token, clock(), clock() + policy.lease)
        if row is None:
            return None  # another dispatcher has it, or it was sent meanwhile
        done = tx.delivered_to(row_id)
    payload: dict[str, Any] = dict(row["payload"])
    attempt = int(row["attempts"])
    targets, unreached = route(payload, channels)
    errors = [f"no channel reaches '{who}'" for who in unreached]
    if not targets and not unreached:  # e.g. `to_field` on a field left empty: nothing to retry
        field_id = payload.get("to_field")
        reason = f"field '{field_id}' is empty" if field_id else "the message names no recipient"
        with store.write() as tx:
            tx.finish_outbox(row_id, token, status="skipped", next_attempt_at=None,
                             sent_at=None, last_error=reason)
        return RowResult(row_id, int(row["case_id"]), "skipped", attempt, [], [reason], None)
    sent_to: list[str] = []
    for target in targets:
        if target.key in done:
            continue
        error = _send(target, payload, channels)
        shown = target.channel.masked + (f" -> {target.address}" if target.address else "")
        with store.write() as tx:
            tx.add_delivery(row_id, attempt=attempt, at=clock(), service=target.channel.service,
                            url=target.channel.masked, recipient=target.recipient,
                            status="failed" if error else "sent", error=error)
        if error:
            errors.append(f"{target.channel.service} {shown}: {error}")
            log.warning("message %s: %s %s: %s", row_id, target.channel.service, shown, error)
        else:
            sent_to.append(shown)
            log.info("message %s: sent to %s %s", row_id, target.channel.service, shown)
    now = clock()
    if not errors:
        status, following, sent_at = "sent", None, now
    elif attempt >= policy.max_attempts:
        status, following, sent_at = "failed", None, None
    else:
        status, following, sent_at = "pending", now + policy.delay(attempt), None
    last_error = "; ".join(errors) if errors else None
    with store.write() as tx:
        tx.finish_outbox(row_id, token, status=status, next_attempt_at=following, sent_at=sent_at,
                         last_error=last_error)
    return RowResult(row_id, int(row["case_id"]), status, attempt, sent_to, errors, following)


def _send(target: Target, payload: dict[str, Any], channels: Channels) -> str | None:
    """Send to one channel; None when it took the message, else why not (masked)."""
    with capture_apprise_log() as notes:
        try:
            plugin = target.channel.plugin(address=target.address,
                                           message_id=payload.get("message_id"))
            if plugin is None:
                return channels.mask("; ".join(notes) or "apprise cannot use this URL")
            accepted = plugin.notify(body=payload.get("body") or "", title=payload.get("title") or "")
        except Exception as exc:  # a plugin's own failure is this channel's, not the dispatcher's
            return channels.mask(f"{type(exc).__name__}: {exc}".splitlines()[0])
    if accepted:
        return None
    return channels.mask("; ".join(dict.fromkeys(notes)) or "the service did not accept it")
