"""The architecture, kept by an import scan: engine stands alone, heavy libraries stay in their place."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _imports(path: Path) -> set[str]:
    """The top-level names a module imports; trinn's own packages by their part (`trinn.tui` is `tui`)."""
    parts = (name.split(".") for name in _imported_modules(path))
    return {part[1] if part[0] == "trinn" and len(part) > 1 else part[0] for part in parts}


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize(
    "path",
    [*_modules("engine"), *_modules("tui"), *_modules("notifiers"), *_modules("tests"), *_modules("bench")],
    ids=lambda p: p.relative_to(ROOT).as_posix(),
)
def test_layering_imports_trinn_under_its_namespace(path: Path) -> None:
    """`import engine` would load a second copy of the code from the working folder, not the install."""
    bare = {
        name
        for name in _imported_modules(path)
        if name.split(".")[0] in {"engine", "tui", "notifiers", "playbooks"}
    }
    assert bare == set()


@pytest.mark.parametrize("path", _modules("engine"), ids=lambda p: p.name)
def test_engine_imports_neither_tui_nor_notifiers(path: Path) -> None:
    assert not _imports(path) & {"tui", "notifiers", "textual", "apprise", "typer", "rich"}


@pytest.mark.parametrize(
    ("library", "allowed"),
    [
        ("ruamel", {"yaml_reader.py"}),
        ("transitions", {"compiler.py", "diagram.py"}),
        ("cel", {"cel_runtime.py"}),  # loads the evaluator without cel.cli
    ],
)
def test_engine_library_used_only_in_its_module(library: str, allowed: set[str]) -> None:
    users = {p.name for p in _modules("engine") if library in _imports(p)}
    assert users <= allowed


@pytest.mark.parametrize("library", ["sqlalchemy", "alembic", "psycopg"])
def test_database_libraries_stay_in_the_store(library: str) -> None:
    users = {
        p.relative_to(ROOT).as_posix()
        for p in [*_modules("engine"), *_modules("tui")]
        if library in _imports(p)
    }
    assert all(user.startswith("engine/store/") for user in users), users


def test_pydantic_playbook_models_live_in_spec() -> None:
    for path in _modules("engine"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        classes = [n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name.endswith("Spec")]
        if path.name != "spec.py" and not path.name.endswith("_spec.py"):  # the format, and its parts
            assert classes == [], f"{path.name} defines {classes}"


@pytest.mark.parametrize("path", _modules("notifiers"), ids=lambda p: p.name)
def test_notifiers_import_engine_only(path: Path) -> None:
    assert "tui" not in _imports(path)
    assert {part.split(".")[0] for part in _trinn_parts(path)} <= {"engine", "notifiers"}


def _trinn_parts(path: Path) -> set[str]:
    """The modules of trinn a module imports, without `trinn.` (`engine.store.store`, `tui.cli.settings`)."""
    return {name.partition(".")[2] for name in _imported_modules(path) if name.startswith("trinn.")}


@pytest.mark.parametrize("path", _modules("tui"), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_tui_imports_engine_and_notifiers_only(path: Path) -> None:
    assert {part.split(".")[0] for part in _trinn_parts(path)} <= {"engine", "notifiers", "tui"}


# the playbook language: YAML text to a compiled playbook, its expressions and templates
LANGUAGE = {
    "yaml_reader", "source", "catalog", "registry", "playbook_cache", "starter", "schema",
    "spec", "scalar_spec", "field_spec", "action_spec", "timing_spec", "limits_spec",
    "loader", "validation", "checks", "checker", "action_checks", "timing_checks", "advice_checks",
    "graph_checks", "public_forms", "playbook_scope",
    "expressions", "expression_cost", "cel_tree", "pattern_cost", "cel_text", "cel_runtime", "reason",
    "template", "sandbox", "compiler", "firing", "advice", "actions", "diagram",
    "limits", "text", "calendar", "timing", "values", "written", "moments", "readable",
}  # fmt: skip
# cases at run time, and the store they are kept in
CASES = {
    "case", "context", "service", "runner", "command", "form_command", "entering", "history",
    "messages", "effects", "views", "queries", "timers", "outbox", "store", "scenario_run",
    "scenario_steps", "authority", "permissions", "records", "links", "deadlines", "meetings",
    "invitations", "reschedule",
}  # fmt: skip
# (files and attachments are neither: a file value is checked when a playbook loads and when a
# command stores it; they name `Case` only in annotations)


@pytest.mark.parametrize("name", sorted(LANGUAGE))
def test_playbook_language_imports_nothing_of_cases_or_the_store(name: str) -> None:
    path = ROOT / "engine" / f"{name}.py"
    if not path.exists():
        pytest.skip(f"engine/{name}.py is gone")
    used = {part.split(".")[1] for part in _trinn_parts(path) if part.startswith("engine.")}
    assert used & CASES == set()


@pytest.mark.parametrize("path", sorted((ROOT / "engine" / "store").rglob("*.py")), ids=lambda p: p.name)
def test_store_imports_nothing_of_the_service(path: Path) -> None:
    used = {part for part in _trinn_parts(path) if part.startswith("engine.")}
    service = {"service", "runner", "command", "form_command", "effects", "timers", "queries", "scenario_run"}
    assert used & {f"engine.{name}" for name in service} == set()


_APP_SIDE = [p for p in _modules("tui") if "cli" not in p.relative_to(ROOT / "tui").parts]
_CLI_SIDE = [p for p in _modules("tui") if "cli" in p.relative_to(ROOT / "tui").parts]


_WEB = [p for p in _modules("tui") if "web" in p.relative_to(ROOT / "tui").parts]


@pytest.mark.parametrize("path", _WEB, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_the_web_forms_load_neither_textual_nor_the_commands(path: Path) -> None:
    assert {part for part in _trinn_parts(path) if part.startswith("tui.cli")} == set()
    assert not {"textual", "typer"} & _imports(path)


@pytest.mark.parametrize("path", _APP_SIDE, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_the_app_uses_no_command_only_the_shared_wiring(path: Path) -> None:
    commands = {part for part in _trinn_parts(path) if part.startswith("tui.cli")} - {"tui.cli.settings"}
    assert commands == set()
    assert "typer" not in _imports(path)


@pytest.mark.parametrize("path", _CLI_SIDE, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_the_command_line_starts_the_app_in_one_place(path: Path) -> None:
    """Only `trinn tui` (cli/commands.py) reaches the Textual app; no other command loads textual.
    (`trinn serve` starts the web forms, tui/web/, which load no textual either.)"""
    app_side = {
        part
        for part in _trinn_parts(path)
        if part.startswith("tui.") and not part.startswith(("tui.cli", "tui.web"))
    }
    if path.name != "commands.py":
        assert app_side - {"tui.i18n"} == set()
        assert "textual" not in _imports(path)


MAX_MODULE_LINES, MAX_CLASS_LINES = 400, 250
_SOURCES = [
    p
    for p in [*_modules("engine"), *_modules("tui"), *_modules("notifiers")]
    if "migrations" not in p.relative_to(ROOT).parts
]


@pytest.mark.parametrize("path", _SOURCES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_modules_and_classes_stay_small(path: Path) -> None:
    """A module over the limit is two concepts, a class over it two jobs: split, never raised."""
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_MODULE_LINES
    tree = ast.parse(text)
    long = {
        node.name: (node.end_lineno or node.lineno) - node.lineno + 1
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
        and (node.end_lineno or node.lineno) - node.lineno + 1 > MAX_CLASS_LINES
    }
    assert long == {}
