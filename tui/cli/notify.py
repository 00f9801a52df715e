"""The notification commands: channels, notify-test, send, outbox (and outbox retry).

A command that changes cases sends the messages it queued right after its
commit (`deliver_after_command`); `trinn send` sends every due message, for
cron. Every text shown here has the channels file's secrets masked.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import typer

from trinn.engine.errors import CommandError, TrinnError
from trinn.engine.outbox_message import OutboxMessage, Reason
from trinn.engine.status import OutboxStatus
from trinn.tui.cli.cases import now_option
from trinn.tui.cli.output import err, fail, out, print_columns, print_json
from trinn.tui.cli.settings import Settings

if TYPE_CHECKING:
    from trinn.notifiers.channels import Channels
    from trinn.notifiers.dispatch import RowResult

__all__ = ["WRITING_COMMANDS", "deliver_after_command", "register"]

# the commands that may queue messages: each sends them after its commit
WRITING_COMMANDS = frozenset({"open", "fire", "done", "reopen", "set", "form", "assign", "comment", "tick"})

Json = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def _channels(settings: Settings, *, required: bool) -> Channels | None:
    try:
        channels = settings.channels()
    except TrinnError as exc:
        raise fail(str(exc)) from exc
    if channels is None and required:
        from trinn.notifiers.channels import default_channels_path

        raise fail(
            f"no channels file (give --channels FILE or TRINN_CHANNELS, or write {default_channels_path()})"
        )
    if channels is not None:
        for warning in channels.warnings:
            err.print(f"trinn: warning: {warning}", markup=False)
    return channels


def deliver_after_command(settings: Settings) -> None:
    """Send what the command just queued; a failure is reported, the command still stands."""
    from trinn.engine.service import utc_now
    from trinn.notifiers.dispatch import send_pending

    try:
        store = settings.store()
        with store.read() as tx:
            if not tx.due_outbox_ids(utc_now(), fresh_only=True, limit=1):
                return  # nothing queued: the channels file and apprise stay unread
        channels = settings.channels()
        if channels is None:
            return  # no channels configured: messages wait in the outbox (`trinn outbox`)
        for warning in channels.warnings:
            err.print(f"trinn: warning: {warning}", markup=False)
        report = send_pending(store, channels, now=utc_now(), fresh_only=True)
    except TrinnError as exc:
        err.print(f"trinn: messages not sent: {exc} (they wait in the outbox)", markup=False)
        return
    for result in report.results:
        if result.status not in (OutboxStatus.SENT, OutboxStatus.SKIPPED):
            err.print(f"trinn: {_problem_line(result)}", markup=False)


def _problem_line(result: RowResult) -> str:
    if result.status == OutboxStatus.LOST:  # not a failure: the dispatcher that took it over finishes it
        return f"message {result.outbox_id} (case {result.case_id}): {'; '.join(result.errors)}"
    when = (
        f"; next try {result.next_attempt_at:%Y-%m-%d %H:%M} UTC"
        if result.status == OutboxStatus.PENDING and result.next_attempt_at
        else "; failed for good (`trinn outbox retry " + str(result.outbox_id) + "`)"
        if result.status == OutboxStatus.FAILED
        else ""
    )
    return (
        f"message {result.outbox_id} (case {result.case_id}) not delivered: {'; '.join(result.errors)}{when}"
    )


def channels(ctx: typer.Context, as_json: Json = False) -> None:
    """List the channels (secrets masked) and the roles no channel reaches."""
    from trinn.notifiers.channels import OUTGOING_MAIL

    settings: Settings = ctx.obj
    found = _channels(settings, required=True)
    assert found is not None
    rows: list[dict[str, Any]] = [
        {"position": c.position, "service": c.service, "tags": sorted(c.tags), "url": c.masked}
        for c in found.channels
    ]
    unreached, known = _unreached_roles(settings, found)
    for channel in found.channels:
        if not channel.tags:
            err.print(
                f"trinn: warning: channel {channel.position} ({channel.masked}) has no tag "
                "(give it 'tag:' with role or person ids): nothing reaches it",
                markup=False,
            )
        elif not channel.tags & known:
            err.print(
                f"trinn: warning: channel {channel.position} ({channel.masked}) has no tag "
                f"that is a role, a person or '{OUTGOING_MAIL}' "
                f"({', '.join(sorted(channel.tags))}): nothing reaches it",
                markup=False,
            )
    mailers = [c.position for c in found.tagged(OUTGOING_MAIL) if c.is_email]
    if as_json:
        print_json(
            {
                "file": str(found.path),
                "channels": rows,
                "outgoing_mail": mailers,
                "unreached_roles": unreached,
            }
        )
        return
    out.print(f"channels in {found.path}:", markup=False)
    print_columns(
        ["#", "service", "tags", "url"],
        [[str(r["position"]), r["service"], ",".join(r["tags"]), r["url"]] for r in rows],
    )
    if mailers:
        out.print(
            f"outgoing e-mail (tag '{OUTGOING_MAIL}'): channel " + ", ".join(map(str, mailers)), markup=False
        )
    else:
        out.print(
            f"no e-mail channel is tagged '{OUTGOING_MAIL}': messages to addresses held "
            "in cases cannot be sent",
            markup=False,
        )
    for role, playbooks in unreached.items():
        out.print(f"no channel reaches role '{role}' ({', '.join(playbooks)})", markup=False)


def _unreached_roles(settings: Settings, found: Channels) -> tuple[dict[str, list[str]], set[str]]:
    """Each internal role of the known playbooks that neither a tag nor a member reaches; and
    every tag something can reach (roles, people, `channel:` tags of notify actions)."""
    from trinn.engine.catalog import playbook_files
    from trinn.engine.loader import load_playbook
    from trinn.notifiers.channels import OUTGOING_MAIL
    from trinn.notifiers.routing import route

    try:
        people = settings.people() if settings.people_file is not None else None
    except TrinnError as exc:
        raise fail(str(exc)) from exc
    known = {OUTGOING_MAIL, *(people.by_id if people is not None else ())}
    unreached: dict[str, list[str]] = {}
    for entry in playbook_files(settings.playbook_dirs):
        try:
            spec = load_playbook(entry.path).spec
        except TrinnError:
            continue  # `trinn check` reports those
        known.update(spec.roles)
        known.update(_notify_channels(spec.model_dump()))
        for role_id, role in spec.roles.items():
            if role.external:
                continue
            members = [p for p in people.members(role_id)] if people is not None else []
            message = OutboxMessage(
                reason=Reason.NOTIFY,
                to=(role_id,),
                members={role_id: tuple(p.id for p in members)},
                people={p.id: p.email for p in members},
            )
            if route(message, found)[1]:
                unreached.setdefault(role_id, []).append(spec.id)
    return unreached, known


def _notify_channels(node: Any) -> set[str]:
    """The `channel:` tags of every notify action in a dumped playbook, wherever it sits."""
    if isinstance(node, list):
        return {tag for item in node for tag in _notify_channels(item)}
    if not isinstance(node, dict):
        return set()
    found = {tag for value in node.values() for tag in _notify_channels(value)}
    notify = node.get("notify")
    if isinstance(notify, dict) and isinstance(notify.get("channel"), str):
        found.add(notify["channel"])
    return found


def notify_test(
    ctx: typer.Context,
    to: Annotated[str, typer.Option("--to", metavar="ROLE", help="A role id or a person id.")],
    as_json: Json = False,
) -> None:
    """Send a test message to a role (or a person) through its channels, now."""
    from trinn.notifiers.dispatch import send_direct

    settings: Settings = ctx.obj
    found = _channels(settings, required=True)
    assert found is not None
    try:
        people = settings.people() if settings.people_file is not None else None
    except TrinnError as exc:
        raise fail(str(exc)) from exc
    members = [p for p in people.members(to) if not p.every_role] if people is not None else []
    person = people.by_id.get(to) if people is not None else None
    message = OutboxMessage(
        reason=Reason.NOTIFY,
        to=() if person is not None else (to,),
        persons=(to,) if person is not None else (),
        members={to: tuple(p.id for p in members)},
        people={p.id: p.email for p in [*members, *([person] if person else [])]},
        title="trinn: test message",
        body=f"A test message from trinn to '{to}'. If you read this, the channel works.\n",
    )
    results, unreached = send_direct(message, found)
    if as_json:
        print_json(
            {
                "sent": [r for r, e in results if e is None],
                "failed": [{"channel": r, "error": e} for r, e in results if e is not None],
                "unreached": unreached,
            }
        )
    else:
        for shown, error in results:
            out.print(f"{shown}: " + ("sent" if error is None else f"failed: {error}"), markup=False)
        for who in unreached:
            out.print(f"no channel reaches '{who}'", markup=False)
    if unreached or any(e is not None for _, e in results) or not results:
        raise typer.Exit(1)


def _moment(text: str | None) -> dt.datetime:
    """`--now` read the one way every command reads it, else the wall clock."""
    return now_option(text) or dt.datetime.now(dt.UTC)


Now = Annotated[
    str | None, typer.Option("--now", metavar="ISO-TIME", help="Act as if it were this time (default: now).")
]


def send(ctx: typer.Context, now: Now = None, as_json: Json = False) -> None:
    """Send every due message of the outbox (run it from cron); retries wait their turn."""
    from trinn.notifiers.dispatch import send_pending

    settings: Settings = ctx.obj
    moment = _moment(now)
    found = _channels(settings, required=True)
    assert found is not None
    try:
        report = send_pending(settings.store(), found, now=moment)
    except TrinnError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        print_json([_result_view(r) for r in report.results])
    else:
        if not report.results:
            out.print("nothing to send", markup=False)
        for result in report.results:
            if result.status == OutboxStatus.SENT:
                out.print(
                    f"message {result.outbox_id} (case {result.case_id}): sent"
                    + (f" to {', '.join(result.sent_to)}" if result.sent_to else ""),
                    markup=False,
                )
            elif result.status == OutboxStatus.SKIPPED:
                out.print(
                    f"message {result.outbox_id} (case {result.case_id}): not sent: "
                    f"{'; '.join(result.errors)}",
                    markup=False,
                )
            else:
                err.print(f"trinn: {_problem_line(result)}", markup=False)
    if report.failed or report.waiting:
        raise typer.Exit(1)


def _result_view(result: RowResult) -> dict[str, Any]:
    return {
        "id": result.outbox_id,
        "case": result.case_id,
        "status": result.status,
        "attempts": result.attempts,
        "sent_to": result.sent_to,
        "errors": result.errors,
        "next_attempt_at": result.next_attempt_at.isoformat() if result.next_attempt_at else None,
    }


outbox_app = typer.Typer(
    help="The messages queued by commands: sent, waiting or failed.",
    invoke_without_command=True,
    no_args_is_help=False,
    rich_markup_mode=None,
)


@outbox_app.callback()
def outbox(
    ctx: typer.Context,
    failed: Annotated[bool, typer.Option("--failed", help="Only failed messages.")] = False,
    as_json: Json = False,
) -> None:
    """List the outbox: each message, its status, and each channel's result."""
    if ctx.invoked_subcommand is not None:
        return
    from trinn.engine.views import iso

    settings: Settings = ctx.obj
    try:
        with settings.store().read() as tx:
            rows = tx.outbox_listing(status=OutboxStatus.FAILED if failed else None)
            deliveries = tx.delivery_rows([r["id"] for r in rows])
    except TrinnError as exc:
        raise fail(str(exc)) from exc
    by_row: dict[int, list[dict[str, Any]]] = {}
    for d in deliveries:
        by_row.setdefault(d["outbox_id"], []).append(
            {
                "attempt": d["attempt"],
                "at": iso(d["at"]),
                "service": d["service"],
                "url": _stored_url(d["url"]),
                "recipient": d["recipient"],
                "status": d["status"],
                "error": _stored_text(d["error"]),
            }
        )
    views = []
    for row in rows:
        message = OutboxMessage.from_json(row["payload"])
        views.append(
            {
                "id": row["id"],
                "case": row["case_id"],
                "status": row["status"],
                "attempts": row["attempts"],
                "created_at": iso(row["created_at"]),
                "next_attempt_at": (
                    iso(row["next_attempt_at"]) if row["status"] == OutboxStatus.PENDING else None
                ),
                "sent_at": iso(row["sent_at"]),
                "reason": message.reason,
                "message": message.message,
                "to": message.recipients(),
                "title": message.title,
                "last_error": _stored_text(row["last_error"]),
                "deliveries": by_row.get(row["id"], []),
            }
        )
    if as_json:
        print_json(views)
        return
    if not views:
        out.print("no failed messages" if failed else "the outbox is empty", markup=False)
        return
    print_columns(
        ["id", "case", "status", "tries", "to", "title"],
        [
            [
                str(v["id"]),
                str(v["case"]),
                v["status"],
                str(v["attempts"]),
                ",".join(v["to"]),
                v["title"] or v["message"] or "",
            ]
            for v in views
        ],
    )
    for v in views:
        if v["last_error"] and v["status"] != OutboxStatus.SENT:
            out.print(f"  {v['id']}: {v['last_error']}", markup=False)


def _stored_url(url: str | None) -> str | None:
    """A URL as stored: masked when it was written, masked again in case an older trinn wrote it."""
    from trinn.notifiers.channels import masked_url

    return masked_url(url) if url else url


def _stored_text(text: str | None) -> str | None:
    """An error as stored: masked when written; any URL in it masked again (see `_stored_url`)."""
    if not text or "://" not in text:
        return text
    from trinn.notifiers.channels import mask_urls

    return mask_urls(text)


@outbox_app.command("retry")
def outbox_retry(
    ctx: typer.Context,
    row_id: Annotated[int, typer.Argument(metavar="ID", help="The message id.", min=1, max=2**63 - 1)],
    now: Now = None,
    as_json: Json = False,
) -> None:
    """Send a failed message again now, to the channels that have not taken it."""
    from trinn.notifiers.dispatch import retry

    settings: Settings = ctx.obj
    moment = _moment(now)
    found = _channels(settings, required=True)
    assert found is not None
    try:
        result = retry(settings.store(), found, row_id, now=moment)
    except CommandError as exc:
        raise fail(str(exc), 1) from exc
    except TrinnError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        print_json(_result_view(result))
    elif result.status == OutboxStatus.SENT:
        out.print(
            f"message {row_id} (case {result.case_id}): sent"
            + (f" to {', '.join(result.sent_to)}" if result.sent_to else ""),
            markup=False,
        )
    else:
        err.print(f"trinn: {_problem_line(result)}", markup=False)
    if result.status != OutboxStatus.SENT:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("channels")(channels)
    app.command("notify-test")(notify_test)
    app.command("send")(send)
    app.add_typer(outbox_app, name="outbox")
