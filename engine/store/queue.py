"""The outbox as a queue: what the dispatcher claims, renews, records and finishes (notifiers.dispatch).

A row is claimed for a while (`claimed_until`) by one dispatcher's token; a
claim that lapses (its dispatcher died) makes the row due again. Each delivery
to a channel is recorded, so a retry never sends to the same recipient twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from trinn.engine.store import sql
from trinn.engine.store.driver import TransactionBase
from trinn.engine.store.rows import OutboxRow

__all__ = ["OutboxQueue"]


class OutboxQueue(TransactionBase):
    """The dispatcher's protocol on outbox rows: due, claim, renew, deliver, finish, requeue."""

    def due_outbox_ids(self, now: dt.datetime, *, fresh_only: bool = False, limit: int = 500) -> list[int]:
        """Notifications to send: due pending ones, and those whose dispatcher's claim lapsed.

        `fresh_only` picks the never-tried ones, whatever their time: what a command just wrote
        (or a command that crashed before it could send left behind).
        """
        query = sql.FRESH_OUTBOX if fresh_only else sql.DUE_OUTBOX
        return [int(row[0]) for row in self._rows(query, {"now": now, "limit": limit})]

    def claim_outbox(self, row_id: int, token: str, now: dt.datetime, until: dt.datetime) -> OutboxRow | None:
        """Take a row for sending (counting the attempt); None if another dispatcher has it."""
        values = {"id": row_id, "claimed_by": token, "claimed_until": until, "now": now}
        if self._run(sql.CLAIM_OUTBOX, values) != 1:
            return None
        return self._outbox_row(row_id)

    def _outbox_row(self, row_id: int) -> OutboxRow | None:
        found = self._typed(OutboxRow, sql.OUTBOX_ROW, {"id": row_id})
        return found[0] if found else None

    def renew_outbox(self, row_id: int, token: str, until: dt.datetime) -> bool:
        """Extend this dispatcher's claim on a row; False if the claim lapsed and was lost."""
        return self._run(sql.RENEW_OUTBOX, {"id": row_id, "claimed_by": token, "claimed_until": until}) == 1

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
        self._run(
            sql.INSERT_DELIVERY,
            {
                "outbox_id": outbox_id,
                "attempt": attempt,
                "at": at,
                "service": service,
                "url": url,
                "recipient": recipient,
                "status": status,
                "error": error,
                "channel": channel,
            },
        )

    def delivered_to(self, outbox_id: int) -> set[tuple[str, str]]:
        """(channel key, recipient) pairs this row was already sent to: never sent again.

        A delivery recorded before deliveries kept the key (schema 0002) gives its masked URL.
        """
        rows = self._rows(sql.DELIVERED_TO, {"outbox_id": outbox_id})
        return {(channel or url, recipient) for channel, url, recipient in rows}

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
        values = {
            "id": row_id,
            "claimed_by": token,
            "status": status,
            "next_attempt_at": next_attempt_at,
            "sent_at": sent_at,
            "last_error": last_error,
        }
        return self._run(sql.FINISH_OUTBOX, values) == 1

    def requeue_outbox(
        self, row_id: int, now: dt.datetime, *, payload: Mapping[str, Any] | None = None
    ) -> OutboxRow | None:
        """Make a failed (or waiting) row due now with a fresh count of attempts; a skipped
        one too, given its `payload` addressed anew (the field it was skipped for is set now)."""
        values: dict[str, Any] = {"id": row_id, "now": now}
        if payload is not None:
            values["payload"] = dict(payload)
        self._run(sql.requeue_outbox(payload is not None), values)
        return self._outbox_row(row_id)
