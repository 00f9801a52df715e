"""A real PostgreSQL server for the tests that need one.

Such tests must not depend on a server someone installed by hand: CI runs `make test` in a fresh clone on
a fresh machine. So the server comes from the project's own `scripts/postgres-test-server`, which installs
PostgreSQL when it is missing (as root, with apt-get) and starts a private throwaway cluster. A developer
can point the tests at a server of their own instead with TRINN_TEST_POSTGRES (a SQLAlchemy URL).

Where the server cannot be had, a developer's run skips those tests with the reason; a CI run fails
instead (CI set to a true value), so that a broken setup cannot pass as green.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "postgres-test-server"
START_TIMEOUT_S = 600  # a first run may install PostgreSQL with apt-get
_FALSE = {"", "0", "false", "no", "off"}
_DB_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def in_ci() -> bool:
    """True when the environment says this is a CI run (CI=true, CI=1, ...)."""
    return os.environ.get("CI", "").strip().lower() not in _FALSE


def postgres_url() -> str:
    """SQLAlchemy URL of a running PostgreSQL server's test database.

    TRINN_TEST_POSTGRES if set, else the project's own test server (started once per process).
    Skips the calling test when no server can be had, except under CI, where it raises RuntimeError.
    """
    own = os.environ.get("TRINN_TEST_POSTGRES", "").strip()
    if own:
        return own
    url, error = _start_server()
    if url is not None:
        return url
    if in_ci():
        raise RuntimeError(f"PostgreSQL test server could not be started (CI must not skip):\n{error}")
    pytest.skip(f"PostgreSQL could not be started: {_last_line(error)}")


@functools.cache
def _start_server() -> tuple[str | None, str]:
    """Run the script once per process; the outcome, failure included, is cached so that a
    missing server costs one attempt, not one per test. Returns (url, "") or (None, error text)."""
    try:
        done = subprocess.run(
            ["bash", str(SCRIPT), "start"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        stderr = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else exc.stderr or ""
        return None, f"{stderr}{SCRIPT.name} start timed out after {START_TIMEOUT_S} s"
    except OSError as exc:
        return None, f"cannot run {SCRIPT}: {exc}"
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        return None, done.stderr.strip() or f"{SCRIPT.name} start exited with status {done.returncode}"
    return lines[-1].strip(), ""


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no reason given"


def fresh_database(url: str, name: str) -> str:
    """Create an empty database `name` on the server of `url`, dropping any old one first.

    Returns the SQLAlchemy URL of the new database (same server, user and options as `url`).
    Needs PostgreSQL 13 or newer (DROP DATABASE ... WITH (FORCE) ends leftover connections).
    """
    import psycopg  # imported here so that merely importing this module needs no driver
    from psycopg import sql

    if not _DB_NAME.fullmatch(name):
        raise ValueError(f"database name must be lower-case letters, digits and _: {name!r}")
    parts = urlsplit(url)
    admin_db = parts.path.lstrip("/") or "postgres"
    if admin_db == name:  # cannot drop the database we are connected to
        admin_db = "postgres"
    # libpq understands postgresql:// URIs; SQLAlchemy's "+driver" suffix is not part of them
    conninfo = urlunsplit(parts._replace(scheme="postgresql", path=f"/{admin_db}"))
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return urlunsplit(parts._replace(path=f"/{name}"))


def drop_database(url: str) -> None:
    """Drop the database of `url` (made by `fresh_database`), ending its leftover connections."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    conninfo = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
