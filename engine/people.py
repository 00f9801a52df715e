"""Who may act as what: the people file, or the single-user default.

A people file maps person ids to a name, an e-mail address and role ids:

    kari: {name: Kari Nordmann, email: kari@example.no, roles: [ledelsen]}

Role ids are shared by every playbook, so one file serves them all. With no
people file, the local user holds every role: trinn works out of the box on
one laptop, and a team adds the file when it needs to say who does what.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from trinn.engine.errors import PeopleFileError, Problem, did_you_mean, os_reason
from trinn.engine.source import parse_yaml, read_capped

__all__ = ["People", "Person", "default_user", "load_people"]


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    email: str | None
    roles: frozenset[str]
    every_role: bool = False  # the single-user default

    def holds(self, role: str) -> bool:
        return self.every_role or role in self.roles


class People:
    """Everyone who may act, by id."""

    def __init__(self, people: Iterable[Person]) -> None:
        self.by_id = {person.id: person for person in people}

    @classmethod
    def single_user(cls, user: str | None = None) -> People:
        user = user or default_user()
        return cls([Person(user, user, None, frozenset(), every_role=True)])

    def get(self, person_id: str) -> Person:
        """The person, or PeopleFileError naming the closest known id."""
        person = self.by_id.get(person_id)
        if person is None:
            hint = did_you_mean(person_id, self.by_id, list_if_few=8)
            raise PeopleFileError("people", [Problem("people", 1, 1, f"unknown person '{person_id}'", hint)])
        return person

    def members(self, role: str) -> list[Person]:
        return [p for p in self.by_id.values() if p.holds(role)]

    def name_of(self, person_id: str) -> str:
        """Who `person_id` is, as people say it: the name in the people file, else the id
        (someone no longer listed, or the system's own actors)."""
        person = self.by_id.get(person_id)
        return person.name if person is not None and person.name else person_id


def default_user() -> str:
    """The OS user, as a person id; 'local' where the OS cannot say."""
    try:
        return getpass.getuser().lower() or "local"
    except (OSError, KeyError):
        return "local"


def load_people(path: Path) -> People:
    """Read a people file; every problem is reported with its line and column."""
    # the file's model, and pydantic, only when there is a file: the default needs neither
    from trinn.engine.people_file import PeopleFile
    from trinn.engine.validation import validate_model

    shown = str(path)
    try:
        raw = read_capped(path)
    except OSError as exc:
        problem = Problem(shown, 1, 1, f"cannot read: {os_reason(exc)}")
        raise PeopleFileError(shown, [problem]) from exc
    data, source_map, problems = parse_yaml(raw, shown)
    if problems:
        raise PeopleFileError(shown, problems)
    model, problems = validate_model(PeopleFile, data, source_map)
    if model is None:
        raise PeopleFileError(shown, problems)
    return People(
        Person(pid, entry.name, entry.email, frozenset(entry.roles)) for pid, entry in model.root.items()
    )
