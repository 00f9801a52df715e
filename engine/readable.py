"""A value too large for the playbook's expressions to read is refused when it is set.

A list field holds up to 10,000 items (engine.values.MAX_ITEMS), but CEL is handed at most
`CEL_LIST_ITEMS` of them, or what the playbook's `limits:` raise that to (engine.limits: what
keeps every guard's cost bounded). Were the
larger list stored, the command that set it would succeed and every later command whose
guard reads the field would fail, far from the cause. So a field that some expression of
the playbook reads (a guard, a `set` value, a timer) takes no more than the expressions may
read, and `set` says so with the field's name and the limit; a field no expression reads
keeps the full limits of its type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from trinn.engine.i18n import gettext as _
from trinn.engine.limits import DEFAULT_LIMITS, Limits

if TYPE_CHECKING:
    from trinn.engine.compiler import CompiledPlaybook

__all__ = ["fields_read", "unreadable"]


def fields_read(compiled: CompiledPlaybook) -> frozenset[str]:
    """The fields some expression of the playbook reads."""
    names = {name for expression in compiled.loaded.expressions.values() for name in expression.names}
    return frozenset(names & compiled.spec.fields.keys())


def unreadable(name: str, value: Any, limits: Limits = DEFAULT_LIMITS) -> str | None:
    """Why the expressions could not read `value` of field `name` under the playbook's caps
    (`limits`), in words; None if they can."""
    if isinstance(value, list):
        if len(value) > limits.cel_list_items:
            return _("field '{name}' has {count} items; the playbook's guards read at most {limit}").format(
                name=name, count=f"{len(value):,}", limit=f"{limits.cel_list_items:,}"
            )
        longest = max((len(item) for item in value if isinstance(item, str)), default=0)
        if longest > limits.cel_item_chars:
            return _(
                "an item of field '{name}' has {count} characters; the playbook's guards read at most {limit}"
            ).format(name=name, count=f"{longest:,}", limit=f"{limits.cel_item_chars:,}")
    if isinstance(value, str) and len(value) > limits.cel_text_chars:
        return _("field '{name}' has {count} characters; the playbook's guards read at most {limit}").format(
            name=name, count=f"{len(value):,}", limit=f"{limits.cel_text_chars:,}"
        )
    return None
