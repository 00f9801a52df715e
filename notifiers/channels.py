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
nodes (an alias counts as what it stands for), at most `MAX_CHANNELS` URLs.
"""

from __future__ import annotations

import contextlib
import functools
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
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from trinn.engine.errors import SettingError, os_reason

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
# A channels file lists a team's channels: tens, not thousands. apprise takes about 3 ms a URL.
MAX_BYTES = 256 * 1024
MAX_DEPTH = 32  # a channels file nests 4 deep; PyYAML's composer recurses once a level
MAX_NODES = 20_000
MAX_CHANNELS = 500
# query keys whose values are secrets, besides custom headers (+), GET (-) and payload (:) ones
_SECRET_KEYS = frozenset(
    {"token", "apikey", "api_key", "key", "secret", "pass", "password", "user", "sig", "signature"}
)
_MASKED_PART = re.compile(r"^(?:.\.\.\..|\*{4})$")  # apprise's `x...y`, and ****
_EMAIL_PART = re.compile(r"^[^@\s/]+@[^@\s/]+\.[^@\s/]+$")
_URL_IN_TEXT = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]+")
_SHOWN_CHARS = 6  # a part this long or longer is shown as apprise shows a token: `x...y`


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
    text, mode = _read(path)
    warnings = []
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        warnings.append(f"{path} can be read by other users; its secrets are theirs too (chmod 600 {path})")
    text, secrets = _substitute(text, path)
    if len(text.encode()) > MAX_BYTES:  # the environment's values made it grow
        raise SettingError(f"{path}: the channels file is too large (the limit is {MAX_BYTES} bytes)")
    check_yaml_shape(text, path)
    _check_yaml(text, path, secrets)
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
            _legacy(listed._without_secrets(c.legacy)),
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


def _read(path: Path) -> tuple[str, int]:
    """The file's text and mode: a regular file (not a device, a pipe, a folder) of bounded size."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # /dev/zero would be read for ever, a pipe block
            raise SettingError(f"{path}: not a regular file (a channels file is a YAML file)")
        if info.st_size > MAX_BYTES:
            raise SettingError(f"{path}: the channels file is too large (the limit is {MAX_BYTES} bytes)")
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise SettingError(f"no channels file at {path} (see `trinn channels --help`)") from None
    except OSError as exc:
        raise SettingError(f"cannot read the channels file {path}: {os_reason(exc)}") from None
    if len(raw) > MAX_BYTES:  # it grew between the look and the read
        raise SettingError(f"{path}: the channels file is too large (the limit is {MAX_BYTES} bytes)")
    try:
        return raw.decode("utf-8"), info.st_mode
    except UnicodeDecodeError:
        raise SettingError(f"cannot read the channels file {path}: not utf-8 text") from None


def check_yaml_shape(text: str, path: Path) -> None:
    """Refuse YAML nested deeper than MAX_DEPTH or expanding past MAX_NODES, before it is built.

    PyYAML (apprise's reader) builds nested collections by recursion, and an alias stands for
    its whole anchored node however often it is used: both are measured here from the parser's
    events, which come one at a time without recursion. It counts with PyYAML, the parser that
    will build the file, rather than with engine.source.check_yaml_shape (ruamel, the playbooks'
    parser), so that what is measured is what apprise builds.
    """
    import yaml

    depth = nodes = 0
    sizes: dict[str, int] = {}  # an anchor's size, in nodes, aliases expanded
    open_anchors: list[tuple[str | None, int]] = []
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                nodes += sizes.get(str(event.anchor), 1)
            elif isinstance(event, yaml.ScalarEvent):
                nodes += 1
                if event.anchor is not None:
                    sizes[event.anchor] = 1
            elif isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                nodes += 1
                open_anchors.append((event.anchor, nodes))
                if depth > MAX_DEPTH:
                    raise SettingError(
                        f"{_at(path, event)}: nested more than {MAX_DEPTH} levels deep "
                        "(a channels file needs 4)"
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
                anchor, start = open_anchors.pop()
                if anchor is not None:
                    sizes[anchor] = nodes - start + 1
            if nodes > MAX_NODES:
                raise SettingError(
                    f"{_at(path, event)}: the channels file expands to more than {MAX_NODES} nodes "
                    "(aliases count as what they stand for)"
                )
    except yaml.YAMLError:
        return  # `_check_yaml` says where and what


def _at(path: Path, event: Any) -> str:
    mark = event.start_mark
    return f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)


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
    if isinstance(data["urls"], list) and len(data["urls"]) > MAX_CHANNELS:
        raise SettingError(f"{path}: too many channels: {len(data['urls'])} (the limit is {MAX_CHANNELS})")


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
    pieces = [parts.netloc, parts.path, parts.fragment, *(v for k, v in params if k not in _GENERIC_PARAMS)]
    shown = set(cut.split(unquote(channel.masked)))
    found = {token for piece in pieces for token in cut.split(unquote(piece)) if token not in shown}
    found |= {v for k, v in params if k[:1] in "+-:" or k.lower() in _SECRET_KEYS}
    return {s for s in found if len(s) >= _MIN_SECRET}


def _legacy(privacy: str) -> str:
    parts = urlsplit(privacy)
    params = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in _GENERIC_PARAMS]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(params, safe="@:*+"), ""))


# masking ------------------------------------------------------------------------------


def masked_url(url: str | Any) -> str:
    """A channel URL as it may be shown or stored: no secret of it is left.

    `url` is a URL or an apprise plugin. Its plugin's privacy form (`url(privacy=True)`) hides
    what apprise knows to be secret: passwords, and the tokens its plugins take in the host
    and path (Slack, Discord, Teams webhooks). What that form still shows, trinn hides too: the
    user name, every path segment but an e-mail address (a `json://` webhook carries its token
    there), and the values of custom headers (`+X=`), GET (`-x=`) and payload (`:x=`)
    parameters; apprise's general knobs (retry, overflow...) are left out. A part of six
    characters or more is shown as apprise shows a token (`T...Q`), a shorter one as ****. A
    URL no plugin takes is masked whole but for its scheme. Masking a masked URL changes
    nothing, so stored rows are masked again when shown.
    """
    if isinstance(url, str):
        return _masked_text(url)
    try:
        return _hidden(str(url.url(privacy=True)), host=False)
    except Exception:  # a plugin that cannot say its own URL: show nothing of it
        return MASK


@functools.lru_cache(maxsize=256)  # a listing masks the same few stored URLs again and again
def _masked_text(url: str) -> str:
    plugin = _plugin(url)
    return _hidden(url, host=True) if plugin is None else masked_url(plugin)


def mask_urls(text: str) -> str:
    """Every URL in `text` masked (`masked_url`): apprise's warnings and errors quote them."""

    def one(match: re.Match[str]) -> str:
        found = match.group()
        url = found.rstrip(".,;:)]}")
        return masked_url(url) + found[len(url) :]

    return _URL_IN_TEXT.sub(one, text)


def _plugin(url: str) -> Any:
    import apprise

    with capture_apprise_log():
        try:
            return apprise.Apprise.instantiate(url)
        except Exception:  # apprise refuses some URLs by raising: then no plugin takes it
            return None


def _hidden(url: str, *, host: bool) -> str:
    """`url` with its user, password, path segments and secret parameter values hidden; and its
    host, when `host` and it is no host name: a URL no plugin took may carry a token there."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a bad port raises here
    except ValueError:
        return f"{url.partition(':')[0][:20]}://{MASK}" if "://" in url else MASK
    userinfo, at, hostport = parts.netloc.rpartition("@")
    if host and not re.search(r"[.:\[]", hostport.rpartition(":")[0] or hostport):
        name, colon, port = hostport.rpartition(":") if ":" in hostport else (hostport, "", "")
        hostport = _secret(unquote(name)) + colon + port
    if at:
        user, colon, _password = userinfo.partition(":")
        userinfo = quote(_secret(unquote(user)), safe="*.") + (f":{MASK}" if colon else "")
    path = "/".join(_segment(segment) for segment in parts.path.split("/"))
    params = [
        (key, _secret(value) if key[:1] in "+-:" or key.lower() in _SECRET_KEYS else value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key not in _GENERIC_PARAMS
    ]
    fragment = quote(_secret(unquote(parts.fragment)), safe="*.") if parts.fragment else ""
    netloc = userinfo + at + hostport
    return urlunsplit((parts.scheme, netloc, path, urlencode(params, safe="@:*+/"), fragment))


def _segment(segment: str) -> str:
    text = unquote(segment)
    if not text or _EMAIL_PART.match(text):
        return segment
    return quote(_secret(text), safe="*.@")


def _secret(text: str) -> str:
    """`text` hidden: as apprise hides a token (first and last character) when it is long."""
    if not text or _MASKED_PART.match(text):
        return text
    if len(text) < _SHOWN_CHARS:
        return MASK
    return f"{text[0]}...{text[-1]}"


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
