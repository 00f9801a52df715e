"""The outbox as a queue: what the dispatcher claims, renews, records and finishes (notifiers.dispatch).

A row is claimed for a while (`claimed_until`) by one dispatcher's token; a
claim that lapses (its dispatcher died) makes the row due again. Each delivery
to a channel is recorded, so a retry never sends to the same recipient twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping

from trinn.engine.status import DeliveryStatus, OutboxStatus
from trinn.engine.store.driver import TransactionBase
from trinn.engine.store.tables import deliveries, outbox

__all__ = ["OutboxQueue"]


class OutboxQueue(TransactionBase):
    """The dispatcher's protocol on outbox rows: due, claim, renew, deliver, finish, requeue."""

    def due_outbox_ids(self, now: dt.datetime, *, fresh_only: bool = False, limit: int = 500) -> list[int]:
        """Notifications to send: due pending ones, and those whose dispatcher's claim lapsed.

        `fresh_only` picks the never-tried ones, whatever their time: what a command just wrote
        (or a command that crashed before it could send left behind).
        """
        moment = now
        lapsed = sa.and_(outbox.c.status == OutboxStatus.SENDING, outbox.c.claimed_until < moment)
        if fresh_only:
            due = sa.and_(outbox.c.status == OutboxStatus.PENDING, outbox.c.attempts == 0)
        else:
            due = sa.or_(
                sa.and_(outbox.c.status == OutboxStatus.PENDING, outbox.c.next_attempt_at <= moment), lapsed
            )
        query = (
            sa.select(outbox.c.id).where(outbox.c.kind == "notify", due).order_by(outbox.c.id).limit(limit)
        )
        return [int(i) for i in self.execute(query).scalars()]

    def claim_outbox(
        self, row_id: int, token: str, now: dt.datetime, until: dt.datetime
    ) -> RowMapping | None:
        """Take a row for sending (counting the attempt); None if another dispatcher has it."""
        moment = now
        claimed = self.execute(
            outbox.update()
            .where(
                outbox.c.id == row_id,
                outbox.c.kind == "notify",
                sa.or_(
                    sa.and_(
                        outbox.c.status == OutboxStatus.PENDING,
                        sa.or_(outbox.c.attempts == 0, outbox.c.next_attempt_at <= moment),
                    ),
                    sa.and_(outbox.c.status == OutboxStatus.SENDING, outbox.c.claimed_until < moment),
                ),
            )
            .values(
                status=OutboxStatus.SENDING,
                claimed_by=token,
                claimed_until=until,
                attempts=outbox.c.attempts + 1,
            )
        )
        if claimed.rowcount != 1:
            return None
        return self.execute(sa.select(outbox).where(outbox.c.id == row_id)).mappings().first()

    def renew_outbox(self, row_id: int, token: str, until: dt.datetime) -> bool:
        """Extend this dispatcher's claim on a row; False if the claim lapsed and was lost."""
        renewed = self.execute(
            outbox.update()
            .where(
                outbox.c.id == row_id,
                outbox.c.claimed_by == token,
                outbox.c.status == OutboxStatus.SENDING,
            )
            .values(claimed_until=until)
        )
        return renewed.rowcount == 1

    def add_delivery(
        self,
        outbox_id: int,
        *,
        attempt: int,
        at: dt.datetime,
        service: str,
        channel: str,
        url: str,
        recipient: str,
        status: str,
        error: str | None,
    ) -> None:
        self.execute(
            deliveries.insert().values(
                outbox_id=outbox_id,
                attempt=attempt,
                at=at,
                service=service,
                channel=channel,
                url=url,
                recipient=recipient,
                status=status,
                error=error,
            )
        )

    def delivered_to(self, outbox_id: int) -> set[tuple[str, str]]:
        """(channel key, recipient) pairs this row was already sent to: never sent again.

        A delivery recorded before deliveries kept the key (schema 0002) gives its masked URL.
        """
        rows = self.execute(
            sa.select(deliveries.c.channel, deliveries.c.url, deliveries.c.recipient).where(
                deliveries.c.outbox_id == outbox_id, deliveries.c.status == DeliveryStatus.SENT
            )
        )
        return {(row.channel or row.url, row.recipient) for row in rows}

    def finish_outbox(
        self,
        row_id: int,
        token: str,
        *,
        status: str,
        next_attempt_at: dt.datetime | None,
        sent_at: dt.datetime | None,
        last_error: str | None,
    ) -> bool:
        """Record the outcome of a claimed row; False if the claim was lost meanwhile."""
        done = self.execute(
            outbox.update()
            .where(
                outbox.c.id == row_id,
                outbox.c.claimed_by == token,
                outbox.c.status == OutboxStatus.SENDING,
            )
            .values(
                status=status,
                next_attempt_at=next_attempt_at,
                sent_at=sent_at,
                last_error=last_error,
                claimed_by=None,
                claimed_until=None,
            )
        )
        return done.rowcount == 1

    def requeue_outbox(
        self, row_id: int, now: dt.datetime, *, payload: Mapping[str, Any] | None = None
    ) -> RowMapping | None:
        """Make a failed (or waiting) row due now with a fresh count of attempts; a skipped
        one too, given its `payload` addressed anew (the field it was skipped for is set now)."""
        statuses = [OutboxStatus.FAILED, OutboxStatus.PENDING, *([OutboxStatus.SKIPPED] if payload else [])]
        values: dict[str, Any] = {
            "status": OutboxStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
        }
        if payload is not None:
            values.update(payload=dict(payload), last_error=None)
        self.execute(
            outbox.update().where(outbox.c.id == row_id, outbox.c.status.in_(statuses)).values(**values)
        )
        return self.execute(sa.select(outbox).where(outbox.c.id == row_id)).mappings().first()
