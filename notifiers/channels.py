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
the file, so secrets can stay out of it. A channel's URL is shown and stored
only as `masked_url` makes it: apprise's privacy form of its plugin, with the
user name, path tokens (webhooks carry theirs there) and custom header and
parameter values hidden too. Every value taken from the environment and every
part of a URL that its masked form hides is a secret: `Channels.mask` removes
them, and masks every URL, in any text trinn shows or stores (delivery errors,
apprise's warnings). Apprise is imported here only when a file is read.

The file is bounded before apprise sees it: a regular file, at most
`MAX_BYTES`, YAML nested at most `MAX_DEPTH` deep with at most `MAX_NODES`
nodes (an alias counts as what it stands for), at most `MAX_CHANNELS` URLs
(notifiers/channels_reading.py); masking is notifiers/masking.py.
"""

from __future__ import annotations

import hashlib
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from trinn.engine.errors import SettingError
from trinn.notifiers.apprise_log import capture_apprise_log
from trinn.notifiers.channels_reading import (
    MAX_BYTES,
    MAX_CHANNELS,
    MAX_DEPTH,
    MAX_NODES,
    check_yaml,
    check_yaml_shape,
    read_channels_file,
    substitute_environment,
)
from trinn.notifiers.masking import GENERIC_PARAMS, MASK, SECRET_KEYS, legacy_url, mask_urls, masked_url

__all__ = [
    "MAX_BYTES",
    "MAX_CHANNELS",
    "MAX_DEPTH",
    "MAX_NODES",
    "OUTGOING_MAIL",
    "Channel",
    "Channels",
    "capture_apprise_log",
    "default_channels_path",
    "load_channels",
    "mask_urls",
    "masked_url",
]

OUTGOING_MAIL = "outgoing-mail"  # not a valid role id (a hyphen), so it never clashes with one
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
    # how trinn before 0.2 showed it: the name its deliveries recorded before they kept `key`
    # (compared, never shown: it may hold a path token)
    legacy: str = field(default="", repr=False)

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
        """`text` with every secret of the file replaced by ****, and every URL in it masked."""
        return mask_urls(self._without_secrets(text))

    def _without_secrets(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            for form in dict.fromkeys((secret, quote(secret, safe=""), quote(secret))):
                text = text.replace(form, MASK)
        return text

    def unreached_roles(self, roles: list[str]) -> list[str]:
        return [role for role in roles if not self.tagged(role)]


def load_channels(path: Path) -> Channels:
    """Read a channels file; SettingError with the file and line when it cannot be used."""
    text, mode = read_channels_file(path)
    warnings = []
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        warnings.append(f"{path} can be read by other users; its secrets are theirs too (chmod 600 {path})")
    text, secrets = substitute_environment(text, path)
    if len(text.encode()) > MAX_BYTES:  # the environment's values made it grow
        raise SettingError(f"{path}: the channels file is too large (the limit is {MAX_BYTES} bytes)")
    check_yaml_shape(text, path)
    check_yaml(text, path, secrets)
    channels, notes = _parse(text)
    secrets |= {s for c in channels for s in _url_secrets(c)}
    listed = Channels(path, [], [], frozenset(secrets))
    reasons = [listed.mask(note) for note in dict.fromkeys(notes)]
    warnings.extend(f"{path}: {reason}" for reason in reasons)
    channels = [
        Channel(
            c.position,
            c.service,
            listed.mask(c.masked),
            c.tags,
            c.is_email,
            c.url,
            legacy_url(listed._without_secrets(c.legacy)),
        )
        for c in channels
    ]
    if not channels:
        why = f": {'; '.join(reasons)}" if reasons else ""
        raise SettingError(
            f"{path}: no channel could be read{why} (an apprise YAML file lists "
            "them under 'urls:', each with a 'tag:')"
        )
    return Channels(path, channels, warnings, frozenset(secrets))


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
                masked_url(service),
                frozenset(str(tag) for tag in service.tags),
                type(service).__name__.startswith("NotifyEmail") or service.protocol in ("mailto", "mailtos"),
                service.url(privacy=False),
                service.url(privacy=True),
            )
        )
    return channels, notes


def _url_secrets(channel: Channel) -> set[str]:
    """Each part of the URL that its masked form hides (apprise's own knobs aside), and the
    values of header and secret parameters."""
    cut = re.compile(r"[/:@?&=,#]")
    parts = urlsplit(channel.url)
    params = parse_qsl(parts.query, keep_blank_values=True)
    pieces = [parts.netloc, parts.path, parts.fragment, *(v for k, v in params if k not in GENERIC_PARAMS)]
    shown = set(cut.split(unquote(channel.masked)))
    found = {token for piece in pieces for token in cut.split(unquote(piece)) if token not in shown}
    found |= {v for k, v in params if k[:1] in "+-:" or k.lower() in SECRET_KEYS}
    return {s for s in found if len(s) >= _MIN_SECRET}
