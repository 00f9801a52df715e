"""The `trinn` command: a thin layer that builds what a command needs and calls the engine.

Human output goes through one rich Console (it honours NO_COLOR); `--json`
prints machine-readable output instead. Exit status: 0 clean, 1 findings or
refusals, 2 usage, configuration or I/O errors. Nothing heavy is imported at
start-up: a command imports what it uses.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from trinn.engine.errors import CommandError, PlaybookError, PlaybookIOError, TrinnError
from trinn.tui.cli import cases as case_commands
from trinn.tui.cli import design as design_commands
from trinn.tui.cli import notify as notify_commands
from trinn.tui.cli import serve as serve_commands
from trinn.tui.cli.output import err, out
from trinn.tui.cli.output import fail as _fail
from trinn.tui.cli.output import print_json as _print_json
from trinn.tui.cli.settings import Settings

if TYPE_CHECKING:
    from trinn.engine.catalog import PlaybookFile
    from trinn.engine.loader import LoadedPlaybook

__all__ = ["INTERNAL_ERROR", "app", "internal_error", "main"]

app = typer.Typer(
    name="trinn",
    help="Run partnership processes written as YAML playbooks.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _dirs(value: str | None) -> list[Path]:
    return [Path(p) for p in (value or "").split(os.pathsep) if p]


@app.callback(invoke_without_command=True)
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
    settings = Settings(
        _dirs(playbooks),
        lang,
        db or None,
        actor or None,
        people,
        channels_file=channels,
        deliver=ctx.invoked_subcommand in notify_commands.WRITING_COMMANDS,
    )
    ctx.obj = settings
    ctx.call_on_close(settings.close)
    from trinn.tui import i18n

    i18n.install(settings.language)  # the engine's refusals in the user's language (English in C)
    if ctx.invoked_subcommand is None:
        _run_tui(settings)


@app.command("tui")
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


@app.command()
def check(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Playbook files or folders of them.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print problems as JSON.")] = False,
) -> None:
    """Check playbooks: every problem as file:line:col: message (hint)."""
    from trinn.engine.catalog import playbook_files, yaml_files
    from trinn.engine.loader import load_playbook

    settings: Settings = ctx.obj
    files = yaml_files(paths)
    known = _known_ids(playbook_files(settings.playbook_dirs)) | {
        pid for p in files if (pid := _declared_id(p))
    }
    problems: list[dict[str, Any]] = []
    unreadable = False
    for path in files:
        try:
            load_playbook(path, known)
            if not as_json:
                out.print(f"{path}: ok", markup=False)
        except PlaybookError as exc:
            problems.extend(p.as_dict() for p in exc.problems)
            if not as_json:
                out.print(exc.report(), markup=False)
        except PlaybookIOError as exc:
            unreadable = True
            err.print(f"trinn: {exc}", markup=False)
    if as_json:
        _print_json(problems)
    if unreadable or not files:
        if not files:
            err.print("trinn: no playbooks found in the given folders", markup=False)
        raise typer.Exit(2)
    raise typer.Exit(1 if problems else 0)


def _known_ids(files: list[PlaybookFile]) -> set[str]:
    """Ids the playbooks declare, for checking `start_case` targets (unreadable ones left out)."""
    return {pid for f in files if (pid := f.declared_id)}


def _declared_id(path: Path) -> str | None:
    from trinn.engine.catalog import PlaybookFile

    return PlaybookFile(path, False).declared_id


@app.command()
def graph(
    ctx: typer.Context,
    playbook: Annotated[str, typer.Argument(help="A playbook file or a playbook id.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="mermaid or dot.")] = "mermaid",
) -> None:
    """Draw a playbook's states and transitions (Mermaid, or DOT with graphviz)."""
    from trinn.engine.catalog import find_playbook
    from trinn.engine.diagram import draw
    from trinn.engine.loader import load_playbook

    settings: Settings = ctx.obj
    if fmt not in ("mermaid", "dot"):
        raise _fail(f"unknown format '{fmt}' (expected 'mermaid' or 'dot')")
    loaded = _load_or_exit(lambda: load_playbook(find_playbook(playbook, settings.playbook_dirs)))
    try:
        shape: Literal["mermaid", "dot"] = "dot" if fmt == "dot" else "mermaid"  # fmt is checked above
        out.print(draw(loaded.spec, shape, settings.language), markup=False, end="")
    except TrinnError as exc:
        raise _fail(str(exc)) from exc


def _load_or_exit(load: Callable[[], LoadedPlaybook]) -> LoadedPlaybook:
    try:
        return load()
    except PlaybookError as exc:
        err.print(exc.report(), markup=False)
        raise typer.Exit(1) from exc
    except TrinnError as exc:
        raise _fail(str(exc)) from exc


@app.command()
def schema() -> None:
    """Print the JSON Schema (draft-07) of the playbook format, for editors."""
    from trinn.engine.schema import json_schema_text

    out.print(json_schema_text(), markup=False, end="")


@app.command()
def playbooks(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the list as JSON.")] = False,
) -> None:
    """List the bundled playbooks and your own, with their check status."""
    rows = _playbook_rows(ctx.obj)
    broken = any(row["status"] != "ok" for row in rows)
    if as_json:
        _print_json(rows)
        raise typer.Exit(1 if broken else 0)
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("id", "version", "language", "status", "title"):
        table.add_column(column, no_wrap=column != "title")
    for row in rows:
        table.add_row(
            row["id"] or row["path"],
            str(row["version"] or ""),
            row["language"] or "",
            row["status"],
            row["title"] or row["path"],
        )
    out.print(table)
    raise typer.Exit(1 if broken else 0)


def _playbook_rows(settings: Settings) -> list[dict[str, Any]]:
    from trinn.engine.catalog import playbook_files
    from trinn.engine.loader import load_playbook
    from trinn.engine.text import localize

    files = playbook_files(settings.playbook_dirs)
    known = _known_ids(files)
    rows = []
    for entry in files:
        shown = _shown_path(entry.path, entry.bundled)
        row: dict[str, Any] = {
            "id": entry.declared_id,
            "version": None,
            "language": None,
            "title": None,
            "status": "ok",
            "path": shown,
            "bundled": entry.bundled,
        }
        try:
            spec = load_playbook(entry.path, known, display=shown).spec
            row.update(
                id=spec.id,
                version=spec.version,
                language=spec.language,
                title=localize(spec.title, settings.language or spec.language, spec.language),
            )
        except PlaybookError as exc:
            row["status"] = exc.counted()
        except PlaybookIOError as exc:
            row["status"] = str(exc)
        rows.append(row)
    return rows


def _shown_path(path: Path, bundled: bool) -> str:
    if bundled:
        return f"playbooks/{path.name}"
    return str(path)


case_commands.register(app)
notify_commands.register(app)
design_commands.register(app)
serve_commands.register(app)


def main() -> None:
    """The console script: errors become one line and an exit status, never a traceback.

    A refusal exits 1, a setting or I/O problem 2, Ctrl-C 130. Anything else is a bug: one line
    names it and the log file that holds its traceback, and the exit status is 70 (EX_SOFTWARE).
    """
    try:
        app()
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
