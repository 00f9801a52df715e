"""Text shown on a terminal: escapes, bidi overrides and invisible characters made visible."""

from __future__ import annotations

import pytest

from trinn.engine.shown import first_unsafe, shown, shown_json
from trinn.engine.status import TaskStatus


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Acme AS", "Acme AS"),
        ("line one\nline two\tend", "line one\nline two\tend"),
        ("\x1b[2J\x1b]0;pwned\x07", "\\x1b[2J\\x1b]0;pwned\\x07"),
        ("invoice\u202egpj.exe", "invoice\\u202egpj.exe"),
        ("a\u200bb\ufeff", "a\\u200bb\\ufeff"),
        ("nul\x00 del\x7f c1\x9b", "nul\\x00 del\\x7f c1\\x9b"),
        ("lone \ud800 half", "lone \\ud800 half"),
        ("Bjørnstjerne Ærø 名前 ١", "Bjørnstjerne Ærø 名前 ١"),
        (17, "17"),
    ],
)
def test_shown_makes_controls_visible(typed: object, expected: str) -> None:
    assert shown(typed) == expected


def test_shown_json_escapes_what_json_dumps_leaves_raw() -> None:
    assert shown_json('{"a": "x\x7f\x9b\u202e\ud800 ok"}') == '{"a": "x\\u007f\\u009b\\u202e\\ud800 ok"}'
    assert shown_json('{\n  "a": "\\u001b"\n}') == '{\n  "a": "\\u001b"\n}'


def test_shown_first_unsafe_finds_what_shown_would_escape() -> None:
    assert first_unsafe("ok\tline\n") is None
    assert first_unsafe("ab\u202ec\x1b") == (2, "\u202e")


def test_shown_columns_escape_a_cell_and_align_on_what_is_shown(capsys: pytest.CaptureFixture[str]) -> None:
    from trinn.tui.cli.output import print_columns

    print_columns(["id", "subject"], [["1", "a\x1b[2Jb"], ["22", "{0} plain"], ["3", ""]])
    assert capsys.readouterr().out == (
        "id  subject\n"  # the header is padded to the widest shown cell, then trailing space cut
        "1   a\\x1b[2Jb\n"
        "22  {0} plain\n"
        "3\n"
    )
    print_columns(["id", "subject"], [["1", "Ærø"]])  # nothing to escape: every cell as it is
    assert capsys.readouterr().out == "id  subject\n1   Ærø\n"
    # a cell is text, never a format: percent signs and braces as typed; a number or None as str()
    print_columns(["n", "status", "note"], [[7, TaskStatus.OPEN, "100% %s {}"], [None, "done", ""]])
    assert capsys.readouterr().out == "n     status  note\n7     open    100% %s {}\nNone  done\n"
