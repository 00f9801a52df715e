"""`trinn serve` (the public forms, for outside parties) and `trinn link` (one form's link).

Both need the signing key: `--key-file FILE` or TRINN_SERVE_KEY_FILE, a file only
its owner may read. The same key signs the links messages carry (`form_link`),
so the commands that send messages find it in TRINN_SERVE_KEY_FILE, with the
server's public address in TRINN_BASE_URL.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from trinn.engine.errors import CommandError, TrinnError
from trinn.engine.links import BASE_URL_ENV, KEY_ENV
from trinn.tui.cli.output import err, fail, out
from trinn.tui.cli.settings import Settings

__all__ = ["COMMANDS"]

KeyFile = Annotated[
    Path | None,
    typer.Option(
        "--key-file",
        envvar=KEY_ENV,
        metavar="FILE",
        help="The file with the key that signs form links (only its owner may read it).",
    ),
]


def _base_url(said: str) -> Any:
    """The `--base-url` option (or $TRINN_BASE_URL), as each command says it."""
    return typer.Option("--base-url", envvar=BASE_URL_ENV, metavar="URL", help=said)


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="The port to listen on.")] = 8080,
    base_url: Annotated[
        str | None,
        _base_url(
            "The address outsiders reach the server at (behind a proxy, its public one; default: http://HOST:PORT)."
        ),
    ] = None,
    key_file: KeyFile = None,
) -> None:
    """Serve the public forms outside parties fill in from their links (nothing else)."""
    import logging

    import uvicorn

    from trinn.tui.web.app import ServeOptions, build_app

    settings: Settings = ctx.obj
    base = base_url or f"http://{host}:{port}"
    try:
        settings.link_settings(key_file, base)
        service = settings.service()
        assert service.links is not None
        channels = settings.channels()  # read now: a broken channels file stops the start
    except TrinnError as exc:
        raise fail(str(exc), 2) from exc
    from trinn.tui import i18n
    from trinn.tui.web.delivery import outbox_sender

    options = ServeOptions(language=i18n.language(), secure_cookies=base.startswith("https://"))
    # without channels, a submission's receipt and alert wait in the outbox for `trinn send`
    deliver = None if channels is None else outbox_sender(settings.store(), channels, settings.clock)
    for warning in channels.warnings if channels is not None else []:
        err.print(f"trinn: warning: {warning}", markup=False)
    app = build_app(service, service.links, options, deliver)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    out.print(f"trinn serve: the public forms on http://{host}:{port} (links point to {base})", markup=False)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,  # trinn's own access log writes paths without the query (the tokens)
        server_header=False,
        proxy_headers=True,  # the visitor's address from a proxy on this host (rate limit, log)
        limit_concurrency=200,
        timeout_keep_alive=5,
    )
    uvicorn.Server(config).run()


def link(
    ctx: typer.Context,
    case: Annotated[str, typer.Argument(help="The case id, as `trinn cases` shows it.", metavar="CASE")],
    form: Annotated[
        str, typer.Argument(help="A public form of the case, waiting for answers.", metavar="FORM")
    ],
    item: Annotated[
        str | None,
        typer.Option("--item", help="The item whose record the link fills (a form filled per item)."),
    ] = None,
    base_url: Annotated[str | None, _base_url("The address outsiders reach `trinn serve` at.")] = None,
    key_file: KeyFile = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Print the signed link to a case's public form (one item's, with --item), to give by
    phone or in your own e-mail."""
    from trinn.engine.links import case_link
    from trinn.tui.cli.arguments import case_id as case_id_argument

    settings: Settings = ctx.obj
    case_id = case_id_argument(case)
    try:
        settings.link_settings(key_file, base_url)
        service = settings.service()
        assert service.links is not None
        record, compiled, _children = service.queries.load(case_id)
        url, expires_at = case_link(service.links, compiled.spec, record, form, service.clock(), item)
    except CommandError as exc:
        raise fail(str(exc), 1) from exc
    except TrinnError as exc:
        raise fail(str(exc), 2) from exc
    if as_json:
        shown = {
            "case": case_id,
            "form": form,
            "item": item,
            "url": url,
            "expires_at": expires_at.isoformat(),
        }
        print(json.dumps(shown))
    else:
        print(url)


COMMANDS: dict[str, Callable[..., Any]] = {"serve": serve, "link": link}
