from __future__ import annotations

from trinn.engine.source import MAX_BYTES, parse_yaml


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
