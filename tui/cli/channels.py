"""The channels commands: `trinn channels` (what the channels file holds, who it reaches) and
`trinn notify-test` (a test message through them, now). Secrets are masked in every text."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from trinn.engine.errors import TrinnError
from trinn.engine.outbox_message import OutboxMessage, Reason
from trinn.tui.cli.options import Json
from trinn.tui.cli.output import err, fail, out, print_columns, print_json
from trinn.tui.cli.settings import Settings

if TYPE_CHECKING:
    from trinn.notifiers.channels import Channels

__all__ = ["COMMANDS", "configured_channels"]


def configured_channels(settings: Settings, *, required: bool) -> Channels | None:
    """The channels file (its warnings said), or None; `required`: its absence is an error."""
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


def channels(ctx: typer.Context, as_json: Json = False) -> None:
    """List the channels (secrets masked) and the roles no channel reaches."""
    from trinn.notifiers.channels import OUTGOING_MAIL

    settings: Settings = ctx.obj
    found = configured_channels(settings, required=True)
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
        known.update(_notify_channels(spec))
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
    """The `channel:` tags of every notify action of a playbook (its plain form), wherever it sits."""
    from trinn.engine.plain_spec import PlainPart
    from trinn.engine.spec_base import NotifyActionBase

    if isinstance(node, NotifyActionBase):
        channel = node.notify.channel
        return {channel} if isinstance(channel, str) else set()
    if isinstance(node, PlainPart):
        node = vars(node)
    if isinstance(node, dict):
        node = list(node.values())
    if isinstance(node, list):
        return {tag for item in node for tag in _notify_channels(item)}
    return set()


def notify_test(
    ctx: typer.Context,
    to: Annotated[str, typer.Option("--to", metavar="ROLE", help="A role id or a person id.")],
    as_json: Json = False,
) -> None:
    """Send a test message to a role (or a person) through its channels, now."""
    from trinn.notifiers.dispatch import send_direct

    settings: Settings = ctx.obj
    found = configured_channels(settings, required=True)
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


# the commands, by name (tui/cli/commands.py registers them in the order `trinn --help` lists them)
COMMANDS: dict[str, Callable[..., Any]] = {
    "channels": channels,
    "notify-test": notify_test,
}
