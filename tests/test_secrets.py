"""No secret of a channel URL gets out: not on the screen, not in JSON, not in the database.

A distinct secret sits in each part of a URL (user, password, a token in the host part, a token
in the path, query values) for seven kinds of plugin. Every notification command runs through
the real command line; JSON, form and e-mail are delivered to real receivers on loopback, and
what must fail fails locally: Slack, Discord and Pushover go through a proxy on a dead loopback
port, the Teams workflow speaks https to a plain HTTP receiver. Every output, the log records
and the database file (and its -wal) are then searched for each secret, percent-encoded too.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from typer.testing import CliRunner, Result

from tests.notify_receivers import HttpReceiver, Mailbox, free_port, http_receiver, smtp_receiver
from trinn.notifiers.channels import mask_urls, masked_url
from trinn.tui.cli import app

DATA = Path(__file__).parent / "data" / "notify"
NOW = dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC)
# every secret starts with 'zq' and ends with 'x': masked, each shows as 'z...x'
SECRETS = {
    "json user": "zqUSERjson1x",
    "json password": "zqPASSjson1x",
    "json path token": "zqPATHjson1x",
    "json header value": "zqQUERYjsonH1x",
    "json GET value": "zqQUERYjsonG1x",
    "json payload value": "zqQUERYjsonP1x",
    "form user": "zqUSERform2x",
    "form password": "zqPASSform2x",
    "form path token": "zqPATHform2x",
    "form GET value": "zqQUERYform2x",
    "slack host token": "ZQHOSTSLACK3X",
    "slack path token a": "ZQPATHSLACKA3X",
    "slack path token b": "zqPATHslackB3x",
    "discord host id": "740017004443",
    "discord path token": "zqPATHdiscord4x",
    "teams workflow": "zqPATHteamsA5x",
    "teams signature": "zqPATHteamsB5x",
    "pushover user key": "zqUSERpover6x",
    "pushover host token": "zqHOSTpover6x",
    "mail user": "zqUSERmail7x",
    "mail password": "zqPASSmail7x",
}
S = SECRETS


def channels_text(web: HttpReceiver, box: Mailbox) -> str:
    return f"""version: 1
urls:
  - "json://{S["json user"]}:{S["json password"]}@127.0.0.1:{web.port}/hooks/T0/B1/{S["json path token"]}\
?+X-Token={S["json header value"]}&-sig={S["json GET value"]}&:extra={S["json payload value"]}":
      tag: board
  - "form://{S["form user"]}:${{FORM_PASSWORD}}@127.0.0.1:{web.port}/{S["form path token"]}\
?-key={S["form GET value"]}":
      tag: coordinator
  - "https://hooks.slack.com/services/{S["slack host token"]}/{S["slack path token a"]}/\
{S["slack path token b"]}":
      tag: board
  - "https://discord.com/api/webhooks/{S["discord host id"]}/{S["discord path token"]}":
      tag: coordinator
  - "workflows://127.0.0.1:{web.port}/{S["teams workflow"]}/{S["teams signature"]}":
      tag: board
  - "pover://{S["pushover user key"]}@{S["pushover host token"]}":
      tag: board
  - "mailto://{box.user}:${{SMTP_PASSWORD}}@127.0.0.1:{box.port}/?from=post@example.org&mode=insecure":
      tag: outgoing-mail
"""


def forms(secret: str) -> set[str]:
    """The ways a secret can be written: as it is, and percent-encoded."""
    return {secret, quote(secret, safe=""), quote(secret)}


def leaks(text: str | bytes) -> list[str]:
    """The names of the secrets found in `text`."""
    if isinstance(text, bytes):
        return [name for name, s in SECRETS.items() if any(f.encode() in text for f in forms(s))]
    return [name for name, s in SECRETS.items() if any(f in text for f in forms(s))]


class Cli:
    """The command line on one database, with the channels and people above; every output kept."""

    def __init__(self, tmp_path: Path, channels: Path) -> None:
        people = tmp_path / "people.yaml"
        people.write_text(
            "kari: {name: Kari, email: kari@example.org, roles: [board, coordinator]}\n"
            "per: {name: Per, email: per@example.org, roles: []}\n"
        )
        self.db = tmp_path / "trinn.db"
        self.base = ["--db", str(self.db), "--as", "kari", "--people", str(people)]
        self.base += ["--playbooks", str(DATA), "--channels", str(channels)]
        self.outputs: list[tuple[list[str], str]] = []

    def __call__(self, *args: str, code: int = 0) -> Result:
        result = CliRunner().invoke(app, [*self.base, *args], obj=lambda: NOW)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        self.outputs.append((list(args), result.stdout + result.stderr))
        assert result.exit_code == code, (args, result.stdout, result.stderr)
        return result


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Cli, HttpReceiver, Mailbox]]:
    dead = free_port()  # nothing listens here: what would leave the machine stops at once
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{dead}")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("FORM_PASSWORD", S["form password"])
    with http_receiver() as web, smtp_receiver(S["mail user"], S["mail password"]) as box:
        monkeypatch.setenv("SMTP_PASSWORD", box.password)
        web.down = {f"/{S['form path token']}?key={S['form GET value']}"}
        channels = tmp_path / "channels.yaml"
        channels.write_text(channels_text(web, box))
        channels.chmod(0o600)
        yield Cli(tmp_path, channels), web, box


def test_no_secret_of_any_url_part_gets_out_of_any_command(
    cli: tuple[Cli, HttpReceiver, Mailbox], caplog: pytest.LogCaptureFixture
) -> None:
    trinn, web, box = cli
    with caplog.at_level(logging.DEBUG):
        listed = json.loads(trinn("channels", "--json").stdout)
        trinn("channels")
        trinn("open", "test.welcome", "--set", "organisation=Acme", "--set", "contact_email=ceo@acme.test")
        fired = trinn("fire", "1", "approve")
        trinn("notify-test", "--to", "board", code=1)
        trinn("notify-test", "--to", "coordinator", "--json", code=1)
        trinn("notify-test", "--to", "kari")
        trinn("send", "--now", "2026-11-24T09:05", code=1)
        trinn("send", "--now", "2026-11-24T09:10", "--json", code=1)
        trinn("outbox")
        trinn("outbox", "--json")
        trinn("outbox", "--failed")
        trinn("outbox", "retry", "2", "--now", "2026-11-24T10:00", code=1)
        trinn("outbox", "retry", "2", "--now", "2026-11-24T11:00", "--json", code=1)
        trinn("show", "1", "--json")
        trinn("history", "1", "--json")
        trinn("export")
    # the real thing happened: JSON and e-mail delivered, the rest refused on the machine
    assert len(web.bodies(f"/hooks/T0/B1/{S['json path token']}?sig={S['json GET value']}")) >= 1
    assert sorted(rcpt[0] for _s, rcpt, _m in box.messages) == ["ceo@acme.test", "kari@example.org"]
    assert "not delivered" in fired.stderr
    assert [c["url"].split("://")[0] for c in listed["channels"]] == [
        "json",
        "form",
        "slack",
        "discord",
        "workflow",
        "pover",
        "mailto",
    ]
    assert "z...x" in listed["channels"][0]["url"] and "Z...X" in listed["channels"][2]["url"]
    found = {" ".join(args): leaks(text) for args, text in trinn.outputs}
    assert {command: names for command, names in found.items() if names} == {}
    # trinn's own log, and apprise's (which trinn keeps from the screen and masks); urllib3's debug
    # lines name the URLs it requests, as they do in any program that turns them on
    ours = [r for r in caplog.records if r.name.split(".")[0] in ("trinn", "apprise")]
    assert ours and leaks("\n".join(r.getMessage() for r in ours)) == []
    assert {r.name.split(".")[0] for r in caplog.records if leaks(r.getMessage())} <= {"urllib3"}
    stored = trinn.db.read_bytes()
    wal = trinn.db.with_name(trinn.db.name + "-wal")
    stored += wal.read_bytes() if wal.exists() else b""
    assert b"z...x" in stored  # the masked form was stored
    assert leaks(stored) == []


def test_masked_url_hides_every_part_in_apprises_own_form() -> None:
    assert (
        masked_url(
            f"json://{S['json user']}:{S['json password']}@127.0.0.1:8080/hooks/T0/B1/{S['json path token']}"
            f"?+X-Token={S['json header value']}&-sig={S['json GET value']}&retry=2"
        )
        == "json://z...x:****@127.0.0.1:8080/****/****/****/z...x?+X-Token=z...x&-sig=z...x"
    )
    assert (
        masked_url(
            f"https://hooks.slack.com/services/{S['slack host token']}/{S['slack path token a']}/"
            f"{S['slack path token b']}"
        )
        == "slack://Z...X/Z...X/z...x//?image=yes&footer=yes&timestamp=yes&blocks=no&mode=hook"
    )
    # recipients in a mail URL's path are addresses, not secrets: they stay
    assert masked_url("mailto://user:pw@smtp.example.no/kari@example.no?from=post@example.no") == (
        "mailto://****:****@smtp.example.no/kari%40example.no?from=post@example.no"
    )


def test_a_url_no_plugin_takes_is_masked_whole_but_its_scheme_and_host_name() -> None:
    assert masked_url("msteams://zqTEAMsecret1x/zqTEAMsecret2x") == "msteams://z...x/z...x"
    assert masked_url("bogus://user:zqPASSbogus1x@hooks.example.no/zqPATHbogus1x#zqFRAGx") == (
        "bogus://****:****@hooks.example.no/z...x#z...x"
    )
    assert masked_url("json://[broken/zqPATHx") == "json://****"


def test_masking_a_masked_url_changes_nothing() -> None:
    for url in channels_text(HttpReceiver(8080), Mailbox(2525, "u", "p")).split('"')[1::2]:
        once = masked_url(url.replace("${FORM_PASSWORD}", "pw").replace("${SMTP_PASSWORD}", "pw"))
        assert masked_url(once) == once


def test_urls_quoted_in_a_text_are_masked() -> None:
    text = (
        f"Unparseable URL msteams://{S['teams workflow']}/{S['teams signature']}, "
        f"and (json://a:{S['json password']}@h/{S['json path token']}): sent"
    )
    assert mask_urls(text) == "Unparseable URL msteams://z...x/z...x, and (json://****:****@h/z...x): sent"


def test_rows_an_older_trinn_stored_unmasked_are_masked_when_shown(tmp_path: Path) -> None:
    """Before a plugin's path tokens were masked, deliveries stored its URL and errors as
    apprise wrote them. Those rows stay in the database; every reader masks them again: the
    outbox listing and its JSON, the app's outbox, the case's messages and a message read in
    full."""
    import sqlite3

    from trinn.tui.cli.settings import Settings
    from trinn.tui.desk import Desk
    from trinn.tui.screens.message import message_text

    token = S["json path token"]
    old_url = f"json://127.0.0.1:9/hooks/T0/B1/{token}"
    settings = Settings([DATA], "en", f"sqlite:///{tmp_path / 'trinn.db'}", "kari", None)
    service = settings.service()
    case = service.open_case("test.welcome", {"organisation": "Acme"}, actor="kari")
    service.fire(case.id, "approve", actor="kari")
    settings.close()
    with sqlite3.connect(tmp_path / "trinn.db") as db:  # the shape a trinn before 0003 wrote
        outbox_id = db.execute("SELECT min(id) FROM outbox").fetchone()[0]
        db.execute(
            "UPDATE outbox SET status = 'failed', attempts = 1, last_error = ? WHERE id = ?",
            (f"Json: {old_url} failed: connection refused", outbox_id),
        )
        db.execute(
            "INSERT INTO deliveries (outbox_id, attempt, at, service, url, recipient, status, error,"
            " channel) VALUES (?, 1, '2026-11-24 09:00:00.000000', 'JSON', ?, ?, 'failed', ?, NULL)",
            (outbox_id, old_url, old_url, f"could not reach {old_url}: connection refused"),
        )
        assert db.execute("SELECT url FROM deliveries").fetchall() == [(old_url,)]  # kept as it was

    base = ["--db", str(tmp_path / "trinn.db"), "--as", "kari", "--playbooks", str(DATA)]
    shown = []
    for args in (["outbox"], ["outbox", "--json"], ["outbox", "--failed"]):
        result = CliRunner().invoke(app, [*base, *args], obj=lambda: NOW)
        assert result.exit_code == 0, result.output
        shown.append(result.stdout)
    listed = json.loads(shown[1])
    failed = next(row for row in listed if row["id"] == outbox_id)
    assert failed["last_error"] == "Json: json://127.0.0.1:9/****/****/****/z...x failed: connection refused"
    assert failed["deliveries"][0]["url"] == "json://127.0.0.1:9/****/****/****/z...x"
    assert (
        failed["deliveries"][0]["error"]
        == "could not reach json://127.0.0.1:9/****/****/****/z...x: connection refused"
    )

    desk = Desk(Settings([DATA], "en", f"sqlite:///{tmp_path / 'trinn.db'}", "kari", None))
    rows = desk.outbox(None)
    deliveries = desk.deliveries(outbox_id)
    page = desk.case_page(case.id)
    row = next(r for r in rows if r.id == outbox_id)
    shown += [
        repr(rows),
        repr(deliveries),
        repr(page.messages),
        message_text(row, deliveries),
        message_text(row, []),  # a row without deliveries shows its last error
    ]
    assert "z...x" in shown[-1] and "z...x" in shown[-2]
    assert [leaks(text) for text in shown] == [[]] * len(shown)
