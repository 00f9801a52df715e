"""Sending what a web submission queued (the receipt to the address just given, the alert to
the coordinators) as soon as it is recorded, so the outside party's confirmation is automatic.

The messages are ordinary outbox rows written in the submission's transaction; this only
runs the one dispatcher (`notifiers.dispatch.send_pending`, as `trinn send`, the writing
commands and the app do) after the answer has left, in the background. A channel that
refuses leaves its row waiting in the outbox for its retries (`trinn send` from cron), and
the server's log says so; the visitor's page never waits for it or hears of it.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from trinn.engine.errors import TrinnError
from trinn.engine.status import OutboxStatus

if TYPE_CHECKING:
    from trinn.engine.store import Store
    from trinn.notifiers.channels import Channels

__all__ = ["outbox_sender"]

log = logging.getLogger("trinn.serve")


def outbox_sender(store: Store, channels: Channels, clock: Callable[[], dt.datetime]) -> Callable[[], None]:
    """What the server runs after a recorded submission: send the rows not tried yet."""
    from trinn.notifiers.dispatch import send_pending

    one_at_a_time = threading.Lock()  # a burst of submissions sends in turn, not in a crowd

    def deliver() -> None:
        with one_at_a_time:
            try:
                report = send_pending(store, channels, now=clock(), fresh_only=True)
            except TrinnError as exc:
                log.warning("messages not sent: %s (they wait in the outbox)", exc)
                return
        for result in report.results:
            if result.status not in (OutboxStatus.SENT, OutboxStatus.SKIPPED):
                # the errors are masked by the dispatcher: no channel secret reaches the log
                log.warning(
                    "message %s (case %s) not delivered (%s): %s",
                    result.outbox_id,
                    result.case_id,
                    result.status,
                    "; ".join(result.errors),
                )

    return deliver
