from __future__ import annotations

from pathlib import Path

import pytest

from trinn.engine.errors import PeopleFileError
from trinn.engine.people import People, load_people


def test_load_people_reads_names_emails_and_roles(tmp_path: Path) -> None:
    path = tmp_path / "people.yaml"
    path.write_text(
        "kari: {name: Kari Nordmann, email: kari@example.no, roles: [ledelsen]}\n"
        "ola: {name: Ola, roles: [styringsgruppen, ledelsen]}\n"
    )
    people = load_people(path)
    assert people.get("kari").email == "kari@example.no"
    assert [p.id for p in people.members("ledelsen")] == ["kari", "ola"]
    assert not people.get("kari").holds("styringsgruppen")


def test_load_people_reports_every_problem_with_position(tmp_path: Path) -> None:
    path = tmp_path / "people.yaml"
    path.write_text("kari: {name: Kari, rolles: [ledelsen]}\nOla: {name: Ola}\n")
    with pytest.raises(PeopleFileError) as info:
        load_people(path)
    assert [str(p).removeprefix(f"{path}:") for p in info.value.problems] == [
        "1:20: unknown key 'rolles' (did you mean 'roles'?)",
        "2:1: invalid id 'Ola' (ids are lowercase letters, digits and '_', starting with a letter)",
    ]


def test_load_people_missing_file_is_one_clear_problem(tmp_path: Path) -> None:
    with pytest.raises(PeopleFileError, match="cannot read: no such file or directory"):
        load_people(tmp_path / "nope.yaml")


def test_single_user_holds_every_role() -> None:
    people = People.single_user("kari")
    assert people.get("kari").holds("styringsgruppen")
    assert [p.id for p in people.members("ledelsen")] == ["kari"]


def test_unknown_person_suggests_a_close_one() -> None:
    with pytest.raises(PeopleFileError, match="unknown person 'kary' \\(did you mean 'kari'\\?\\)"):
        People.single_user("kari").get("kary")


def test_load_people_reads_a_file_with_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "people.yaml"
    path.write_bytes(b"\xef\xbb\xbfkari: {name: Kari, roles: [ledelsen]}\n")
    assert load_people(path).get("kari").roles == frozenset({"ledelsen"})


def test_load_people_refuses_deep_nesting_and_what_is_not_a_file(tmp_path: Path) -> None:
    path = tmp_path / "people.yaml"
    path.write_text("kari: {name: Kari, roles: " + "[" * 900 + "]" * 900 + "}\n")
    with pytest.raises(PeopleFileError) as info:
        load_people(path)
    assert [str(p).removeprefix(f"{path}:") for p in info.value.problems] == [
        "1:89: nesting is deeper than 64 levels (flatten the document)"
    ]
    with pytest.raises(PeopleFileError, match="cannot read: is a folder"):
        load_people(tmp_path)
    with pytest.raises(PeopleFileError, match="cannot read: not a regular file"):
        load_people(Path("/dev/zero"))
