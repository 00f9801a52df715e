"""What every screen of the app shares: database work in threads, errors as notifications,
dialogs that close once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar, cast

from textual.binding import BindingsMap
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen

from trinn.engine.errors import CommandError, FileProblemsError, StaleCaseError, TrinnError
from trinn.tui.i18n import gettext as _

if TYPE_CHECKING:
    from trinn.tui.app import TrinnApp
    from trinn.tui.desk import Desk

__all__ = ["DeskScreen", "Dialog", "error_fields", "error_text", "run_db", "translate_keys"]

T = TypeVar("T")
R = TypeVar("R")


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


def error_fields(exc: TrinnError) -> dict[str, str]:
    """The fields a refusal is about, each with what to show at it (read from the error's
    `fields`, in the language the engine speaks, the app's)."""
    if not isinstance(exc, CommandError):
        return {}
    return {name: problem or _("required") for name, problem in exc.fields.items()}


def run_db(
    widget: Any,
    work: Callable[[], T],
    done: Callable[[T], object],  # what it returns, textual's call_from_thread awaits if awaitable
    failed: Callable[[TrinnError], None] | None = None,
    *,
    group: str = "db",
    exclusive: bool = False,
) -> None:
    """Run `work` in a thread; `done` (or `failed`, else a notification) back on the UI.

    When the widget has left the screen meanwhile (its dialog closed, its case page left),
    the result is dropped and a refusal becomes a notification: nothing is done on a widget
    that is gone."""
    app = widget.app

    def deliver(callback: Callable[[Any], None], value: Any) -> None:
        try:
            if _still_shown(widget):
                callback(value)
            elif isinstance(value, TrinnError):
                app.notify(error_text(value), severity="error", timeout=8)
        except Exception as exc:  # a bug in showing the result: said and kept, like one in `work`
            _unexpected(app, exc)

    def thread() -> None:
        try:
            result = work()
        except TrinnError as exc:
            if failed is not None:
                app.call_from_thread(deliver, failed, exc)
            else:
                app.call_from_thread(app.notify, error_text(exc), severity="error", timeout=8)
            return
        except Exception as exc:  # a bug: said on the screen and kept for the tests, never a crash
            app.call_from_thread(_unexpected, app, exc)
            return
        app.call_from_thread(deliver, done, result)

    widget.run_worker(thread, thread=True, group=group, exclusive=exclusive, exit_on_error=False)


def _still_shown(widget: Any) -> bool:
    """Whether `widget` is on a screen the app still holds. A closed screen stays attached while
    Textual removes its widgets one by one, so being attached is not enough: its screen must
    still be in one of the app's screen stacks (the test Textual 8.2 makes before removing a
    screen, on its private `_screen_stacks`)."""
    if not widget.is_attached:
        return False
    screen = widget if isinstance(widget, Screen) else widget.screen
    return any(screen in stack for stack in widget.app._screen_stacks.values())


def translate_keys(node: DOMNode) -> None:
    """The key labels of `node` (its BINDINGS, marked with N_) in the language in use when it
    is made. Translated in the class body, they would stay in whatever language was in use
    when the module was first imported, for every later app in the process."""
    node._bindings = BindingsMap(
        binding if not binding.description else replace(binding, description=_(binding.description))
        for _key, binding in node._bindings
    )


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

    _desk: Desk | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        translate_keys(self)

    @property
    def desk(self) -> Desk:
        """The app's desk, kept once read: the work given to worker threads reads it there, where
        a screen that has been closed meanwhile no longer reaches its app."""
        if self._desk is None:
            # textual types Screen.app as App[Any]; every DeskScreen runs in TrinnApp
            self._desk = cast("TrinnApp", self.app).desk
        return self._desk

    def refresh_data(self) -> None:
        """Read again what the screen shows (called on changes made elsewhere)."""

    def on_screen_resume(self) -> None:
        _ = self.desk  # read here, on the app's thread, before any worker needs it
        self.refresh_data()


class Dialog(ModalScreen[R]):
    """A modal screen that closes once: a second Enter or Escape arriving before the first has
    closed it does nothing (Textual's `dismiss` pops whatever screen is on top, so a second
    one would close the page under the dialog)."""

    _answered = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        translate_keys(self)

    def close(self, result: R | None = None) -> None:
        if self._answered or self.app.screen is not self:
            return
        self._answered = True
        self.dismiss(result)
