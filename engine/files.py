"""Uploaded files: what a `file` field takes, how its kind is known, and the value it keeps.

A file comes from a person's disk (`trinn set CASE FIELD=@PATH`, the app's path input) or
from an outsider's browser (`trinn serve`): an `Upload`. Before it is kept it is checked:
not empty, at most the playbook's `file_bytes` (engine.limits: 10 MiB unless its `limits:`
raise it), its kind sniffed from its first bytes (never from its name: a `.pdf` that is a
program is no PDF) and one of the field's `accept` kinds. Its name is cut to the last part
of any path, with only characters safe in a file name. The content is stored once per
sha256 in the database (the `files` table), however often and by whom it is sent; the
field keeps `{sha256, name, size, type}`. trinn never runs or opens a file: it keeps it,
attaches it to messages, and writes it out (`trinn file`) where a coordinator asks.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trinn.engine.errors import CommandError, os_reason
from trinn.engine.field_types import FieldType
from trinn.engine.i18n import gettext as _
from trinn.engine.limits import CEILINGS, Limits
from trinn.engine.values import ValueProblem

if TYPE_CHECKING:
    from trinn.engine.case import Case
    from trinn.engine.spec import PlaybookSpec

__all__ = [
    "KINDS",
    "MAX_NAME",
    "StoredFile",
    "Upload",
    "described",
    "file_value",
    "held_file",
    "kind_of",
    "read_upload",
    "refuse_copied",
    "safe_name",
    "sniff",
    "stored_file",
    "upload_at",
]

# each kind a field may accept, and the content type it is stored and sent as
KINDS: dict[str, str] = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "txt": "text/plain",
}
MAX_NAME = 200  # characters of a kept file name (file systems take 255 bytes)
_MAGIC = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
)
_ZIP = b"PK\x03\x04"
_ZIP_ENTRIES = 10_000  # an office document has a few dozen; more is no document of ours
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_NAME_CHARS = frozenset(" .-_()+,")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Upload:
    """A file as a person or an outsider gave it: its name as given, and its bytes.

    `written` is the text a person typed for it (`@avtale.pdf`): a field that takes no file
    takes that text instead. `problem` says why the file could not be read (then the field
    that wanted it refuses it with that reason). `size` is the true size of a file too
    large to be read whole (its `content` then left empty).
    """

    name: str
    content: bytes = b""
    size: int | None = None
    written: str | None = None
    problem: str | None = None

    @property
    def length(self) -> int:
        return len(self.content) if self.size is None else self.size


@dataclass(frozen=True)
class StoredFile:
    """A checked file: the value its field keeps, and the bytes to store once."""

    sha256: str
    name: str
    size: int
    type: str
    content: bytes

    @property
    def value(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "name": self.name, "size": self.size, "type": self.type}


def read_upload(written: str) -> Upload:
    """The file `written` names (`@PATH`, or a bare path), read within the largest size any
    playbook takes; a file that cannot be read comes back with its `problem`, so only a
    field that wants a file refuses it."""
    return upload_at(Path(written[1:] if written.startswith("@") else written).expanduser(), written)


def upload_at(path: Path, written: str | None = None) -> Upload:
    """The file at `path`, read as `read_upload` reads it. Without `written` (a file named
    where only a file is meant: `{"path": ...}` in a form's answers file) a field that takes
    no file refuses it rather than keeping some text in its place."""
    limit = CEILINGS["file_bytes"]
    try:
        with path.open("rb") as handle:
            status = os.fstat(handle.fileno())
            if not stat.S_ISREG(status.st_mode):  # /dev/zero or a pipe would never end
                return Upload(
                    path.name, written=written, problem=_("{path} is not a regular file").format(path=path)
                )
            if status.st_size > limit:
                return Upload(path.name, size=status.st_size, written=written)
            content = handle.read(limit + 1)
    except OSError as exc:
        return Upload(
            path.name,
            written=written,
            problem=_("cannot read {path}: {reason}").format(path=path, reason=os_reason(exc)),
        )
    return Upload(path.name, content, written=written)


def sniff(content: bytes) -> str | None:
    """The kind of file `content` is, by its first bytes (and a zip's entries); None if it is
    none of KINDS."""
    for magic, kind in _MAGIC:
        if content.startswith(magic):
            return kind
    if content.startswith(_ZIP):
        return _office(content)
    return "txt" if _plain_text(content) else None


def _office(content: bytes) -> str | None:
    # ODF puts an uncompressed `mimetype` entry first, so its type is at a fixed offset
    if content[30:38] == b"mimetype" and content[38:].startswith(KINDS["odt"].encode()):
        return "odt"
    import zipfile  # only an office file is opened as the archive it is

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:  # its directory only: nothing unpacked
            entries = archive.infolist()
            names = {entry.filename for entry in entries[: _ZIP_ENTRIES + 1]}
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if len(entries) > _ZIP_ENTRIES or "[Content_Types].xml" not in names:
        return None
    if any(name.endswith("vbaProject.bin") for name in names):  # macros: a .docm/.xlsm renamed
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return None


def _plain_text(content: bytes) -> bool:
    """UTF-8 text without control characters but tab, line breaks and form feed."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return _CONTROL.search(text) is None


def kind_of(content_type: str) -> str:
    """The short kind of a stored content type ('pdf'), or the type itself if unknown."""
    return next((kind for kind, known in KINDS.items() if known == content_type), content_type)


def safe_name(name: str, kind: str = "") -> str:
    """The name a file is kept under: the last part of any path (`../../x` is `x`), letters,
    digits and ` .-_()+,` only (anything else becomes `_`), no leading dot, at most MAX_NAME
    characters with its extension kept; `file.<kind>` when nothing is left."""
    base = unicodedata.normalize("NFC", re.split(r"[/\\]", name)[-1])
    cleaned = "".join(char if char.isalnum() or char in _NAME_CHARS else "_" for char in base)
    cleaned = cleaned.strip(" .")
    if len(cleaned) > MAX_NAME:
        stem, dot, suffix = cleaned.rpartition(".")
        suffix = dot + suffix if stem and len(suffix) < 16 else ""
        cleaned = cleaned[: MAX_NAME - len(suffix)].rstrip(" .") + suffix
    return cleaned or f"file.{kind or 'bin'}"


def stored_file(upload: Upload, limits: Limits, accept: Sequence[str] | None = None) -> StoredFile:
    """`upload` checked under the playbook's `limits`, for a field that takes the kinds `accept`
    (default: all); ValueProblem says why it is refused (unreadable, empty, too large, a kind not
    taken)."""
    if upload.problem is not None:
        raise ValueProblem(upload.problem)
    size = upload.length
    if size == 0:
        raise ValueProblem(_("the file is empty"), _("give a file with something in it"))
    if size > limits.file_bytes:
        raise ValueProblem(
            _("the file is {size} bytes").format(size=f"{size:,}"),
            _("the limit is {limit} bytes; a playbook may raise it with limits: file_bytes").format(
                limit=f"{limits.file_bytes:,}"
            ),
        )
    accepted = list(accept or KINDS)
    kind = sniff(upload.content)
    if kind is None or kind not in accepted:
        what = _("a {kind} file").format(kind=kind) if kind else _("of a kind trinn does not take")
        raise ValueProblem(
            _("'{name}' is {what}").format(name=safe_name(upload.name), what=what),
            _("this field takes {kinds}").format(kinds=", ".join(accepted)),
        )
    digest = hashlib.sha256(upload.content).hexdigest()
    return StoredFile(digest, safe_name(upload.name, kind), size, KINDS[kind], upload.content)


def file_value(value: Any) -> dict[str, Any]:
    """A file field's stored value as it was kept (`{sha256, name, size, type}`), checked: a
    value copied by a playbook's action, or written back unchanged; ValueProblem otherwise."""
    if isinstance(value, Upload):  # engine.command turns uploads into StoredFiles first
        raise ValueProblem(_("a file is kept only through its field"))
    if not isinstance(value, dict):
        raise ValueProblem(
            _("a file field takes a file"), _("write FIELD=@PATH, e.g. avtale=@signert-avtale.pdf")
        )
    sha, name, size, kind = (value.get(key) for key in ("sha256", "name", "size", "type"))
    if (
        set(value) != {"sha256", "name", "size", "type"}
        or not isinstance(sha, str)
        or not _SHA256.match(sha)
        or not isinstance(name, str)
        or safe_name(name) != name
        or not isinstance(size, int)
        or isinstance(size, bool)
        or not 0 < size <= CEILINGS["file_bytes"]
        or kind not in KINDS.values()
    ):
        raise ValueProblem(_("not a stored file"), _("give the file itself: FIELD=@PATH"))
    return dict(value)


def refuse_copied(
    spec: PlaybookSpec, values: Mapping[str, Any], before: Mapping[str, Any], uploaded: Mapping[str, Any]
) -> None:
    """Refuse a person's file value that is neither a file they sent now nor the one the field
    holds: knowing a stored file's sha256 is not having the file."""
    for name, value in values.items():
        if (
            isinstance(value, dict)
            and spec.fields[name].type is FieldType.file
            and value != before.get(name)
            and value.get("sha256") not in uploaded
        ):
            message = _("field '{name}': give the file itself (FIELD=@PATH)").format(name=name)
            raise CommandError(message, fields={name: message})


def held_file(spec: PlaybookSpec, case: Case, field: str, item: str | None = None) -> dict[str, Any]:
    """The value of the file field `field` of `case` (of the record of `item`, for a field a
    for_each task's form fills), or a CommandError saying why there is none."""
    from trinn.engine.errors import choice_hint

    if field not in spec.fields:
        message = _("unknown field '{name}'").format(name=field)
        raise CommandError(message + choice_hint(field, spec.fields))
    if spec.fields[field].type is not FieldType.file:
        raise CommandError(_("field '{name}' is no file field").format(name=field))
    if item is None:
        value = case.fields.get(field)
    else:
        records = [t.answers for t in case.tasks if t.item == item and t.answers and field in t.answers]
        value = records[-1][field] if records else None
    if not isinstance(value, dict):
        where = _(" for '{item}'").format(item=item) if item is not None else ""
        raise CommandError(_("field '{name}' holds no file{where}").format(name=field, where=where))
    return value


def described(value: Any) -> str:
    """A file field's value in a few words: `avtale.pdf (120 KiB, pdf)`."""
    if not isinstance(value, dict):
        return str(value)
    size = int(value.get("size") or 0)
    if size >= 1024 * 1024:
        amount = f"{size / (1024 * 1024):.1f} MiB"
    elif size >= 1024:
        amount = f"{size / 1024:.0f} KiB"
    else:
        amount = f"{size} B"
    return f"{value.get('name')} ({amount}, {kind_of(str(value.get('type')))})"
