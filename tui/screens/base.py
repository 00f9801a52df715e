"""What every screen of the app shares: database work in threads, errors as notifications."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from textual.screen import Screen

from trinn.engine.errors import FIELD_MESSAGES, NEEDS_MESSAGES, FileProblemsError, StaleCaseError, TrinnError
from trinn.engine.i18n import message_pattern
from trinn.tui.i18n import gettext as _

if TYPE_CHECKING:
    from trinn.tui.app import TrinnApp
    from trinn.tui.desk import Desk

__all__ = ["DeskScreen", "error_fields", "error_text", "run_db"]

T = TypeVar("T")
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_QUOTED = re.compile(r"'([a-z][a-z0-9_]*)'")


def error_text(exc: TrinnError) -> str:
    """One error as the user reads it (a stale case said in the app's language)."""
    if isinstance(exc, StaleCaseError):
        return _(
            "Case {case} was changed by {who} at {at} meanwhile: reloaded, nothing was "
            "saved. Check it and try again."
        ).format(case=exc.case_id, who=exc.by, at=exc.at)
    if isinstance(exc, FileProblemsError):
        return exc.report()
    return str(exc)


def error_fields(message: str) -> dict[str, str]:
    """The fields an engine refusal is about, each with what to show at it (the refusal is in
    the language the engine speaks, the app's)."""
    for template in FIELD_MESSAGES:
        found = message_pattern(template).search(message)
        if found and _NAME.fullmatch(found["name"]):
            return {found["name"]: found.groupdict().get("problem") or message[found.start() :]}
    for template in NEEDS_MESSAGES:
        found = message_pattern(template).search(message)
        if found:
            return {name: _("required") for name in _QUOTED.findall(found["fields"])}
    return {}


def run_db(
    widget: Any,
    work: Callable[[], T],
    done: Callable[[T], object],  # what it returns, textual's call_from_thread awaits if awaitable
    failed: Callable[[TrinnError], None] | None = None,
    *,
    group: str = "db",
    exclusive: bool = False,
) -> None:
    """Run `work` in a thread; `done` (or `failed`, else a notification) back on the UI."""
    app = widget.app

    def thread() -> None:
        try:
            result = work()
        except TrinnError as exc:
            if failed is not None:
                app.call_from_thread(failed, exc)
            else:
                app.call_from_thread(app.notify, error_text(exc), severity="error", timeout=8)
            return
        except Exception as exc:  # a bug: said on the screen and kept for the tests, never a crash
            app.call_from_thread(_unexpected, app, exc)
            return
        app.call_from_thread(done, result)

    widget.run_worker(thread, thread=True, group=group, exclusive=exclusive, exit_on_error=False)


def _unexpected(app: Any, exc: Exception) -> None:
    failures = getattr(app, "failures", None)
    if failures is not None:
        failures.append(exc)
    app.notify(
        _("Unexpected error: {error}").format(error=f"{type(exc).__name__}: {exc}"),
        severity="error",
        timeout=15,
    )


class DeskScreen(Screen[None]):
    """A screen that shows data from the database and refreshes when other processes change it."""

    @property
    def desk(self) -> Desk:
        # textual types Screen.app as App[Any]; every DeskScreen runs in TrinnApp
        return cast("TrinnApp", self.app).desk

    def refresh_data(self) -> None:
        """Read again what the screen shows (called on changes made elsewhere)."""

    def on_screen_resume(self) -> None:
        self.refresh_data()
