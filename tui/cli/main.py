"""The `trinn` command: a thin layer that builds what a command needs and calls the engine.

Human output goes through one rich Console (it honours NO_COLOR); `--json`
prints machine-readable output instead. Exit status: 0 clean, 1 findings or
refusals, 2 usage, configuration or I/O errors. Nothing heavy is imported at
start-up: a command imports what it uses.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from importlib import import_module
from pathlib import Path
from typing import Annotated, Any

import typer
import typer.main

from trinn.engine.clock import utc_now
from trinn.engine.errors import CommandError, TrinnError
from trinn.tui.cli import coercion, help_language
from trinn.tui.cli.output import err
from trinn.tui.cli.output import fail as _fail
from trinn.tui.cli.output import json_chosen as _json_chosen
from trinn.tui.cli.settings import Settings

__all__ = ["INTERNAL_ERROR", "internal_error", "main", "whole_app"]

coercion.install()  # text options without pydantic validators (tui/cli/coercion.py)


def _dirs(value: str | None) -> list[Path]:
    return [Path(p) for p in (value or "").split(os.pathsep) if p]


def _global(
    ctx: typer.Context,
    playbooks: Annotated[
        str | None,
        typer.Option(
            "--playbooks",
            envvar="TRINN_PLAYBOOKS",
            metavar="DIR",
            help="Folders of your own playbooks (separated by ':'), besides the bundled ones.",
        ),
    ] = None,
    lang: Annotated[
        str | None, typer.Option("--lang", envvar="TRINN_LANG", help="Language for text: nb, da or en.")
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="TRINN_DB",
            metavar="URL",
            help="The database: a file path, or postgresql://user@host/db "
            "(default: trinn.db in your data folder).",
        ),
    ] = None,
    actor: Annotated[
        str | None,
        typer.Option(
            "--as",
            envvar="TRINN_USER",
            metavar="PERSON",
            help="Who acts (a person id of the people file; default: your user name).",
        ),
    ] = None,
    people: Annotated[
        Path | None,
        typer.Option(
            "--people",
            envvar="TRINN_PEOPLE",
            metavar="FILE",
            help="The people file: who holds which roles (default: you hold every role).",
        ),
    ] = None,
    channels: Annotated[
        Path | None,
        typer.Option(
            "--channels",
            envvar="TRINN_CHANNELS",
            metavar="FILE",
            help="The channels file (apprise YAML; default: channels.yaml in your config folder).",
        ),
    ] = None,
) -> None:
    _json_chosen(False)  # until the command's own --json says otherwise
    settings = Settings(
        _dirs(playbooks),
        lang,
        db or None,
        actor or None,
        people,
        channels_file=channels,
        # a program that runs the command line (a test) may hand it a clock: `obj=clock`
        clock=ctx.obj if callable(ctx.obj) else utc_now,
    )
    ctx.obj = settings
    ctx.call_on_close(settings.close)
    from trinn.tui import i18n

    i18n.install(settings.language)  # the engine's refusals in the user's language (English in C)
    if ctx.invoked_subcommand is None:
        _run_tui(settings)


def tui_(ctx: typer.Context) -> None:
    """The terminal UI (what `trinn` alone starts): cases, tasks, playbooks, outbox."""
    _run_tui(ctx.obj)


def _run_tui(settings: Settings) -> None:
    """Start the app; textual is imported only here. The language is set before the screens
    load, because their key labels are translated when their modules are read."""
    from trinn.tui import i18n
    from trinn.tui.desk import Desk

    i18n.install(settings.language)
    try:
        settings.store()  # an unusable database is one line on the terminal, not a screen
        if settings.people_file is not None:  # the default single user is always known
            settings.people().get(settings.acting_as())
    except TrinnError as exc:
        raise _fail(str(exc)) from exc
    desk = Desk(settings)
    desk.prefetch_cases()  # the database works while textual is imported
    from trinn.tui.app import TrinnApp
    from trinn.tui.sender import Sender

    TrinnApp(desk, sender=Sender.configured(settings)).run()


# every command, as `trinn --help` lists them (reading playbooks, a case's life, messages, the
# designer's tools), with the module of tui/cli that holds it (in its COMMANDS)
_HOMES = {
    **dict.fromkeys(("check", "graph", "schema", "playbooks"), "design"),
    **dict.fromkeys(("open",), "writing"),
    **dict.fromkeys(("cases", "show", "can"), "cases"),
    **dict.fromkeys(("fire", "done", "reopen", "set", "form", "assign", "comment"), "writing"),
    **dict.fromkeys(("tasks", "history"), "cases"),
    **dict.fromkeys(("tick",), "writing"),
    **dict.fromkeys(("export",), "cases"),
    **dict.fromkeys(("forms",), "forms"),
    **dict.fromkeys(("file",), "cases"),
    **dict.fromkeys(("channels", "notify-test"), "channels"),
    **dict.fromkeys(("send",), "notify"),
    **dict.fromkeys(("lint",), "design"),
    **dict.fromkeys(("test",), "scenarios"),
    **dict.fromkeys(("new",), "design"),
    **dict.fromkeys(("serve", "link"), "serve"),
}
_ORDER = tuple(_HOMES)


def _command(name: str) -> Any:
    return import_module(f"trinn.tui.cli.{_HOMES[name]}").COMMANDS[name]


def _new_app() -> typer.Typer:
    made = typer.Typer(
        name="trinn",
        help="Run partnership processes written as YAML playbooks.",
        no_args_is_help=False,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    made.callback(invoke_without_command=True)(_global)
    return made


@functools.cache
def whole_app() -> typer.Typer:
    """The app with every command (what `--help` lists): each command's module is imported."""
    from trinn.tui.cli.notify import outbox_app

    made = _new_app()
    made.command("tui")(tui_)
    for name in _ORDER:
        made.command(name)(_command(name))
    made.add_typer(outbox_app, name="outbox")
    return made


def __getattr__(name: str) -> Any:
    # `app` (the whole app, for tests and `python -m`) is made when first asked for: the console
    # script makes only the app of the command it runs, and imports only that command's module
    if name == "app":
        return whole_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """The console script: errors become one line and an exit status, never a traceback.

    A refusal exits 1, a setting or I/O problem 2, Ctrl-C 130. Anything else is a bug: one line
    names it and the log file that holds its traceback, and the exit status is 70 (EX_SOFTWARE).
    """
    argv = sys.argv[1:]
    try:
        with help_language.speaking(_language_asked(argv)) as words:
            command = typer.main.get_command(_app_for(argv))
            help_language.translate_help(command, words)
            command()
    except CommandError as exc:
        err.print(f"trinn: {exc}", markup=False)
        sys.exit(1)
    except TrinnError as exc:
        err.print(f"trinn: {exc}", markup=False)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:  # `trinn export | head` closed the pipe: not a bug, nothing to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except Exception as exc:  # the last resort: a bug, said in one line, its traceback kept
        sys.stderr.write(internal_error(exc) + "\n")
        sys.exit(INTERNAL_ERROR)


# the global options that take a value (`--db URL` or `--db=URL`), as `_global` declares them
_VALUED = frozenset({"--playbooks", "--lang", "--db", "--as", "--people", "--channels"})


def _language_asked(argv: list[str]) -> str:
    """The language of the help and the usage errors, known before any option is parsed (a help
    page is printed while parsing): `--lang` among the global options, else TRINN_LANG, else the
    locale, as the settings resolve it later."""
    from trinn.tui.i18n import resolve_language

    chosen = os.environ.get("TRINN_LANG")
    for index, word in enumerate(argv):
        if not word.startswith("-"):
            break  # the command's own options follow; `--lang` is a global one
        if word.startswith("--lang="):
            chosen = word.split("=", 1)[1]
        elif word == "--lang" and index + 1 < len(argv):
            chosen = argv[index + 1]
    return resolve_language(chosen)


def _app_for(argv: list[str]) -> typer.Typer:
    """The app with only the command the command line names, when it plainly names one.

    typer turns every registered command's signature into click parameters on each start,
    about a fifth of a short command's time, and each command's module brings its own
    imports; the one command run needs only its own. Anything else (no command, `--help`, an
    unknown option or name, the `outbox` group) gets the whole app, so help and usage errors
    read as before.
    """
    index = 0
    while index < len(argv) and argv[index].startswith("-"):
        option = argv[index].split("=", 1)[0]
        if option not in _VALUED:
            return whole_app()
        index += 1 if "=" in argv[index] else 2
    if index >= len(argv) or argv[index] not in _HOMES:
        return whole_app()
    slim = _new_app()
    slim.command(argv[index])(_command(argv[index]))
    return slim


INTERNAL_ERROR = 70  # EX_SOFTWARE of sysexits.h: an internal software error
_LOG_NAME = "internal-errors.log"
_LOG_LIMIT = 1024 * 1024  # past this, the log is moved to .1 (one old log kept) and begun anew
_LINE_LIMIT = 300  # characters of the exception's message on the terminal
# a password in a URL (a --db URL, a channel): never in the log, never on the screen
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s:/@]*:)[^\s@/]+@")


def internal_error(exc: BaseException) -> str:
    """The one line that reports a bug, after writing its traceback to the log file."""
    from trinn.engine.shown import shown

    message = " ".join(str(exc).split())
    if len(message) > _LINE_LIMIT:
        message = message[:_LINE_LIMIT] + "..."
    what = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    try:
        where = f"please report it with the file {_write_log(exc)}"
    except Exception as problem:  # a full disk, a read-only home: the line still gets out
        where = f"its traceback could not be saved ({type(problem).__name__}: {problem})"
    return shown(_URL_PASSWORD.sub(r"\1****@", f"trinn: internal error: {what}; {where}"))


def _write_log(exc: BaseException) -> Path:
    """Append the traceback (and what was run) to the log in the user's data folder."""
    import datetime as dt
    import traceback

    from platformdirs import user_data_path

    from trinn.engine.shown import shown

    path = user_data_path("trinn", appauthor=False) / _LOG_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.stat().st_size > _LOG_LIMIT:
        path.replace(path.with_name(_LOG_NAME + ".1"))
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    text = "".join(traceback.format_exception(exc))
    entry = f"--- {stamp} trinn {' '.join(sys.argv[1:])}\n{text}\n"
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
    descriptor = os.open(path, flags, 0o600)  # it may quote what a case holds: the user's only
    with os.fdopen(descriptor, "a", encoding="utf-8", errors="backslashreplace") as log:
        log.write(shown(_URL_PASSWORD.sub(r"\1****@", entry)))  # safe to `cat` on a terminal
    return path


if __name__ == "__main__":
    main()
