"""Who may change which field, where: the one check every write by a person passes.

A field says who writes it and where:

    partners: {type: text_list, label: Partners, edit: [ledelsen], in: [vurdering]}

The safe default, when a field says nothing:

- a field that a form names is written through that form, by whoever may fill the form (the
  role of the form's task, or its assignee; any coordinator for a form no task fills);
- any other field is the case's opening data: given when the case is opened, then changed
  only by the playbook's own actions;
- `edit: [roles]` lets those roles change the field freely (`trinn set`, `fire --set`, the
  app's field editor), a form's field too;
- `in: [states]` limits every write by a person (free or through a form) to those states.

`set:` actions of the playbook are not bound by these rules: the playbook wrote them.
A value written unchanged is no change, and is let through.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from trinn.engine.case import task_specs
from trinn.engine.errors import CommandError
from trinn.engine.i18n import gettext as _
from trinn.engine.i18n import language
from trinn.engine.text import localize

if TYPE_CHECKING:
    from trinn.engine.spec import PlaybookSpec

__all__ = ["FieldRule", "check_writes", "field_rule", "refusal", "writable_fields"]

OPEN, SET, FORM = "open", "set", "form"  # how a value is written


@dataclass(frozen=True)
class FieldRule:
    """What the playbook says (or the default says) about writing one field."""

    name: str
    edit: frozenset[str] | None  # roles that may change it freely; None: none named
    states: frozenset[str] | None  # where a person may write it; None: any state
    forms: tuple[str, ...]  # the forms that name it
    form_roles: tuple[str, ...]  # the roles of the tasks that fill those forms
    required: bool


def field_rule(spec: PlaybookSpec, name: str) -> FieldRule:
    field = spec.fields[name]
    forms = tuple(form_id for form_id, form in spec.forms.items() if name in form.fields)
    roles = tuple(
        dict.fromkeys(
            task.role for task in task_specs(spec).values() if task.form is not None and task.form in forms
        )
    )
    return FieldRule(
        name,
        None if field.edit is None else frozenset(field.edit),
        None if field.in_states is None else frozenset(field.in_states),
        forms,
        roles,
        field.required,
    )


def refusal(
    spec: PlaybookSpec, rule: FieldRule, *, actor: str, roles: Collection[str], state: str, how: str
) -> str | None:
    """Why `actor` (holding `roles`) may not write the field `rule` is about in `state`, by
    `how` (open, set or form); None if they may. Roles, forms and states are named by their
    titles in the reader's language: a coordinator reads titles, not ids."""
    titles = _Titles(spec)
    if how == FORM:
        # the form itself is authorised by its task (engine.service); here only where
        if rule.states is not None and state not in rule.states:
            return _in_states(titles, rule, state)
        return None
    if how == OPEN and (rule.required or (rule.edit is None and not rule.forms)):
        return None if rule.states is None or state in rule.states else _in_states(titles, rule, state)
    if rule.edit is None:
        if rule.forms:
            by = _(" (by {roles})").format(roles=titles.roles(rule.form_roles)) if rule.form_roles else ""
            return _("it is changed only through the form {forms}{by}").format(
                forms=titles.forms(rule.forms), by=by
            )
        return _("no one changes it after the case is opened (the playbook gives it no 'edit' roles)")
    if not rule.edit & set(roles):
        return _("{person} may not change it (only {roles} may)").format(
            person=actor, roles=titles.roles(sorted(rule.edit))
        )
    if rule.states is not None and state not in rule.states:
        return _in_states(titles, rule, state)
    return None


def check_writes(
    spec: PlaybookSpec,
    values: Mapping[str, Any],
    before: Mapping[str, Any],
    *,
    actor: str,
    roles: Collection[str],
    state: str,
    how: str,
) -> None:
    """Refuse the first of `values` (normalised) that changes a field the actor may not write."""
    for name, value in values.items():
        if name not in spec.fields or before.get(name) == value:
            continue
        problem = refusal(spec, field_rule(spec, name), actor=actor, roles=roles, state=state, how=how)
        if problem is not None:
            label = localize(spec.fields[name].label, language(), spec.language)
            raise CommandError(
                _("field «{label}»: {problem}").format(label=label, problem=problem), fields={name: problem}
            )


def writable_fields(spec: PlaybookSpec, *, actor: str, roles: Collection[str], state: str) -> list[str]:
    """The fields `actor` may change freely in `state` (what a field editor offers)."""
    return [
        name
        for name in spec.fields
        if refusal(spec, field_rule(spec, name), actor=actor, roles=roles, state=state, how=SET) is None
    ]


def _in_states(titles: _Titles, rule: FieldRule, state: str) -> str:
    assert rule.states is not None
    return _("it cannot be changed in the state {state} (only in {states})").format(
        state=titles.states([state]), states=titles.states(sorted(rule.states))
    )


class _Titles:
    """Roles, forms and states named as a person reads them: each by its title in the reader's
    language, in «», alternatives joined by "or"; an id the playbook does not know stays as it is."""

    def __init__(self, spec: PlaybookSpec) -> None:
        self._spec, self._reader = spec, language()

    def roles(self, ids: Iterable[str]) -> str:
        return self._join(ids, {key: role.title for key, role in self._spec.roles.items()})

    def forms(self, ids: Iterable[str]) -> str:
        return self._join(ids, {key: form.title for key, form in self._spec.forms.items()})

    def states(self, ids: Iterable[str]) -> str:
        return self._join(ids, {key: state.title for key, state in self._spec.states.items()})

    def _join(self, ids: Iterable[str], titles: Mapping[str, Any]) -> str:
        source = self._spec.language
        named = (localize(titles[key], self._reader, source) if titles.get(key) else key for key in ids)
        return _(" or ").join(f"«{name}»" for name in named)
