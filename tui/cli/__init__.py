"""The command line, and the wiring both user interfaces share (settings, output).

`trinn` is `trinn.tui.cli:main`; the Typer app is `trinn.tui.cli.app`. The Textual
app lives beside this package (tui/app.py, desk.py, screens/, widgets/) and
imports from here only the shared wiring, never a command.
"""

from trinn.tui.cli.main import app, main

__all__ = ["app", "main"]
