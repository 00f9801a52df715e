"""`trinn show`'s two columns: aligned, within the width, every word kept, nothing steers the terminal."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from trinn.tui.cli.columns import cell_width, two_columns, wrapped

WORD = st.text(alphabet=st.sampled_from("abcæøå漢字é-:()"), min_size=1, max_size=30)


def test_columns_align_values_after_the_widest_label() -> None:
    text = two_columns([("case", "1: Acme AS"), ("  virksomhet", "Acme AS")], width=80)
    assert text.splitlines() == ["case          1: Acme AS", "  virksomhet  Acme AS"]


def test_columns_wrap_under_the_value_and_keep_an_indent() -> None:
    value = "  meldt_av_gruppe (choice of nettverksledelsen, samarbeidspartner, padriver, ledelsen)"
    lines = two_columns([("form", value)], width=50).splitlines()
    assert lines[0].startswith("form    meldt_av_gruppe")
    assert all(line.startswith(" " * 8) and line[8] != " " for line in lines[1:])  # indent kept
    assert all(cell_width(line) <= 50 for line in lines)


def test_columns_cut_a_word_longer_than_the_room() -> None:
    lines = wrapped("x" * 45, 20)
    assert lines == ["x" * 20, "x" * 20, "x" * 5]


def test_columns_count_wide_characters_as_two_cells() -> None:
    assert cell_width("漢字") == 4 and cell_width("e\u0301") == 1
    lines = wrapped("漢字漢字漢字", 5)
    assert lines == ["漢字", "漢字", "漢字"]


def test_columns_show_controls_as_escapes() -> None:
    text = two_columns([("  note", "evil\x1b[2J\u202etext")], width=80)
    assert "\x1b" not in text and "\u202e" not in text
    assert "\\x1b[2J" in text and "\\u202e" in text


@given(st.lists(st.tuples(WORD, st.lists(WORD, max_size=12)), min_size=1, max_size=6), st.integers(30, 120))
def test_columns_keep_every_word_in_order_within_the_width(
    rows: list[tuple[str, list[str]]], width: int
) -> None:
    text = two_columns([(label, " ".join(words)) for label, words in rows], width=width)
    if max(cell_width(label) for label, _ in rows) + 2 + 20 <= width:  # else the value keeps 20 cells
        assert all(cell_width(line) <= width for line in text.splitlines())
    # every label and word is there, in order: the text without its spaces and line breaks
    expected = "".join(label + "".join(words) for label, words in rows)
    assert "".join(text.split()) == expected
