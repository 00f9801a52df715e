"""The `trinn` command: a thin layer that builds what a command needs and calls the engine.

The commands are declared with typer (tui/cli/commands.py); the most frequent ones, given
plainly, run without it (tui/cli/quick.py). Human output is text (tui/cli/output.py); `--json`
prints machine-readable output instead. Exit status: 0 clean, 1 findings or
refusals, 2 usage, configuration or I/O errors. Nothing heavy is imported at
start-up: a command imports what it uses.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from trinn.engine.errors import CommandError, TrinnError
from trinn.tui.cli import help_language
from trinn.tui.cli.output import err
from trinn.tui.cli.quick import quick_command

__all__ = ["INTERNAL_ERROR", "internal_error", "main"]


def main() -> None:
    """The console script: errors become one line and an exit status, never a traceback.

    A refusal exits 1, a setting or I/O problem 2, Ctrl-C 130. Anything else is a bug: one line
    names it and the log file that holds its traceback, and the exit status is 70 (EX_SOFTWARE).
    """
    argv = sys.argv[1:]
    try:
        quick = quick_command(argv)
        if quick is not None:  # a plain command on a case or a listing: run without typer
            quick()
            return
        import typer.main  # everything else, help and usage errors included

        from trinn.tui.cli.commands import app_for

        with help_language.speaking(_language_asked(argv)) as words:
            command = typer.main.get_command(app_for(argv))
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
