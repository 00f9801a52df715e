"""`trinn check` for actions (`on_enter`, `do`, `on_complete`, `on_submit`).

Refused, each at its position: a notify to unknown roles, messages or fields, or to a
field that holds no address; a `set` of an unknown field; a `start_case` of a playbook
not known; a custom action no one registered (engine.actions), or with parameters its
registration refuses. Their expressions are compiled by the checker (engine.checker).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from trinn.engine.actions import registered_actions
from trinn.engine.checker import Checker
from trinn.engine.errors import did_you_mean
from trinn.engine.field_types import FieldType
from trinn.engine.source import Loc
from trinn.engine.spec_base import CustomActionBase, NotifyActionBase, SetActionBase, StartCaseActionBase

if TYPE_CHECKING:
    from trinn.engine.spec import (
        ActionSpec,
        CustomActionSpec,
        NotifyActionSpec,
    )

__all__ = ["check_actions"]

_ADDRESS_TYPES = frozenset({FieldType.email, FieldType.email_list, FieldType.person, FieldType.person_list})


def check_actions(checker: Checker, loc: Loc, actions: list[ActionSpec]) -> None:
    for i, action in enumerate(actions):
        aloc = (*loc, i)
        if isinstance(action, NotifyActionBase):
            _notify(checker, (*aloc, "notify"), action)
        elif isinstance(action, SetActionBase):
            for field_id, text in action.set.items():
                if checker.ref((*aloc, "set", field_id), "field", field_id, checker.spec.fields, at_key=True):
                    checker.expression((*aloc, "set", field_id), text)
        elif isinstance(action, StartCaseActionBase):
            start = action.start_case
            if checker.known_playbooks is not None:
                checker.ref(
                    (*aloc, "start_case", "playbook"), "playbook", start.playbook, checker.known_playbooks
                )
            for field_id, text in start.fields.items():
                checker.expression((*aloc, "start_case", "fields", field_id), text)
        elif isinstance(action, CustomActionBase):
            _custom(checker, aloc, action)


def _notify(checker: Checker, loc: Loc, action: NotifyActionSpec) -> None:
    notify = action.notify
    checker.roles((*loc, "to"), notify.to)
    checker.ref((*loc, "message"), "message", notify.message, checker.spec.messages)
    kind = None if notify.to_field is None else checker.field_type((*loc, "to_field"), notify.to_field)
    if kind is not None and kind not in _ADDRESS_TYPES:
        checker.add(
            (*loc, "to_field"),
            f"field '{notify.to_field}' is '{kind.value}', not an address",
            "use an email, email_list, person or person_list field",
        )


def _custom(checker: Checker, loc: Loc, action: CustomActionSpec) -> None:
    registry = registered_actions()
    kind = action.kind
    if kind not in registry:
        known = ["notify", "set", "start_case", *registry]
        checker.add(
            (*loc, kind),
            f"unknown action '{kind}'",
            did_you_mean(kind, known, list_if_few=8),
            at_key=True,
        )
        return
    for problem in registry[kind].check(action.params):
        checker.add((*loc, kind), problem)
