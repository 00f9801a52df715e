"""`python -m trinn.tui.cli`: the same as the `trinn` console script."""

from trinn.tui.cli.main import main

main()
