"""Which database: `--db` / `TRINN_DB` as a file path or a URL, read without SQLAlchemy.

With neither, trinn keeps an SQLite file in the user's data directory. A URL
is read as SQLAlchemy reads one (`postgresql://user:password@host:port/db?option=value`,
`sqlite:///relative.db`, `sqlite:////absolute.db`, `sqlite://` in memory), so
every URL that worked before still works; `postgresql://` means psycopg 3.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote

from trinn.engine.errors import StoreError

__all__ = ["DatabaseUrl", "default_url", "resolve_url", "shown_url"]

# SQLAlchemy's own pattern for a URL (sqlalchemy.engine.url._parse_url)
_URL = re.compile(
    r"""
    (?P<name>[\w\+]+)://
    (?:
        (?P<username>[^:/]*)
        (?::(?P<password>[^@]*))?
    @)?
    (?:
        (?:
            \[(?P<ipv6host>[^/\?]+)\] |
            (?P<ipv4host>[^/:\?]+)
        )?
        (?::(?P<port>[^/\?]*))?
    )?
    (?:/(?P<database>[^\?]*))?
    (?:\?(?P<query>.*))?
    """,
    re.X,
)
_PASSWORD = re.compile(r"(://[^/:@]*:)[^@/]*@")
_DRIVERS = ("sqlite", "sqlite+pysqlite", "postgresql+psycopg")


@dataclass(frozen=True)
class DatabaseUrl:
    """A parsed database URL; `render_as_string` hides the password unless asked not to."""

    drivername: str
    username: str | None = None
    password: str | None = None
    host: str | None = None
    port: int | None = None
    database: str | None = None
    query: tuple[tuple[str, str], ...] = ()

    @property
    def backend(self) -> str:
        return self.drivername.partition("+")[0]

    def get_backend_name(self) -> str:
        return self.backend

    @property
    def in_memory(self) -> bool:
        return self.backend == "sqlite" and self.database in (None, "", ":memory:")

    def render_as_string(self, hide_password: bool = True) -> str:
        text = f"{self.drivername}://"
        if self.username is not None:
            text += quote(self.username, safe=" +")
            if self.password is not None:
                text += ":" + ("***" if hide_password else quote(self.password, safe=" +"))
            text += "@"
        if self.host is not None:
            text += f"[{self.host}]" if ":" in self.host else self.host
        if self.port is not None:
            text += f":{self.port}"
        if self.database is not None:
            text += "/" + self.database
        if self.query:
            text += "?" + "&".join(f"{key}={quote(value, safe='')}" for key, value in self.query)
        return text

    def __str__(self) -> str:
        return self.render_as_string()


def default_url() -> str:
    from platformdirs import user_data_path

    return f"sqlite:///{user_data_path('trinn', appauthor=False) / 'trinn.db'}"


def _parsed(text: str) -> DatabaseUrl:
    match = _URL.fullmatch(text)
    if match is None:
        raise ValueError(text)
    parts = match.groupdict()
    port = parts["port"]
    return DatabaseUrl(
        drivername=parts["name"],
        username=unquote(parts["username"]) if parts["username"] is not None else None,
        password=unquote(parts["password"]) if parts["password"] is not None else None,
        host=parts["ipv6host"] or parts["ipv4host"],
        port=int(port) if port else None,  # ValueError: a port that is no number
        database=parts["database"],
        query=tuple(parse_qsl(parts["query"] or "", keep_blank_values=True)),
    )


def resolve_url(db: str | None) -> DatabaseUrl:
    """A URL from `--db`: a URL, a file path (SQLite), or None for the default file."""
    text = db or default_url()
    if "://" not in text:
        text = f"sqlite:///{Path(text).expanduser().absolute()}"
    try:
        url = _parsed(text)
    except ValueError as exc:
        raise _unreadable(text) from exc
    if url.drivername in ("postgresql", "postgres"):
        url = replace(url, drivername="postgresql+psycopg")
    if url.backend not in ("sqlite", "postgresql"):
        raise StoreError(f"unsupported database '{url.backend}' (trinn runs on SQLite or PostgreSQL)")
    if url.drivername not in _DRIVERS:
        raise StoreError(
            f"unsupported database driver '{url.drivername}' (write sqlite:///FILE or postgresql://...)"
        )
    if url.backend == "sqlite" and (url.host or url.port or url.username or url.query):
        # sqlite://x:1 names no file; options in the query are trinn's to set, not the URL's
        raise _unreadable(text)
    return url


def _unreadable(text: str) -> StoreError:
    text = _PASSWORD.sub(r"\1***@", text)  # a URL that cannot be parsed may still hold one
    return StoreError(
        f"cannot read the database URL '{text}' (write e.g. "
        "'postgresql://user@host/trinn', 'sqlite:////path/to/trinn.db' or a file path)"
    )


def shown_url(url: DatabaseUrl) -> str:
    """The URL as messages show it: never with its password."""
    if url.backend == "sqlite":
        return url.database or ":memory:"
    return url.render_as_string(hide_password=True)
