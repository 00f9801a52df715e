"""The names a playbook's expressions may read, and what reading them may cost.

One place builds the Scope every expression of a playbook is compiled in (by `trinn
check`, by the playbook cache, for a deadline's condition), so each is priced over the
same fields and under the caps of the playbook's own `limits:` section.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from trinn.engine.expressions import Scope
from trinn.engine.field_types import LIST_TYPES, FieldType

if TYPE_CHECKING:
    from trinn.engine.spec import PlaybookSpec

__all__ = ["TEXT_TYPES", "playbook_scope", "record_forms", "record_width"]

# fields whose values are free text of any length: an expression reading one is priced so
TEXT_TYPES = frozenset(
    {FieldType.text, FieldType.long_text, FieldType.email, FieldType.url, FieldType.phone, FieldType.person}
)


def playbook_scope(spec: PlaybookSpec) -> Scope:
    """The names a playbook's expressions may read, which of them are lists and free text,
    and the caps they run under."""
    return Scope(
        frozenset(spec.fields),
        frozenset(spec.all_tasks()),
        lists=frozenset(f for f, s in spec.fields.items() if s.type in LIST_TYPES),
        texts=frozenset(f for f, s in spec.fields.items() if s.type in TEXT_TYPES),
        limits=spec.limits.caps,
        answers=record_width(spec),
    )


def record_forms(spec: PlaybookSpec) -> frozenset[str]:
    """The forms filled per item, by a `for_each` task (their answers never reach the case's
    fields: each item keeps its own, engine.records)."""
    tasks = spec.all_tasks().values()
    return frozenset(t.form for t in tasks if t.form is not None and t.for_each is not None)


def record_width(spec: PlaybookSpec) -> int:
    """How many fields the largest form kept per item has: what a record's answers hold at most."""
    return max((len(spec.forms[f].fields) for f in record_forms(spec) if f in spec.forms), default=0)
