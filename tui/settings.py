"""The global options of every command, and the service they build when a command needs one."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.people import People
    from engine.service import Service

__all__ = ["Settings"]


@dataclass
class Settings:
    """Global options, from flags or the environment (`TRINN_*`)."""

    playbook_dirs: list[Path] = field(default_factory=list)
    language: str | None = None
    db: str | None = None
    actor: str | None = None
    people_file: Path | None = None
    _service: Service | None = None

    def people(self) -> People:
        from engine.people import People, load_people

        if self.people_file is None:
            return People.single_user(self.actor)
        return load_people(self.people_file)

    def acting_as(self) -> str:
        from engine.people import default_user

        return self.actor or default_user()

    def service(self) -> Service:
        """The cases service on the chosen database, opened (and created) on first use."""
        if self._service is None:
            from engine.registry import PlaybookRegistry
            from engine.service import Service
            from engine.store import Store, open_database

            people = self.people()
            self._service = Service(Store(open_database(self.db)),
                                    PlaybookRegistry(self.playbook_dirs), people)
        return self._service

    def close(self) -> None:
        if self._service is not None:
            self._service.store.close()
            self._service = None
