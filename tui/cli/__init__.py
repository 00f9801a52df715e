"""The command line, and the wiring both user interfaces share (settings, output).

`trinn` is `trinn.tui.cli:main`; the Typer app is `trinn.tui.cli.app` (made when asked for,
tui/cli/commands.py), and the everyday commands run without it (tui/cli/quick.py). The Textual
app lives beside this package (tui/app.py, desk.py, screens/, widgets/) and
imports from here only the shared wiring, never a command.
"""

from typing import Any

from trinn.tui.cli.main import main

__all__ = ["app", "main"]


def __getattr__(name: str) -> Any:
    # the whole app is made when asked for (tui/cli/commands.py): `trinn show` makes only its own
    if name == "app":
        from trinn.tui.cli.commands import whole_app

        return whole_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
