"""The organisation's channels: a native apprise YAML file whose tags are role and person ids.

```yaml
version: 1
urls:
  - mailto://trinn:${TRINN_SMTP_PASSWORD}@smtp.example.no?from=post@example.no:
      tag: outgoing-mail          # e-mail to an address held in a case (the partner's contact)
  - json://hooks.example.no/ledelsen:
      tag: ledelsen               # a role id
  - mailto://trinn:${TRINN_SMTP_PASSWORD}@smtp.example.no?to=kari@example.no:
      tag: kari                   # a person id of the people file
```

`${NAME}` is replaced by the environment variable NAME before apprise reads
the file, so secrets can stay out of it. Every value taken from the
environment, every password and token apprise hides, and every header value
of a URL is a secret: `Channels.mask` removes them from any text trinn shows
or stores. Apprise is imported here only when a file is read.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import stat
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from trinn.engine.errors import SettingError

__all__ = [
    "OUTGOING_MAIL",
    "Channel",
    "Channels",
    "capture_apprise_log",
    "default_channels_path",
    "load_channels",
]

OUTGOING_MAIL = "outgoing-mail"  # not a valid role id (a hyphen), so it never clashes with one
MASK = "****"
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# apprise's own knobs, the same on every URL: noise in a listing
_GENERIC_PARAMS = frozenset(
    {
        "overflow",
        "retry",
        "wait",
        "optional",
        "cto",
        "rto",
        "emojis",
        "tz",
        "store",
        "method",
        "verify",
        "format",
    }
)
_KEY_DIGITS = 20  # of a channel's key: 80 bits, see `Channel.key`
_MIN_SECRET = 3  # shorter values ('no', 'on') would mask half of every text


def default_channels_path() -> Path:
    from platformdirs import user_config_path

    return user_config_path("trinn", appauthor=False) / "channels.yaml"


@dataclass(frozen=True)
class Channel:
    """One service of the file: what it is, its masked URL, its tags; the real URL kept aside."""

    position: int
    service: str
    masked: str
    tags: frozenset[str]
    is_email: bool
    url: str = field(repr=False)  # holds secrets: never shown, logged or stored

    @property
    def key(self) -> str:
        """The channel's id in the deliveries it made: 20 hex digits of sha256 of its full URL.

        The masked URL cannot be the id: two channels that differ only in a secret (two webhooks
        at `${HOOK_A}` and `${HOOK_B}`) share it. The key is safe to store: sha256 cannot be
        turned back into the URL, and 80 bits make a clash between two channels of a file
        negligible (about n^2 / 2^81 for n channels). A stored key can at most confirm a
        guess of the whole URL, secret included, which matters only for a secret weak enough to
        be guessed: webhook paths and tokens are not.
        """
        return hashlib.sha256(self.url.encode()).hexdigest()[:_KEY_DIGITS]

    def plugin(self, *, address: str | None = None, message_id: str | None = None) -> Any:
        """A fresh apprise service for one message: to `address`, carrying `message_id`."""
        import apprise

        parts = urlsplit(self.url)
        params = parse_qsl(parts.query, keep_blank_values=True)
        if address is not None:
            params = [(k, v) for k, v in params if k not in ("to", "cc", "bcc")]
            params.append(("to", address))
        if message_id is not None:
            # mail: a header receivers can drop a repeat by; JSON and forms: a payload field
            params.append(
                ("+X-Trinn-Message-ID", f"<{message_id}>") if self.is_email else (":message_id", message_id)
            )
        if self.is_email and not any(k == "format" for k, _ in params):
            params.append(("format", "text"))  # a message body is plain text, not HTML
        path = parts.path
        if address is not None and self.is_email:
            path = "/"  # the recipients in the path would get the partner's mail too
        url = urlunsplit((parts.scheme, parts.netloc, path, urlencode(params, safe="@:<>"), ""))
        return apprise.Apprise.instantiate(url)


@dataclass(frozen=True)
class Channels:
    """Every channel of the file, what to warn about, and the secrets to mask."""

    path: Path
    channels: list[Channel]
    warnings: list[str]
    secrets: frozenset[str] = field(repr=False)

    def tagged(self, tag: str) -> list[Channel]:
        return [c for c in self.channels if tag in c.tags]

    def mask(self, text: str) -> str:
        """`text` with every secret of the file replaced by ****."""
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, MASK)
            quoted = quote(secret, safe="")
            if quoted != secret:
                text = text.replace(quoted, MASK)
        return text

    def unreached_roles(self, roles: list[str]) -> list[str]:
        return [role for role in roles if not self.tagged(role)]


def load_channels(path: Path) -> Channels:
    """Read a channels file; SettingError with the file and line when it cannot be used."""
    try:
        text = path.read_text(encoding="utf-8")
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise SettingError(f"no channels file at {path} (see `trinn channels --help`)") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise SettingError(f"cannot read the channels file {path}: {str(reason).lower()}") from None
    warnings = []
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        warnings.append(f"{path} can be read by other users; its secrets are theirs too (chmod 600 {path})")
    text, secrets = _substitute(text, path)
    _check_yaml(text, path, secrets)
    channels, notes = _parse(text)
    secrets |= {s for c in channels for s in _url_secrets(c)}
    listed = Channels(path, [], [], frozenset(secrets))
    reasons = [listed.mask(note) for note in dict.fromkeys(notes)]
    warnings.extend(f"{path}: {reason}" for reason in reasons)
    channels = [
        Channel(c.position, c.service, _tidy(listed.mask(c.masked)), c.tags, c.is_email, c.url)
        for c in channels
    ]
    if not channels:
        why = f": {'; '.join(reasons)}" if reasons else ""
        raise SettingError(
            f"{path}: no channel could be read{why} (an apprise YAML file lists "
            "them under 'urls:', each with a 'tag:')"
        )
    return Channels(path, channels, warnings, frozenset(secrets))


def _substitute(text: str, path: Path) -> tuple[str, set[str]]:
    secrets: set[str] = set()
    lines = text.split("\n")
    for number, line in enumerate(lines, 1):
        if line.lstrip().startswith("#"):
            continue
        for match in _ENV.finditer(line):
            if match.group(1) not in os.environ:
                raise SettingError(
                    f"{path}:{number}:{match.start() + 1}: environment variable '{match.group(1)}' is not set"
                )
            value = os.environ[match.group(1)]
            if len(value) >= _MIN_SECRET:
                secrets.add(value)
        lines[number - 1] = _ENV.sub(lambda m: os.environ[m.group(1)], line)
    return "\n".join(lines), secrets


def _check_yaml(text: str, path: Path, secrets: set[str]) -> None:
    import yaml  # apprise's own YAML reader

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise SettingError(f"{where}: {problem}") from None
    if not isinstance(data, dict) or "urls" not in data:
        raise SettingError(f"{path}: not an apprise YAML file (expected 'urls:' with a list of channels)")


def _parse(text: str) -> tuple[list[Channel], list[str]]:
    import apprise

    with capture_apprise_log() as notes:
        config = apprise.AppriseConfig()
        config.add_config(text, format="yaml")
        services = config.services()
    channels = []
    for position, service in enumerate(services, 1):
        channels.append(
            Channel(
                position,
                str(service.service_name),
                service.url(privacy=True),
                frozenset(str(tag) for tag in service.tags),
                type(service).__name__.startswith("NotifyEmail") or service.protocol in ("mailto", "mailtos"),
                service.url(privacy=False),
            )
        )
    return channels, notes


def _url_secrets(channel: Channel) -> set[str]:
    """What the privacy URL hides, and header values (apprise shows those as they are)."""
    cut = re.compile(r"[/:@?&=,]")
    shown = set(cut.split(channel.masked))
    found = {token for token in cut.split(channel.url) if token not in shown}
    for key, value in parse_qsl(urlsplit(channel.url).query):
        if key.startswith("+") or key.lower() in ("token", "apikey", "key", "secret", "pass", "password"):
            found.add(value)
    return {s for s in found if len(s) >= _MIN_SECRET}


def _tidy(masked: str) -> str:
    parts = urlsplit(masked)
    params = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in _GENERIC_PARAMS]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(params, safe="@:*+"), ""))


# apprise's log ------------------------------------------------------------------------


class _Capture(logging.Handler):
    """apprise's warnings and errors, kept for the message that caused them (never printed)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.local = threading.local()

    def emit(self, record: logging.LogRecord) -> None:
        notes = getattr(self.local, "notes", None)
        if notes is not None:
            with contextlib.suppress(Exception):
                notes.append(record.getMessage())


_HANDLER = _Capture()


def _quiet_apprise() -> None:
    # apprise logs raw configuration at DEBUG: its logger stays at WARNING, and what it says
    # reaches trinn's output only through `capture_apprise_log`, masked by the caller
    logger = logging.getLogger("apprise")
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    if _HANDLER not in logger.handlers:
        logger.addHandler(_HANDLER)


@contextlib.contextmanager
def capture_apprise_log() -> Iterator[list[str]]:
    """Collect what apprise warns about in this thread while the block runs."""
    _quiet_apprise()
    previous = getattr(_HANDLER.local, "notes", None)
    notes: list[str] = []
    _HANDLER.local.notes = notes
    try:
        yield notes
    finally:
        _HANDLER.local.notes = previous
