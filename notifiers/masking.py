"""Channel URLs with no secret left: one way to mask them, for what is shown and what is stored.

A URL is masked with its apprise plugin's privacy form and more (`masked_url`); any text
that may quote URLs (delivery errors, apprise's warnings) has each URL in it masked
(`mask_urls`). Masking is idempotent, so what is read back from the database is masked
again before it is shown (`stored_url`, `stored_text`, `shown_delivery`, `shown_outbox_row`):
delivery rows written by an older trinn, before a plugin's secrets were known, show no
more than new ones.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from trinn.notifiers.apprise_log import capture_apprise_log

if TYPE_CHECKING:
    from trinn.engine.store.rows import DeliveryRow, OutboxRow

__all__ = [
    "GENERIC_PARAMS",
    "MASK",
    "SECRET_KEYS",
    "legacy_url",
    "mask_urls",
    "masked_url",
    "shown_delivery",
    "shown_outbox_row",
    "stored_text",
    "stored_url",
]

MASK = "****"
# apprise's own knobs, the same on every URL: noise in a listing
GENERIC_PARAMS = frozenset(
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
# query keys whose values are secrets, besides custom headers (+), GET (-) and payload (:) ones
SECRET_KEYS = frozenset(
    {"token", "apikey", "api_key", "key", "secret", "pass", "password", "user", "sig", "signature"}
)
_MASKED_PART = re.compile(r"^(?:.\.\.\..|\*{4})$")  # apprise's `x...y`, and ****
_EMAIL_PART = re.compile(r"^[^@\s/]+@[^@\s/]+\.[^@\s/]+$")
_URL_IN_TEXT = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]+")
_SHOWN_CHARS = 6  # a part this long or longer is shown as apprise shows a token: `x...y`


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
        (key, _secret(value) if key[:1] in "+-:" or key.lower() in SECRET_KEYS else value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key not in GENERIC_PARAMS
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


def legacy_url(privacy: str) -> str:
    """How trinn before 0.2 showed a channel: apprise's privacy form without its general knobs."""
    parts = urlsplit(privacy)
    params = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in GENERIC_PARAMS]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(params, safe="@:*+"), ""))


# what was stored, as it is shown ---------------------------------------------------------


def stored_url(url: str | None) -> str | None:
    """A channel URL as stored: masked when it was written, masked again for rows an older
    trinn wrote."""
    return masked_url(url) if url else url


def stored_text(text: str | None) -> str | None:
    """An error as stored: masked when it was written; any URL in it masked again."""
    if not text or "://" not in text:
        return text
    return mask_urls(text)


def shown_delivery(row: DeliveryRow) -> DeliveryRow:
    """A delivery row with its URL, error and recipient masked again (see `stored_url`)."""
    return row._replace(
        url=stored_url(row.url) or "",
        error=stored_text(row.error),
        recipient=stored_text(row.recipient) or "",
    )


def shown_outbox_row(row: OutboxRow) -> OutboxRow:
    """An outbox row with its last error masked again (see `stored_text`)."""
    return row._replace(last_error=stored_text(row.last_error))
