"""The playbook cache: a text checked clean once is read back (a pickle of its spec), never wrongly."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from trinn.engine.catalog import bundled_files
from trinn.engine.compiler import compile_playbook
from trinn.engine.errors import PlaybookError
from trinn.engine.lint import lint_playbook
from trinn.engine.loader import load_playbook_text
from trinn.engine.playbook_cache import PlaybookCache, checked_against
from trinn.tui.cli import app

FASE_72 = next(f.path for f in bundled_files() if f.path.name == "padriv-fase-7-2.yaml")


@pytest.fixture
def cache(tmp_path: Path) -> PlaybookCache:
    return PlaybookCache(tmp_path / "cache")


def test_cache_second_load_reads_the_entry_not_yaml(cache: PlaybookCache) -> None:
    raw = FASE_72.read_bytes()
    first = load_playbook_text(raw, "fase72.yaml", None, cache)
    second = load_playbook_text(raw, "fase72.yaml", None, cache)
    assert first.positions is not None  # parsed
    assert second.positions is None  # read back: nothing parsed
    assert second.spec == first.spec
    assert second.sha256 == first.sha256 and second.text == first.text
    assert set(second.expressions) == set(first.expressions)
    # the read-back playbook runs the same: every guard gives the same answer
    a, b = compile_playbook(first), compile_playbook(second)
    assert a.spec.transitions == b.spec.transitions


@pytest.mark.parametrize("entry", bundled_files(), ids=lambda e: e.path.name)
def test_cache_every_bundled_playbook_reads_back(entry: Any, cache: PlaybookCache) -> None:
    raw = entry.path.read_bytes()
    fresh = load_playbook_text(raw, entry.path.name, None, cache)
    cached = load_playbook_text(raw, entry.path.name, None, cache)
    assert cached.positions is None, "the entry did not read back"
    assert cached.spec == fresh.spec


def test_cache_positions_parsed_when_asked(cache: PlaybookCache) -> None:
    raw = FASE_72.read_bytes()
    fresh = load_playbook_text(raw, "fase72.yaml", None, cache)
    cached = load_playbook_text(raw, "fase72.yaml", None, cache)
    assert cached.source_map.value(("states",)) == fresh.source_map.value(("states",))
    assert lint_playbook(cached) == lint_playbook(fresh)


def test_cache_entry_per_start_case_targets(cache: PlaybookCache) -> None:
    raw = FASE_72.read_bytes()
    load_playbook_text(raw, "fase72.yaml", {"partnerskab.forankring"}, cache)
    names = sorted(p.name for p in cache.folder.iterdir())
    sha256 = load_playbook_text(raw, "x").sha256
    assert names == [f"{sha256}-{checked_against({'partnerskab.forankring'})}.pickle"]
    # checked against other targets: not the same verdict, so parsed again
    other = load_playbook_text(raw, "fase72.yaml", {"partnerskab.forankring", "padriv.fase-2"}, cache)
    assert other.positions is not None


_CALLED: list[str] = []  # what an entry managed to call (the unpickler must refuse to)


def _call_me() -> None:
    _CALLED.append("called")


class _Calls:
    """A pickle that calls a function of its choosing when read (what the unpickler refuses)."""

    def __reduce__(self) -> tuple[Any, tuple[()]]:
        return _call_me, ()


def test_cache_foreign_or_broken_entries_are_misses(cache: PlaybookCache) -> None:
    raw = FASE_72.read_bytes()
    load_playbook_text(raw, "fase72.yaml", None, cache)
    (entry,) = cache.folder.iterdir()
    stored = entry.read_bytes()
    header, _, body = stored.partition(b"\n")
    entry_data = pickle.loads(body)
    for broken in [
        b"{not a pickle",
        b"trinn playbook cache another-trinn\n" + body,
        header + b"\n" + body[: len(body) // 2],
        header + b"\n" + pickle.dumps({**entry_data, "spec": {"id": 3}}),
        header + b"\n" + pickle.dumps({**entry_data, "expressions": ["size(nothing_here) > 1"]}),
        header + b"\n" + pickle.dumps({**entry_data, "spec": _Calls()}),
        header + b"\n" + pickle.dumps([1, 2]),
        b"",
    ]:
        entry.write_bytes(broken)
        again = load_playbook_text(raw, "fase72.yaml", None, cache)
        assert again.positions is not None, broken  # parsed, as if new
        assert entry.read_bytes().partition(b"\n")[0] == header  # and written anew
    assert _CALLED == []


def test_cache_refusals_are_never_cached(cache: PlaybookCache) -> None:
    broken = FASE_72.read_text().replace("initial:", "initail:", 1)
    for _ in range(2):
        with pytest.raises(PlaybookError) as caught:
            load_playbook_text(broken, "broken.yaml", None, cache)
        assert "initail" in caught.value.report()
    assert not cache.folder.exists() or not list(cache.folder.iterdir())


def test_cache_unwritable_folder_is_no_cache(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    cache = PlaybookCache(blocker / "cache")
    loaded = load_playbook_text(FASE_72.read_bytes(), "fase72.yaml", None, cache)
    assert loaded.spec.id == "padriv.fase-7-2"


def test_cache_commands_fill_the_user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    db = str(tmp_path / "trinn.db")
    runner = CliRunner()
    opened = runner.invoke(
        app, ["--db", db, "open", "padriv.fase-7-2", "--set", "virksomhet=Acme AS", "--set", "meldt_av=Ola"]
    )
    assert opened.exit_code == 0, opened.output
    first = runner.invoke(app, ["--db", db, "show", "1"])
    second = runner.invoke(app, ["--db", db, "show", "1"])
    assert first.exit_code == second.exit_code == 0
    assert first.output == second.output
    folder = tmp_path / "cache" / "trinn" / "playbooks"
    assert {p.name.rsplit("-", 1)[1] for p in folder.iterdir()} >= {"any.pickle"}


def test_cache_check_twice_then_broken_still_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    playbook = tmp_path / "fase72.yaml"
    playbook.write_bytes(FASE_72.read_bytes())
    runner = CliRunner()
    for _ in range(2):
        result = runner.invoke(app, ["check", str(playbook)])
        assert (result.exit_code, result.output) == (0, f"{playbook}: ok\n")
    assert len(list((tmp_path / "cache" / "trinn" / "playbooks").iterdir())) == 1
    playbook.write_text(FASE_72.read_text().replace("initial:", "initail:", 1))
    result = runner.invoke(app, ["check", str(playbook)])
    assert result.exit_code == 1
    assert f"{playbook}:" in result.output and "initail" in result.output
