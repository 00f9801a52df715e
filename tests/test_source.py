from __future__ import annotations

import os
from pathlib import Path

import pytest

from trinn.engine.source import (
    MAX_BYTES,
    MAX_DEPTH,
    MAX_INT,
    MAX_NODES,
    MAX_TEXT,
    check_yaml_shape,
    parse_yaml,
    read_capped,
    strip_bom,
)


def test_parse_yaml_maps_keys_and_values_to_positions() -> None:
    data, source_map, problems = parse_yaml("a: 1\nb:\n  - x\n  - {c: 'y'}\n", "f.yaml")
    assert problems == []
    assert data == {"a": 1, "b": ["x", {"c": "y"}]}
    assert source_map.key(("b",)) == (2, 1)
    assert source_map.value(("b", 1, "c")) == (4, 9)
    assert source_map.quoted[("b", 1, "c")]


def test_parse_yaml_reports_every_duplicate_key() -> None:
    _, _, problems = parse_yaml("a: 1\nb: 2\na: 3\nb: 4\n", "f.yaml")
    assert [str(p) for p in problems] == [
        "f.yaml:3:1: duplicate key 'a' (first defined on line 1)",
        "f.yaml:4:1: duplicate key 'b' (first defined on line 2)",
    ]


def test_parse_yaml_constructs_nothing_from_tags() -> None:
    data, _, problems = parse_yaml("a: !!python/object/apply:os.system ['true']\n", "f.yaml")
    assert data == {"a": None}
    assert [p.message for p in problems] == ["YAML tag '!!python/object/apply:os.system' is not allowed"]


def test_parse_yaml_stops_alias_expansion() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [
        f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, "
        f"*a{i - 1}, *a{i - 1}, *a{i - 1}]"
        for i in range(1, 9)
    ]
    _, _, problems = parse_yaml("\n".join(lines), "bomb.yaml")
    assert len(problems) == 1
    assert "expands to more than" in problems[0].message


def test_parse_yaml_refuses_oversized_text() -> None:
    _, _, problems = parse_yaml("#" * (MAX_BYTES + 1), "big.yaml")
    assert str(problems[0]) == f"big.yaml:1:1: file is too large (the limit is {MAX_BYTES} bytes)"


def test_parse_yaml_keeps_scalars_plain() -> None:
    data, _, _ = parse_yaml("n: 0x10\nm: 010\nd: 2026-01-02\nf: 1.5\nb: true\nz: ~\n", "f.yaml")
    assert data == {"n": 16, "m": 10, "d": "2026-01-02", "f": 1.5, "b": True, "z": None}


def test_parse_yaml_folded_scalars_read_as_written() -> None:
    data, _, _ = parse_yaml("a: >-\n  one\n  two\nb: |\n  x\n  y\n", "f.yaml")
    assert data == {"a": "one two", "b": "x\ny\n"}


def _messages(problems: list) -> list[str]:
    return [str(p) for p in problems]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("a: " + "[" * 900 + "]" * 900, "1:67"),
        ("a: " + "{b: " * 900 + "1" + "}" * 900, "1:256"),
        ("a:\n  " + "- " * 900 + "x", "2:129"),
    ],
    ids=["flow sequence", "flow mapping", "block sequence"],
)
def test_parse_yaml_refuses_deep_nesting_before_composing(text: str, where: str) -> None:
    data, _, problems = parse_yaml(text, "deep.yaml")
    assert data is None
    assert _messages(problems) == [
        f"deep.yaml:{where}: nesting is deeper than {MAX_DEPTH} levels (flatten the document)"
    ]
    assert check_yaml_shape(text, "deep.yaml") == problems


def test_parse_yaml_takes_nesting_up_to_the_limit() -> None:
    text = "a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)  # the top map is one level
    data, _, problems = parse_yaml(text, "f.yaml")
    assert problems == []
    depth, value = 1, data["a"]
    while value:
        depth, value = depth + 1, value[0]
    assert depth == MAX_DEPTH - 1


def test_aliases_count_the_depth_of_what_they_stand_for() -> None:
    deep = "[" * 40 + "]" * 40
    text = f"a: &a {deep}\nb: [[[[[[[[[[[[[[[[[[[[[[[[[*a]]]]]]]]]]]]]]]]]]]]]]]]]\n"
    assert _messages(check_yaml_shape(text, "f.yaml")) == [
        f"f.yaml:2:29: nesting is deeper than {MAX_DEPTH} levels with aliases expanded (flatten the document)"
    ]


def test_aliases_of_a_long_text_count_its_characters() -> None:
    body = "x" * (MAX_TEXT // 3 - 10)  # three copies fit, with the keys
    text = f"a: &a '{body}'\nb: [*a, *a, *a]\n"
    _, _, problems = parse_yaml(text, "f.yaml")
    assert _messages(problems) == [
        f"f.yaml:2:13: document expands to more than {MAX_TEXT} characters of text "
        "(anchors and aliases may not multiply the document)"
    ]


def test_a_document_without_aliases_has_a_node_limit_too() -> None:
    text = "[" + ", ".join(["1"] * MAX_NODES) + "]"
    _, _, problems = parse_yaml(text, "f.yaml")
    assert _messages(problems) == [
        f"f.yaml:1:{3 * MAX_NODES - 1}: document has more than {MAX_NODES} nodes "
        "(keys, values and list items; split what is this big)"
    ]


def test_check_yaml_shape_passes_a_plain_file_and_reports_syntax() -> None:
    assert check_yaml_shape("a: [1, 2]\nb: {c: d}\n", "f.yaml") == []
    assert _messages(check_yaml_shape(b"a: [1, 2\n", "f.yaml")) == [
        "f.yaml:1:4: invalid YAML: unclosed '[' (expected ',' or ']' before the end of the file)"
    ]
    assert _messages(check_yaml_shape(b"a: \xff\n", "f.yaml")) == [
        "f.yaml:1:4: file is not valid UTF-8 (bad byte at offset 3)"
    ]


@pytest.mark.parametrize(
    ("scalar", "value"),
    [
        ("9223372036854775807", MAX_INT),
        ("-9223372036854775808", -MAX_INT - 1),
        ("0x7fffffffffffffff", MAX_INT),
        ("0000000000000000000000000000000000000000000000000000000000000000000000000042", 42),
    ],
)
def test_parse_yaml_reads_whole_numbers_that_fit_64_bits(scalar: str, value: int) -> None:
    data, _, problems = parse_yaml(f"n: {scalar}\n", "f.yaml")
    assert (data, problems) == ({"n": value}, [])


@pytest.mark.parametrize("scalar", ["9223372036854775808", "9" * 5000, "0x" + "f" * 5000, "-" + "1" * 30])
def test_parse_yaml_refuses_whole_numbers_past_64_bits_at_their_position(scalar: str) -> None:
    data, _, problems = parse_yaml(f"a: 1\nn: {scalar}\n", "f.yaml")
    assert data == {"a": 1, "n": None}
    assert _messages(problems) == [f"f.yaml:2:4: whole number is too large (the largest is {MAX_INT})"]


def test_parse_yaml_drops_a_byte_order_mark() -> None:
    plain = parse_yaml(b"a: 'x'\n", "f.yaml")
    for marked in (b"\xef\xbb\xbfa: 'x'\n", "\ufeffa: 'x'\n"):
        data, source_map, problems = parse_yaml(marked, "f.yaml")
        assert (data, problems) == (plain[0], [])
        assert source_map.value(("a",)) == (1, 4)
        assert source_map.text == "a: 'x'\n"
    assert strip_bom(b"\xef\xbb\xbfa") == b"a"
    assert strip_bom(b"a") == b"a"


def test_read_capped_reads_one_byte_past_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * (MAX_BYTES + 100))
    assert len(read_capped(path)) == MAX_BYTES + 1
    assert read_capped(path, limit=10) == b"#" * 11


def test_read_capped_refuses_what_is_not_a_regular_file(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")  # no writer: opening it to read would wait forever
    for path, reason in [
        (tmp_path / "pipe", "not a regular file"),
        (Path("/dev/zero"), "not a regular file"),
        (tmp_path, "is a folder"),
    ]:
        with pytest.raises(OSError) as info:
            read_capped(path)
        assert info.value.strerror == reason
