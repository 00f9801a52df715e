"""A message's attachments: the files its `attach:` names, checked, kept and carried to the outbox.

`attach:` on a message lists file fields of the case (what the field holds when the message is
made; an unset field adds nothing, so the text can say "som vedlegg" with `{% if field %}`)
and files shipped beside the playbook (a path inside its folder, e.g. `vedlegg/vilkar.pdf`).
`trinn check` refuses a name that is neither a file field nor such a path, and a path that
leaves the folder or names no file there. When the message is made, a shipped file is read
and checked like an upload (engine.files: its kind from its bytes, the playbook's
`file_bytes`) and stored once by sha256; the outbox message carries `{sha256, name, size,
type}` of each file, and the dispatcher attaches the stored bytes (as it attaches a
meeting's `.ics`) on the channels that take attachments.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from trinn.engine.errors import CommandError
from trinn.engine.field_types import FieldType
from trinn.engine.files import read_upload, sniff, stored_file
from trinn.engine.i18n import gettext as _
from trinn.engine.limits import CEILINGS
from trinn.engine.values import ValueProblem

if TYPE_CHECKING:
    from trinn.engine.case import Case
    from trinn.engine.files import StoredFile
    from trinn.engine.spec import MessageSpec, PlaybookSpec

__all__ = ["attached", "is_shipped", "shipped_problem"]


def is_shipped(name: str) -> bool:
    """Does an `attach:` entry name a file beside the playbook (not a field)? A field id has
    neither a dot nor a slash; a file name has at least one."""
    return "." in name or "/" in name or "\\" in name


def shipped_problem(folder: Path | None, name: str) -> tuple[str, str] | None:
    """Why `name` cannot be a file shipped beside a playbook in `folder`, as (message, hint);
    None if it can. Without a folder (a playbook read from the database) only the path's
    shape is checked."""
    pure = PurePosixPath(name)
    outside = (
        _("attachment '{name}' is outside the playbook's folder").format(name=name),
        _("write a path inside it, e.g. 'vedlegg/vilkar.pdf'"),
    )
    if pure.is_absolute() or ".." in pure.parts or "\\" in name or ":" in name:
        return outside
    if folder is None:
        return None
    path = folder / name
    try:
        if not path.resolve(strict=True).is_relative_to(folder.resolve(strict=True)):
            return outside  # a link pointing out of the folder
    except (OSError, RuntimeError):
        return (
            _("attachment '{name}' does not exist beside the playbook").format(name=name),
            _("put the file beside the playbook, or name a file field"),
        )
    upload = read_upload(str(path))
    if upload.problem is not None:
        return upload.problem, ""
    if upload.length > CEILINGS["file_bytes"] or sniff(upload.content) is None:
        return (
            _("attachment '{name}' is not a file trinn sends").format(name=name),
            _("pdf, png, jpeg, gif, docx, xlsx, odt or text, at most {limit} bytes").format(
                limit=f"{CEILINGS['file_bytes']:,}"
            ),
        )
    return None


def attached(
    spec: PlaybookSpec,
    case: Case,
    message: MessageSpec,
    folder: Path | None,
    files: dict[str, StoredFile],
) -> tuple[dict[str, Any], ...]:
    """The files `message` carries for `case`: its file fields' values as they are now, and its
    shipped files read from `folder` (kept in `files` for the store); a shipped file that
    cannot be read now is a CommandError (the command then writes nothing)."""
    found: list[dict[str, Any]] = []
    for name in message.attach:
        field = spec.fields.get(name)
        if field is not None and field.type is FieldType.file:
            value = case.fields.get(name)
            if isinstance(value, dict):
                found.append(value)
            continue
        if folder is None:  # only a playbook read from the database has none
            raise CommandError(
                _(
                    "attachment '{name}': trinn does not know the folder of the playbook '{playbook}' "
                    "(give it with --playbooks DIR or TRINN_PLAYBOOKS)"
                ).format(name=name, playbook=spec.id)
            )
        problem = shipped_problem(folder, name)
        if problem is not None:
            message_text, hint = problem
            raise CommandError(message_text + (f" ({hint})" if hint else ""))
        try:
            kept = stored_file(read_upload(str(folder / name)), spec.limits.caps)
        except ValueProblem as refused:
            raise CommandError(
                _("attachment '{name}': {problem}").format(name=name, problem=refused)
            ) from None
        files[kept.sha256] = kept
        found.append(kept.value)
    return tuple(_once(found))


def _once(values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each file once (by its content and name), in the order named."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for value in values:
        key = (str(value.get("sha256")), str(value.get("name")))
        if key not in seen:
            seen.add(key)
            kept.append(value)
    return kept
