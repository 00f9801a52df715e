"""What a command imports stays within its budget, so that start-up speed does not rot.

Each command runs in a fresh interpreter (as `trinn` does) and reports `sys.modules`
when it is done. Two budgets: libraries a command has no use for are never imported
(the database for `--help` and `check`, the YAML parser for a case whose playbook is
in the playbook cache, the terminal UI and the notifiers for any command line), and
the number of modules stays under a listed ceiling, about a tenth above today's.
A change that needs more says so here, on purpose.

A command on a case runs on the plain form of its playbook (engine.plain_spec), read
from the playbook cache: it imports neither pydantic nor the models of the format, which
together cost more than the rest of such a command. Only checking a new text needs them.
The everyday commands (show, can, set, fire, done, cases, tasks), given plainly, run without
typer (tui/cli/quick.py) and print text without rich.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PLAYBOOK = ROOT / "playbooks" / "padriv-fase-7-2.yaml"
# never wanted by a command-line command: the app, the delivery stack, the CEL package's REPL
NEVER = {"textual", "apprise", "prompt_toolkit", "requests", "cel.cli"}
# the format's models and what validates: only for a text new to this trinn (or the people file)
VALIDATING = {
    "pydantic",
    "pydantic_core",
    "trinn.engine.spec",
    "trinn.engine.field_spec",
    "trinn.engine.validation",
}
# what the everyday commands run without: typer (with its click), rich, the YAML parser, Jinja
QUICK = {"typer", "click", "rich", "ruamel", "jinja2"}
# what reads a playbook: a listing reads the store alone, so it loads none of it
PLAYBOOK_READING = {"ruamel", "jinja2", "transitions", "cel", "pydantic", "trinn.engine.spec"}

BUDGETS = {
    # --help reads no playbook: no pydantic either (the models' classes are most of a start)
    "help": (["--help"], NEVER | {"sqlalchemy", "transitions", "jinja2", "ruamel", "cel", "pydantic"}, 275),
    "check": (["check", str(PLAYBOOK)], NEVER | {"sqlalchemy", "transitions"}, 450),
    # a case's commands: the plain form of its playbook, from the cache
    # with text printed as it is (tui/cli/columns.py) and no typer (tui/cli/quick.py)
    "show": (["show", "1"], NEVER | VALIDATING | QUICK, 270),
    "can": (["can", "1"], NEVER | VALIDATING | QUICK, 270),
    "set": (["set", "1", "virksomhet=Acme AS"], NEVER | VALIDATING | QUICK, 270),
    "cases": (["cases"], NEVER | PLAYBOOK_READING | QUICK, 190),
    "tasks": (["tasks"], NEVER | PLAYBOOK_READING | QUICK, 190),
}
# spec models whose validator a command on a cached playbook may build: none
BUILT_BY = {
    "help": set(),
    "check": None,
    "show": set(),
    "can": set(),
    "set": set(),
    "cases": set(),
    "tasks": set(),
}

_REPORT = """
import json, sys
sys.argv = ["trinn", *json.loads(sys.argv[1])]
from trinn.tui.cli import main
try:
    main()
except SystemExit:
    pass
spec = sys.modules.get("trinn.engine.spec")
built = [n for n, c in vars(spec).items() if getattr(c, "__pydantic_complete__", False)] if spec else []
sys.stderr.write("\\nMODULES " + json.dumps([sorted(sys.modules), built]) + "\\n")
"""


def _modules(args: list[str], db: Path) -> tuple[set[str], set[str]]:
    """The modules a command imported, and the spec models whose validators it built."""
    done = subprocess.run(
        [sys.executable, "-c", _REPORT, json.dumps(["--db", str(db), *args])],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    marker = done.stderr.rsplit("\nMODULES ", 1)
    assert len(marker) == 2, done.stderr
    modules, built = json.loads(marker[1])
    return set(modules), set(built)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("budget") / "trinn.db"
    _modules(["open", "padriv.fase-7-2", "--set", "virksomhet=Acme AS", "--set", "meldt_av=Ola"], path)
    _modules(["show", "1"], path)  # the first command on the stored version fills the playbook cache
    return path


@pytest.mark.parametrize("command", sorted(BUDGETS))
def test_import_budget_of_command(command: str, db: Path) -> None:
    args, forbidden, ceiling = BUDGETS[command]
    modules, built = _modules(args, db)
    imported = {name for name in forbidden if name in modules}
    assert not imported, f"`trinn {' '.join(args)}` imports {sorted(imported)}"
    assert len(modules) <= ceiling, f"`trinn {' '.join(args)}` imports {len(modules)} modules"
    if BUILT_BY[command] is not None:
        assert built == BUILT_BY[command], f"`trinn {' '.join(args)}` built validators of {sorted(built)}"
