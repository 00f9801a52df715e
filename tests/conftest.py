from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.notify_receivers import HttpReceiver, Mailbox
    from trinn.notifiers.channels import Channels

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
# whole modules that start processes to kill, a real terminal (tmux) or races between processes
SLOW_MODULES = {
    "test_concurrency",
    "test_notify_crash",
    "test_tui_terminal",
    "test_wheel",
    "test_web_browser",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark slow what `make quick` leaves out: the modules above and every test on PostgreSQL."""
    for item in items:
        module = item.module.__name__.rpartition(".")[2] if item.module is not None else ""
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and "postgresql" in callspec.params.values()
        if module in SLOW_MODULES or on_postgres:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session", autouse=True)
def isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep the developer's own trinn set-up out of every test: no real channels file, database,
    people file or language choice may leak in, and no test may write into the real folders."""
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as patch:
        for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
            patch.setenv(name, str(home / name.lower()))
        for name in (
            "TRINN_DB",
            "TRINN_USER",
            "TRINN_PEOPLE",
            "TRINN_PLAYBOOKS",
            "TRINN_LANG",
            "TRINN_CHANNELS",
            "TRINN_SERVE_KEY_FILE",
            "TRINN_BASE_URL",
        ):
            patch.delenv(name, raising=False)
        yield


@pytest.fixture(autouse=True)
def language_kept() -> Iterator[None]:
    """The language is the process's (a command's `--lang`, `i18n.install`): a test that chose
    one hands the next test the language it found, not its own (a footer in Norwegian after a
    test of `--lang nb` was the symptom)."""
    from trinn.engine import i18n as engine_i18n
    from trinn.tui import i18n

    app_language, engine_language = i18n.language(), engine_i18n.language()
    yield
    if (i18n.language(), engine_i18n.language()) != (app_language, engine_language):
        i18n.install(app_language)
        engine_i18n.set_language(engine_language)


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite database file (made on first use)."""
    return f"sqlite:///{tmp_path / 'trinn.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database on each backend: an SQLite file, and a database on a real
    PostgreSQL server that the project's script starts (skipped locally without one, never in CI)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'trinn.db'}"
        return
    from tests.postgres_server import drop_database, fresh_database, postgres_url

    name = f"t_{uuid.uuid4().hex[:16]}"
    url = fresh_database(postgres_url(), name)
    yield url
    drop_database(url)


@pytest.fixture
def web() -> Iterator[HttpReceiver]:
    """A real HTTP receiver on loopback (json://, form://) recording what arrives."""
    from tests.notify_receivers import http_receiver

    with http_receiver() as receiver:
        yield receiver


@pytest.fixture
def box() -> Iterator[Mailbox]:
    """A real SMTP server on loopback (aiosmtpd, mailto://) recording what arrives."""
    from tests.notify_receivers import smtp_receiver

    with smtp_receiver() as mailbox:
        yield mailbox


@pytest.fixture
def mail_channels(tmp_path: Path, box: Mailbox, monkeypatch: pytest.MonkeyPatch) -> Channels:
    """A channels file whose `outgoing-mail` is the loopback SMTP server `box` (its password
    from the environment, as a real file keeps it)."""
    from trinn.notifiers.channels import load_channels

    monkeypatch.setenv("SMTP_PASSWORD", box.password)
    path = tmp_path / "channels.yaml"
    path.write_text(
        "version: 1\nurls:\n"
        f"  - mailto://{box.user}:${{SMTP_PASSWORD}}@127.0.0.1:{box.port}?from=post@example.org&mode=insecure:\n"
        "      tag: outgoing-mail\n"
    )
    path.chmod(0o600)
    return load_channels(path)
