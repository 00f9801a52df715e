"""Signed links to public forms: what `form_link('id')` writes and `trinn serve` reads.

A link names one case, one form and the case's visit to the state whose task the
form fills (the entry number), and when it stops working. A form a `for_each` task
fills keeps a record per item (engine.records): its link names the item too
(`form_link('moedesvar', aktuel_partner)`), and opens that item's record and no
other; a link without an item opens no item's form. It is signed with the
key of a file only its owner may read (itsdangerous, HMAC-SHA256 over the payload
with a salt of its own, compared in constant time); nothing secret is in the
payload, and nothing else authenticates an outside party. The token travels in the
query string, so the server's access log (which writes paths only) never holds it.

A link stops working when it expires, when the form is sent (for its item), and when the case
moves on (a later visit to the same state makes new links: the entry differs).
The two last are known only from the case: the service checks them.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from trinn.engine.errors import SettingError, TrinnError, os_reason

if TYPE_CHECKING:
    from trinn.engine.case import Case, TaskRecord
    from trinn.engine.spec import PlaybookSpec

__all__ = [
    "BASE_URL_ENV",
    "KEY_ENV",
    "MAKE_KEY",
    "FormLinks",
    "LinkClaim",
    "LinkError",
    "case_link",
    "check_base_url",
    "linked_task",
    "load_key",
]

KEY_ENV = "TRINN_SERVE_KEY_FILE"
BASE_URL_ENV = "TRINN_BASE_URL"
MIN_KEY_CHARS = 32
_SALT = "trinn.form-link.v1"
# how to make a key, said wherever one is missing or unfit
MAKE_KEY = (
    "make one: (umask 077; python3 -c 'import secrets; print(secrets.token_urlsafe(32))' > trinn-serve.key), "
    f"then give it with --key-file or {KEY_ENV}"
)


class LinkError(TrinnError):
    """A link that does not open its form: unsigned, tampered, expired, for another case or
    form, or for a task no longer open. Said to the visitor as "not found", whichever it is."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class LinkClaim:
    """What a genuine, unexpired link says: this case's form, at this visit to its state (for
    the item of a for_each task whose record it fills, if `item`)."""

    case_id: int
    form: str
    entry: int
    expires_at: dt.datetime
    item: str | None = None


def load_key(path: Path | str | None) -> str:
    """The signing key in the file `path`, refused unless a regular file only its owner reads."""
    if path is None or str(path) == "":
        raise SettingError(f"form links need a signing key ({MAKE_KEY})")
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise SettingError(f"the key file '{path}' does not exist ({MAKE_KEY})") from None
    except OSError as exc:
        raise SettingError(f"the key file '{path}' cannot be read: {os_reason(exc)}") from None
    if not stat.S_ISREG(info.st_mode):
        raise SettingError(f"the key file '{path}' is not a file ({MAKE_KEY})")
    if info.st_mode & 0o077:
        raise SettingError(
            f"the key file '{path}' may be read by others (mode {stat.S_IMODE(info.st_mode):04o}; "
            f"make it the owner's only: chmod 600 '{path}')"
        )
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise SettingError(f"the key file '{path}' belongs to another user (its owner must run trinn)")
    try:
        key = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingError(f"the key file '{path}' cannot be read: {exc}") from None
    if len(key) < MIN_KEY_CHARS:
        raise SettingError(
            f"the key in '{path}' is too short (at least {MIN_KEY_CHARS} characters; {MAKE_KEY})"
        )
    return key


def check_base_url(url: str | None) -> str:
    """The address outsiders reach `trinn serve` at (its public one, behind the proxy)."""
    if not url:
        raise SettingError(
            f"form links need the server's public address (give it with --base-url or {BASE_URL_ENV}, "
            "e.g. https://skjema.example.org)"
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise SettingError(f"invalid base URL '{url}' (write e.g. https://skjema.example.org)")
    return url.rstrip("/")


class FormLinks:
    """Makes and reads the signed links of one key and one public address."""

    def __init__(self, key: str, base_url: str) -> None:
        import hashlib

        from itsdangerous import URLSafeSerializer

        self.base_url = check_base_url(base_url)
        self._key = key
        self._serializer = URLSafeSerializer(key, salt=_SALT, signer_kwargs={"digest_method": hashlib.sha256})

    def derived_key(self, purpose: str) -> bytes:
        """A key of its own for another use of the same secret (the web forms' CSRF tokens)."""
        import hashlib
        import hmac

        return hmac.new(self._key.encode(), f"trinn.{purpose}".encode(), hashlib.sha256).digest()

    def token(
        self, case_id: int, form: str, entry: int, expires_at: dt.datetime, item: str | None = None
    ) -> str:
        # an item is signed with the rest: changing it breaks the signature
        payload: list[Any] = [case_id, form, entry, int(expires_at.timestamp())]
        return str(self._serializer.dumps(payload if item is None else [*payload, item]))

    def path(self, case_id: int, form: str) -> str:
        return f"/f/{case_id}/{quote(form)}"

    def url(
        self, case_id: int, form: str, entry: int, expires_at: dt.datetime, item: str | None = None
    ) -> str:
        token = self.token(case_id, form, entry, expires_at, item)
        return f"{self.base_url}{self.path(case_id, form)}?k={token}"

    def read(self, token: str, case_id: int, form: str, now: dt.datetime) -> LinkClaim:
        """The claim of `token` met at the address of `case_id`'s `form`, or LinkError."""
        from itsdangerous import BadData

        try:
            payload: Any = self._serializer.loads(token)
        except BadData:
            raise LinkError("bad signature") from None
        if (
            not isinstance(payload, list)
            or len(payload) not in (4, 5)
            or not all(isinstance(p, int) and not isinstance(p, bool) for p in (payload[0], *payload[2:4]))
            or not all(isinstance(p, str) for p in (payload[1], *payload[4:]))
        ):
            raise LinkError("not a form link")  # signed by this key, but not by this code
        claimed_case, claimed_form, entry, expires = payload[:4]
        if claimed_case != case_id or claimed_form != form:
            raise LinkError("for another case or form")
        expires_at = dt.datetime.fromtimestamp(expires, dt.UTC)
        if now >= expires_at:
            raise LinkError("expired")
        return LinkClaim(case_id, form, entry, expires_at, payload[4] if len(payload) == 5 else None)


def linked_task(spec: PlaybookSpec, case: Case, claim: LinkClaim) -> TaskRecord:
    """The open task of an external role that the link's form fills (the task of the link's
    item, for a form filled per item), in the visit to the state the link was made for;
    LinkError if the form is sent, the case moved on or closed, or the link names no item of
    it (a link without an item opens no item's record, one with an item only that item's)."""
    from trinn.engine.status import TaskStatus

    form = spec.forms.get(claim.form)
    if case.id != claim.case_id or form is None or not form.public:
        raise LinkError("not a public form of this case")
    if case.is_closed or case.entry != claim.entry:
        raise LinkError("the case has moved on")
    for record in _form_tasks(spec, case, claim.form):
        if record.status == TaskStatus.OPEN and record.item == claim.item:
            return record
    raise LinkError("the form is sent (for its item) or its task is not open")


def _form_tasks(spec: PlaybookSpec, case: Case, form: str) -> list[TaskRecord]:
    """The tasks of the current visit that an external role does by filling `form`."""
    from trinn.engine.case import task_specs

    specs = task_specs(spec)
    return [
        record
        for record in case.current_tasks()
        if (task := specs.get(record.task_id)) is not None
        and task.form == form
        and (role := spec.roles.get(record.role)) is not None
        and role.external
    ]


def case_link(
    links: FormLinks, spec: PlaybookSpec, case: Case, form_id: str, now: dt.datetime, item: str | None = None
) -> tuple[str, dt.datetime]:
    """The link to `case`'s public form `form_id` now (for `item`, of a form filled per item),
    and when it stops working (as `form_link` writes it); CommandError if the form is not
    public or not waiting (for that item)."""
    from trinn.engine.calendar import due_at
    from trinn.engine.errors import CommandError, choice_hint, did_you_mean
    from trinn.engine.status import TaskStatus

    public = [f for f, form in spec.forms.items() if form.public]
    form = spec.forms.get(form_id)
    if form is None or not form.public:
        hint = did_you_mean(form_id, public, list_if_few=8) or (
            f"its public forms: {', '.join(public)}" if public else "it has no public form"
        )
        what = "not public" if form is not None else "not a form of this case"
        raise CommandError(f"'{form_id}' is {what} ({hint})").for_case(case.id)
    expires_at = due_at(now, form.link_expiry, spec.language)
    try:
        linked_task(spec, case, LinkClaim(case.id, form_id, case.entry, expires_at, item))
    except LinkError:
        waiting = [
            t.item
            for t in _form_tasks(spec, case, form_id)
            if t.status == TaskStatus.OPEN and t.item is not None
        ]
        if item is None and waiting:
            listed = ", ".join(f"'{i}'" for i in waiting)
            message = f"form '{form_id}' is filled per item: name the item (its open items: {listed})"
        elif item is not None and item not in waiting:
            message = f"form '{form_id}' is not waiting for answers for '{item}' in state '{case.state}'"
            message += choice_hint(item, waiting) if waiting else " (no item of it is open)"
        else:
            message = (
                f"form '{form_id}' is not waiting for answers in state '{case.state}' "
                "(its task is done, or belongs to another state)"
            )
        raise CommandError(message).for_case(case.id) from None
    return links.url(case.id, form_id, case.entry, expires_at, item), expires_at
