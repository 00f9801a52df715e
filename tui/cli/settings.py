"""The global options of every command, and the service they build when a command needs one."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from trinn.engine.clock import Clock, utc_now

if TYPE_CHECKING:
    from trinn.engine.links import FormLinks
    from trinn.engine.people import People
    from trinn.engine.playbook_cache import PlaybookCache
    from trinn.engine.queries import Queries
    from trinn.engine.service import Service
    from trinn.engine.store import Store
    from trinn.notifiers.channels import Channels

__all__ = ["Settings", "playbook_cache", "settings_from"]


@dataclass
class Settings:
    """Global options, from flags or the environment (`TRINN_*`)."""

    playbook_dirs: list[Path] = field(default_factory=list)
    language: str | None = None
    db: str | None = None
    actor: str | None = None
    people_file: Path | None = None
    channels_file: Path | None = None
    clock: Clock = utc_now  # the time commands act at when not given one (a test hands in its own)
    _service: Service | None = None
    _store: Store | None = None
    _queries: Queries | None = None
    _links: FormLinks | None = None

    def people(self) -> People:
        from trinn.engine.people import People, load_people

        if self.people_file is None:
            return People.single_user(self._checked_actor())
        return load_people(self.people_file)

    def acting_as(self) -> str:
        from trinn.engine.people import default_user

        return self._checked_actor() or default_user()

    def _checked_actor(self) -> str | None:
        """`--as` as trinn keeps text (engine.values.check_text): a name with a control character
        or bytes that are not UTF-8 is refused before it reaches the history."""
        if self.actor is None:
            return None
        from trinn.engine.errors import SettingError
        from trinn.engine.values import ValueProblem, check_text

        try:
            return check_text(self.actor, limit=200)
        except ValueProblem as problem:
            raise SettingError(f"--as: {problem}") from None

    def store(self) -> Store:
        """The database, opened (and created or upgraded) on first use."""
        if self._store is None:
            from trinn.engine.store import Store, open_database

            self._store = Store(open_database(self.db))
        return self._store

    def service(self) -> Service:
        """The cases service on the chosen database (what every command but a listing needs)."""
        if self._service is None:
            from trinn.engine.registry import PlaybookRegistry
            from trinn.engine.service import Service

            registry = PlaybookRegistry(self.playbook_dirs, playbook_cache())
            self._service = Service(
                self.store(), registry, self.people(), clock=self.clock, links=self.links()
            )
        return self._service

    def link_settings(self, key_file: Path | None, base_url: str | None) -> None:
        """The signing key and public address a command was given (`trinn serve`, `trinn link`):
        refused now, with how to make a key, if they cannot be used."""
        from trinn.engine.links import FormLinks, check_base_url, load_key

        self._links = FormLinks(load_key(key_file), check_base_url(base_url))

    def links(self) -> FormLinks | None:
        """What signs the form links messages carry: the command's own key and address, else
        TRINN_SERVE_KEY_FILE and TRINN_BASE_URL when both are set, else nothing (a message
        with a `form_link` is then refused, saying how to make a key)."""
        import os

        from trinn.engine.links import BASE_URL_ENV, KEY_ENV, FormLinks, load_key

        if self._links is None and os.environ.get(KEY_ENV) and os.environ.get(BASE_URL_ENV):
            self._links = FormLinks(load_key(os.environ[KEY_ENV]), os.environ[BASE_URL_ENV])
        return self._links

    def queries(self) -> Queries:
        """What the interfaces read; a listing reads the store alone (no playbook is compiled)."""
        if self._queries is None:
            from trinn.engine.queries import Queries

            # the service's registry and people: each playbook version is compiled once
            self._queries = Queries(
                self.store(), lambda: self.service().registry, lambda: self.service().people, self.clock
            )
        return self._queries

    def channels(self) -> Channels | None:
        """The channels file (`--channels`, else the default one if it exists), or None."""
        from trinn.notifiers.channels import default_channels_path, load_channels

        path = self.channels_file
        if path is None:
            path = default_channels_path()
            if not path.exists():
                return None
        return load_channels(path)

    def close(self) -> None:
        """Close the database (a command that writes has sent what it queued before this)."""
        if self._store is not None:
            self._store.close()
        self._store = self._service = self._queries = None


def playbook_cache() -> PlaybookCache:
    """Checked playbooks in the user's cache folder (`$XDG_CACHE_HOME/trinn/playbooks`):
    a command on a version seen before reads JSON instead of parsing YAML."""
    from platformdirs import user_cache_path

    from trinn.engine.playbook_cache import PlaybookCache

    return PlaybookCache(user_cache_path("trinn", appauthor=False) / "playbooks")


def settings_from(
    playbooks: str | None,
    lang: str | None,
    db: str | None,
    actor: str | None,
    people: Path | None,
    channels: Path | None,
    clock: Clock = utc_now,
) -> Settings:
    """The settings the global options give, each from its flag or its `TRINN_*` variable (an
    empty value is no value; `--playbooks` is a list of folders separated as PATH is)."""
    folders = [Path(folder) for folder in (playbooks or "").split(os.pathsep) if folder]
    return Settings(folders, lang, db or None, actor or None, people, channels_file=channels, clock=clock)
