"""Delivering the outbox from inside the terminal UI: the same dispatcher as `trinn send`.

The app calls `send_due` from a worker thread every few seconds and whenever the
outbox grows, so a coordinator's messages leave without a cron job; a `trinn send`
run by cron at the same time is harmless, because the dispatcher claims each row
before it sends it. No textual here: this is plain code the app drives.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from trinn.engine.errors import CommandError
from trinn.engine.status import OutboxStatus
from trinn.tui.i18n import gettext as _

if TYPE_CHECKING:
    from trinn.notifiers.channels import Channels
    from trinn.notifiers.dispatch import DispatchReport, RowResult
    from trinn.tui.cli.settings import Settings

__all__ = ["Sender", "problem_text"]


class Sender:
    """Sends due outbox rows through the organisation's channels; one send at a time."""

    def __init__(self, settings: Settings, clock: Callable[[], dt.datetime] | None = None) -> None:
        self.settings = settings
        self._clock = clock
        self._channels: Channels | None = None
        self._busy = threading.Lock()

    @classmethod
    def configured(cls, settings: Settings, clock: Callable[[], dt.datetime] | None = None) -> Sender | None:
        """A sender when channels are configured (`--channels`, TRINN_CHANNELS or the default
        file exists); None when messages can only wait in the outbox."""
        if settings.channels_file is not None:
            return cls(settings, clock)
        from trinn.notifiers.channels import default_channels_path

        return cls(settings, clock) if default_channels_path().exists() else None

    def channels(self) -> Channels:
        """The channels file, read once (apprise is imported here, in a worker, not at start-up).
        Raises the file's problem as a TrinnError."""
        if self._channels is None:
            channels = self.settings.channels()
            if channels is None:
                raise CommandError(_("No channels file: messages wait in the outbox."))
            self._channels = channels
        return self._channels

    def warnings(self) -> list[str]:
        return list(self.channels().warnings)

    def send_due(self) -> DispatchReport | None:
        """Send every due row; None when another send of this app is still running."""
        from trinn.notifiers.dispatch import send_pending

        if not self._busy.acquire(blocking=False):
            return None
        try:
            return send_pending(self.settings.store(), self.channels(), now=self._now())
        finally:
            self._busy.release()

    def retry(self, outbox_id: int) -> None:
        """Send one failed or waiting row again now; raises when it still was not delivered."""
        from trinn.notifiers.dispatch import retry

        with self._busy:
            result = retry(self.settings.store(), self.channels(), outbox_id, now=self._now())
        if result.status not in (OutboxStatus.SENT, OutboxStatus.SKIPPED):
            raise CommandError(problem_text(result))

    def _now(self) -> dt.datetime:
        return self._clock() if self._clock is not None else dt.datetime.now(dt.UTC)


def problem_text(result: RowResult) -> str:
    """One line on a row that was not delivered (its errors are masked by the dispatcher)."""
    return _("Message {id} (case {case}) not delivered: {errors}").format(
        id=result.outbox_id, case=result.case_id, errors="; ".join(result.errors) or result.status
    )
