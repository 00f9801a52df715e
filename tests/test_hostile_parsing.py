"""Hostile files for the parser and the checker, run through the real command line, bounded.

Each case runs `trinn` in a child process with a wall-clock budget and a memory ceiling
(tests/hostile.py) and asserts the exact refusal and exit status: deep nesting, devices and
FIFOs, huge whole numbers, aliases that multiply nodes or text, playbooks past their caps,
and a byte-order mark accepted alike by every command. Small inputs are files under
tests/data/hostile/parsing/; big ones are generated here.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.hostile import HOSTILE, run_bounded
from trinn.engine.errors import MAX_PROBLEMS
from trinn.engine.loader import MAX_MOVES, MAX_STATES
from trinn.engine.source import MAX_BYTES, MAX_DEPTH, MAX_NODES, MAX_TEXT

FIXTURES = HOSTILE / "parsing"
MINI = Path(__file__).parent / "data" / "mini.yaml"
BUNDLED = Path(__file__).parent.parent / "playbooks"

HEAD = """id: demo.big
version: 1
language: en
title: Big
subject: {title: Org, field: navn}
roles:
  lead: {title: Lead}
fields:
  navn: {type: text, label: Name}
"""


def _chain(states: int) -> str:
    """A playbook whose states follow one another: s0 -> s1 -> ... -> end."""
    lines = [HEAD, "initial: s0\nstates:\n"]
    lines += [f"  s{i}: {{title: S{i}}}\n" for i in range(states)]
    lines.append("  end: {title: End, final: true}\ntransitions:\n")
    lines += [
        f"  - {{trigger: go{i}, from: s{i}, to: {f's{i + 1}' if i + 1 < states else 'end'}, by: lead}}\n"
        for i in range(states)
    ]
    return "".join(lines)


def _check(home: Path, name: str, text: str | bytes) -> tuple[int, list[str], str]:
    path = home / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    done = run_bounded(["check", name], home=home)
    assert done.clean, done.stderr
    return done.code, done.stdout.splitlines(), done.stderr


def _no_cases(home: Path) -> None:
    listed = run_bounded(["cases", "--json"], home=home)
    assert (listed.code, listed.stdout.strip()) == (0, "[]")


@pytest.mark.parametrize(
    ("fixture", "where"),
    [
        ("deep_flow_sequence.yaml", "3:77"),
        ("deep_flow_mapping.yaml", "3:266"),
        ("deep_block_sequence.yaml", "4:129"),
    ],
)
def test_deep_nesting_is_refused_at_the_level_past_the_limit(
    tmp_path: Path, fixture: str, where: str
) -> None:
    shutil.copy(FIXTURES / fixture, tmp_path / fixture)
    done = run_bounded(["check", fixture], home=tmp_path)
    assert (done.code, done.stderr) == (1, "")
    assert done.stdout.splitlines() == [
        f"{fixture}:{where}: nesting is deeper than {MAX_DEPTH} levels (flatten the document)",
        f"1 error in {fixture}",
    ]


def test_deep_playbook_opens_no_case(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "deep_flow_mapping.yaml", tmp_path / "deep.yaml")
    done = run_bounded(["open", "deep.yaml"], home=tmp_path)
    assert (done.code, done.stdout) == (2, "")  # a playbook that cannot be used: as for any setting
    assert done.stderr.splitlines() == [
        f"trinn: deep.yaml:3:266: nesting is deeper than {MAX_DEPTH} levels (flatten the document)",
        "1 error in deep.yaml",
    ]
    _no_cases(tmp_path)


def test_deep_people_file_is_refused_with_its_position(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "deep_people.yaml", tmp_path / "people.yaml")
    done = run_bounded(["--people", "people.yaml", "--as", "kari", "tasks", "--mine"], home=tmp_path)
    assert done.clean
    assert (done.code, done.stdout) == (2, "")
    assert done.stderr.splitlines() == [
        f"trinn: people.yaml:1:89: nesting is deeper than {MAX_DEPTH} levels (flatten the document)",
        "1 error in people.yaml",
    ]


@pytest.mark.parametrize("kind", ["device", "fifo"])
def test_playbook_that_is_not_a_regular_file_is_refused_before_reading(tmp_path: Path, kind: str) -> None:
    name = {"device": "/dev/zero", "fifo": "pipe.yaml"}[kind]
    if kind == "fifo":
        os.mkfifo(tmp_path / name)  # nobody writes to it: reading it would wait forever
    done = run_bounded(["check", name], home=tmp_path)
    assert (done.code, done.stdout) == (2, "")
    assert done.stderr.splitlines() == [f"trinn: cannot read {name}: not a regular file"]


@pytest.mark.parametrize("kind", ["device", "fifo", "folder"])
def test_opening_what_is_not_a_regular_file_is_refused_before_reading(tmp_path: Path, kind: str) -> None:
    name = {"device": "/dev/zero", "fifo": "pipe.yaml", "folder": "folder.yaml"}[kind]
    if kind == "fifo":
        os.mkfifo(tmp_path / name)
    if kind == "folder":
        (tmp_path / name).mkdir()
    done = run_bounded(["open", name], home=tmp_path)
    reason = "it is a folder" if kind == "folder" else "not a regular file"
    assert (done.code, done.stdout) == (2, "")
    assert done.stderr.splitlines() == [f"trinn: cannot read {name}: {reason} (give a playbook file or id)"]
    _no_cases(tmp_path)


@pytest.mark.parametrize("kind", ["device", "fifo", "folder", "too large"])
def test_people_file_that_cannot_be_used_is_refused(tmp_path: Path, kind: str) -> None:
    name = {"device": "/dev/zero", "fifo": "pipe.yaml", "folder": "folder", "too large": "people.yaml"}[kind]
    if kind == "fifo":
        os.mkfifo(tmp_path / name)
    if kind == "folder":
        (tmp_path / name).mkdir()
    if kind == "too large":
        (tmp_path / name).write_text("# " + "x" * MAX_BYTES + "\nkari: {name: Kari}\n", encoding="utf-8")
    done = run_bounded(["--people", name, "--as", "kari", "tasks", "--mine"], home=tmp_path)
    message = {
        "device": "cannot read: not a regular file",
        "fifo": "cannot read: not a regular file",
        "folder": "cannot read: is a folder",
        "too large": f"file is too large (the limit is {MAX_BYTES} bytes)",
    }[kind]
    assert (done.code, done.stdout) == (2, "")
    assert done.stderr.splitlines() == [f"trinn: {name}:1:1: {message}", f"1 error in {name}"]


@pytest.mark.parametrize(
    ("fixture", "where"), [("big_integer.yaml", "2:10"), ("big_integer_key.yaml", "5:15")]
)
def test_whole_number_of_5000_digits_is_refused_at_its_position(
    tmp_path: Path, fixture: str, where: str
) -> None:
    shutil.copy(FIXTURES / fixture, tmp_path / fixture)
    done = run_bounded(["check", fixture], home=tmp_path)
    assert (done.code, done.stderr) == (1, "")
    assert done.stdout.splitlines() == [
        f"{fixture}:{where}: whole number is too large (the largest is 9223372036854775807)",
        f"1 error in {fixture}",
    ]


def test_chain_of_5000_states_is_refused_by_the_node_limit(tmp_path: Path) -> None:
    code, lines, _ = _check(tmp_path, "chain.yaml", _chain(5000))
    assert code == 1
    assert lines == [
        f"chain.yaml:5003:18: document has more than {MAX_NODES} nodes "
        "(keys, values and list items; split what is this big)",
        "1 error in chain.yaml",
    ]


def test_chain_past_the_state_cap_is_refused_with_the_count(tmp_path: Path) -> None:
    code, lines, _ = _check(tmp_path, "chain.yaml", _chain(MAX_STATES))  # with 'end': one past
    assert code == 1
    assert lines == [
        f"chain.yaml:11:1: too many states: {MAX_STATES + 1} (the limit is {MAX_STATES})",
        "1 error in chain.yaml",
    ]


def test_chain_at_the_state_cap_checks_and_opens(tmp_path: Path) -> None:
    (tmp_path / "chain.yaml").write_text(_chain(MAX_STATES - 1), encoding="utf-8")
    checked = run_bounded(["check", "chain.yaml"], home=tmp_path)
    assert (checked.code, checked.stdout) == (0, "chain.yaml: ok\n")
    opened = run_bounded(["open", "chain.yaml", "--set", "navn=X"], home=tmp_path)
    assert (opened.code, opened.stdout, opened.stderr) == (0, "1\n", "")
    fired = run_bounded(["fire", "1", "go0"], home=tmp_path)
    assert fired.code == 0, fired.stderr


def test_wildcard_transitions_past_the_move_cap_are_refused(tmp_path: Path) -> None:
    states = 100
    text = _chain(states) + "".join(
        f"  - {{trigger: w{j}, from: '*', to: s{j % states}, by: lead}}\n" for j in range(200)
    )
    code, lines, _ = _check(tmp_path, "wild.yaml", text)
    moves = states + 200 * (states + 1)  # the chain's own, and each '*' from every state
    assert code == 1
    assert lines == [
        f"wild.yaml:113:1: too many moves (transitions times the states they leave): {moves} "
        f"(the limit is {MAX_MOVES})",
        "1 error in wild.yaml",
    ]


def test_40000_unknown_keys_are_refused_by_the_node_limit(tmp_path: Path) -> None:
    text = _chain(1) + "".join(f"k{i}: 1\n" for i in range(40_000))
    code, lines, _ = _check(tmp_path, "keys.yaml", text)
    assert code == 1
    assert lines == [
        f"keys.yaml:{MAX_NODES // 2 - 11}:1: document has more than {MAX_NODES} nodes "
        "(keys, values and list items; split what is this big)",
        "1 error in keys.yaml",
    ]


def test_thousands_of_problems_show_the_first_hundred_and_a_count(tmp_path: Path) -> None:
    text = _chain(1) + "".join(f"k{i}: 1\n" for i in range(9_000))
    code, lines, _ = _check(tmp_path, "keys.yaml", text)
    assert code == 1
    assert len(lines) == MAX_PROBLEMS + 2
    assert lines[0] == "keys.yaml:16:1: unknown key 'k0'"
    assert lines[MAX_PROBLEMS - 1] == "keys.yaml:115:1: unknown key 'k99'"
    assert lines[-2:] == [f"... and {9_000 - MAX_PROBLEMS} more problems", "9000 errors in keys.yaml"]


def test_wide_alias_of_200000_entries_is_refused_early(tmp_path: Path) -> None:
    text = "id: x\na: &a [" + ", ".join(["x"] * 10) + "]\nb: [" + ", ".join(["*a"] * 200_000) + "]\n"
    code, lines, _ = _check(tmp_path, "wide.yaml", text)
    assert code == 1
    assert lines == [
        f"wide.yaml:3:7269: document expands to more than {MAX_NODES} nodes "
        "(anchors and aliases may not multiply the document)",
        "1 error in wide.yaml",
    ]


def test_aliases_of_one_big_message_body_count_its_text(tmp_path: Path) -> None:
    body = "x" * 400_000
    text = (
        HEAD
        + f"messages:\n  m0: {{title: T, body: &b '{body}'}}\n"
        + "".join(f"  m{i}: {{title: T, body: *b}}\n" for i in range(1, 10))
        + "initial: a\nstates:\n  a: {title: A, final: true}\ntransitions: []\n"
    )
    code, lines, _ = _check(tmp_path, "bodies.yaml", text)
    assert code == 1
    assert lines == [
        f"bodies.yaml:13:24: document expands to more than {MAX_TEXT} characters of text "
        "(anchors and aliases may not multiply the document)",
        "1 error in bodies.yaml",
    ]


BOM = b"\xef\xbb\xbf"


def test_byte_order_mark_is_accepted_by_check_open_and_test(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    for name in ("partnerskab-forankring.yaml", "partnerskab-forankring.test.yaml"):
        (folder / name).write_bytes(BOM + (BUNDLED / name).read_bytes())
    (folder / "mini.yaml").write_bytes(BOM + MINI.read_bytes())
    checked = run_bounded(["check", "mine/mini.yaml"], home=tmp_path)
    assert (checked.code, checked.stdout) == (0, "mine/mini.yaml: ok\n")
    opened = run_bounded(["--playbooks", "mine", "open", "demo.mini", "--set", "navn=X"], home=tmp_path)
    assert (opened.code, opened.stdout, opened.stderr) == (0, "1\n", "")
    shown = run_bounded(["--playbooks", "mine", "show", "1"], home=tmp_path)
    assert shown.code == 0 and "demo.mini version 1" in shown.stdout
    tested = run_bounded(["test", "mine/partnerskab-forankring.test.yaml"], home=tmp_path)
    assert tested.code == 0, tested.stdout + tested.stderr
    assert tested.stdout.splitlines()[-1].endswith("passed")


def test_byte_order_mark_changes_nothing_of_a_people_file(tmp_path: Path) -> None:
    (tmp_path / "people.yaml").write_bytes(BOM + b"kari: {name: Kari, roles: [lead]}\n")
    done = run_bounded(["--people", "people.yaml", "--as", "kari", "tasks", "--mine"], home=tmp_path)
    assert (done.code, done.stderr) == (0, "")
