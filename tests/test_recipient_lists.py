"""Lists of recipients: a `notify` to an `email_list` field sends one message per address, each
its own outbox row and message id, delivered through a real SMTP receiver on loopback; the field
takes only e-mail addresses, each once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.notify_receivers import Mailbox
from trinn.engine.errors import CommandError, PlaybookError
from trinn.engine.loader import load_playbook
from trinn.engine.people import People
from trinn.engine.registry import PlaybookRegistry
from trinn.engine.service import Service
from trinn.engine.store import Store, open_database
from trinn.notifiers.channels import load_channels
from trinn.notifiers.dispatch import send_pending

NOW = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
INVITE = """\
id: test.invite
version: 1
language: en
title: Invite widely
subject: {title: Theme, field: theme}
roles:
  driver: {title: Network driver}
fields:
  theme: {type: text, label: Theme, required: true}
  invited: {type: email_list, label: Invited, edit: [driver]}
messages:
  invitation: {title: "Join us on {{ theme }}", body: "We start a network on {{ theme }}."}
initial: finding
states:
  finding: {title: Finding participants}
  invited:
    title: Invited
    final: true
    outcome: positive
transitions:
  - trigger: invite
    from: finding
    to: invited
    by: driver
    do:
      - notify: {to_field: invited, message: invitation}
"""


@pytest.fixture
def service(tmp_path: Path) -> Service:
    (tmp_path / "invite.yaml").write_text(INVITE)
    store = Store(open_database("sqlite:///" + str(tmp_path / "trinn.db")))
    return Service(store, PlaybookRegistry([tmp_path]), People.single_user("kari"), clock=lambda: NOW)


def _rows(service: Service, case_id: int) -> list[dict]:
    return [row.payload for row in service.queries.outbox(case_id)]


def test_recipient_list_one_row_and_one_id_per_address(service: Service) -> None:
    invited = "anna@kommune.dk, bo@virksomhed.dk,  anna@kommune.dk, cecilie@forening.dk"
    case_id = service.open_case("test.invite", {"theme": "Ældre", "invited": invited}, actor="kari").id
    assert service.queries.load(case_id)[0].fields["invited"] == [
        "anna@kommune.dk",
        "bo@virksomhed.dk",
        "cecilie@forening.dk",
    ]  # each address once
    service.fire(case_id, "invite", actor="kari")
    rows = _rows(service, case_id)
    assert [(r["to_field"], r["address"], r["to"]) for r in rows] == [
        ("invited", "anna@kommune.dk", []),
        ("invited", "bo@virksomhed.dk", []),
        ("invited", "cecilie@forening.dk", []),
    ]
    assert len({r["message_id"] for r in rows}) == 3
    assert {r["title"] for r in rows} == {"Join us on Ældre"}


def test_recipient_list_roles_beside_it_get_a_row_of_their_own(tmp_path: Path, service: Service) -> None:
    text = INVITE.replace(
        "{to_field: invited, message: invitation}", "{to: driver, to_field: invited, message: invitation}"
    )
    (tmp_path / "invite.yaml").write_text(text)
    fresh = Service(
        service.store, PlaybookRegistry([tmp_path]), People.single_user("kari"), clock=lambda: NOW
    )
    case_id = fresh.open_case("test.invite", {"theme": "T", "invited": "a@x.dk, b@y.dk"}, actor="kari").id
    fresh.fire(case_id, "invite", actor="kari")
    assert [(r["to"], r["address"]) for r in _rows(fresh, case_id)] == [
        (["driver"], None),
        ([], "a@x.dk"),
        ([], "b@y.dk"),
    ]


def test_recipient_list_empty_leaves_one_row_that_names_the_field(service: Service) -> None:
    case_id = service.open_case("test.invite", {"theme": "T"}, actor="kari").id
    service.fire(case_id, "invite", actor="kari")
    assert [(r["to_field"], r["address"]) for r in _rows(service, case_id)] == [("invited", None)]


@pytest.mark.parametrize("bad", ["anna@kommune.dk, not an address", "a@b.dk, a\x1b[2J@b.dk"])
def test_recipient_list_takes_only_addresses_and_writes_nothing_on_refusal(
    service: Service, bad: str
) -> None:
    case_id = service.open_case("test.invite", {"theme": "T", "invited": "a@b.dk"}, actor="kari").id
    with pytest.raises(CommandError, match="field 'invited'"):
        service.set_fields(case_id, {"invited": bad}, actor="kari")
    case = service.queries.load(case_id)[0]
    assert (case.fields["invited"], case.row_version) == (["a@b.dk"], 1)


def test_recipient_list_each_address_gets_its_own_mail(
    service: Service, box: Mailbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMTP_PASSWORD", box.password)
    channels_file = tmp_path / "channels.yaml"
    channels_file.write_text(f"""version: 1
urls:
  - mailto://{box.user}:${{SMTP_PASSWORD}}@127.0.0.1:{box.port}?from=post@example.org&mode=insecure:
      tag: outgoing-mail
""")
    channels_file.chmod(0o600)
    case_id = service.open_case("test.invite", {"theme": "T", "invited": "a@x.dk, b@y.dk"}, actor="kari").id
    service.fire(case_id, "invite", actor="kari")
    report = send_pending(service.store, load_channels(channels_file), now=NOW)
    assert [r.status for r in report.results] == ["sent", "sent"]
    received = sorted((tuple(rcpt), mail["X-Trinn-Message-ID"]) for _sender, rcpt, mail in box.messages)
    assert [rcpt for rcpt, _id in received] == [("a@x.dk",), ("b@y.dk",)]  # nobody sees the other
    assert received[0][1] != received[1][1]
    assert sorted(f"<{r['message_id']}>" for r in _rows(service, case_id)) == sorted(i for _r, i in received)


def test_recipient_list_check_takes_email_list_and_refuses_text_list(tmp_path: Path) -> None:
    path = tmp_path / "invite.yaml"
    path.write_text(INVITE)
    assert load_playbook(path).spec.fields["invited"].type == "email_list"
    path.write_text(INVITE.replace("type: email_list", "type: text_list"))
    with pytest.raises(PlaybookError) as refused:
        load_playbook(path)
    (problem,) = refused.value.problems
    assert "field 'invited' is 'text_list', not an address" in problem.message
    assert "email_list" in problem.hint
