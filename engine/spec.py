"""The playbook format as strict, frozen pydantic models (`*Spec`).

These models are the format's one definition: the loader validates against
them, `trinn schema` prints their JSON Schema, and the README documents them
key by key. Cross-references (a task's role, a transition's states, names in
expressions) are checked afterwards by `engine.checks`, which knows positions.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from trinn.engine.action_spec import (
    ActionSpec,
    CustomActionSpec,
    NotifyActionSpec,
    NotifySpec,
    SetActionSpec,
    StartCaseActionSpec,
    StartCaseSpec,
)
from trinn.engine.field_spec import (
    CHOICE_TYPES,
    DEFAULT_LINK_EXPIRY,
    LIST_TYPES,
    FieldSpec,
    FieldType,
    FormSpec,
)
from trinn.engine.i18n import Language
from trinn.engine.limits_spec import LimitsSpec
from trinn.engine.scalar_spec import (
    MAX_DURATION,
    Duration,
    Expr,
    Id,
    PlaybookId,
    SpecModel,
    Text,
    WhenText,
    parse_duration,
)
from trinn.engine.spec_base import PlaybookBase, TransitionBase
from trinn.engine.timing_spec import (
    DeadlineMetSpec,
    DeadlineSpec,
    DeadlineStartSpec,
    MeetingSpec,
    ReminderSpec,
    TimerSpec,
)

# the models of parts live beside it (scalar_spec, field_spec, action_spec, timing_spec); this
# module names them all, so a reader of the format imports from one place
__all__ = [
    "CHOICE_TYPES",
    "DEFAULT_LINK_EXPIRY",
    "LIST_TYPES",
    "MAX_DURATION",
    "ActionSpec",
    "AdviceSpec",
    "CustomActionSpec",
    "DeadlineMetSpec",
    "DeadlineSpec",
    "DeadlineStartSpec",
    "Duration",
    "FieldSpec",
    "FieldType",
    "FormSpec",
    "LintIgnoreSpec",
    "MeetingSpec",
    "MessageSpec",
    "NotifyActionSpec",
    "NotifySpec",
    "PlaybookSpec",
    "ReminderSpec",
    "RoleSpec",
    "SetActionSpec",
    "StartCaseActionSpec",
    "StartCaseSpec",
    "StateSpec",
    "SubjectSpec",
    "TaskSpec",
    "Text",
    "TimerSpec",
    "TransitionSpec",
    "parse_duration",
]


def _check_zone(name: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        if len(name) > 64 or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_+\-/]*", name):
            raise ValueError(name)
        ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):
        raise ValueError(f"unknown time zone '{name}' (write an IANA name, e.g. 'Europe/Oslo')") from None
    return name


class RoleSpec(SpecModel):
    """Who may act: a group of people, or a party outside the system."""

    title: Text
    description: Text | None = None
    external: bool = Field(
        False,
        description="a party outside the system: a coordinator records what it did, "
        "or it fills its public forms itself",
    )


class MessageSpec(SpecModel):
    """A message a `notify` action sends, with a title and a body."""

    title: Text
    body: Text
    attach: list[Annotated[str, StringConstraints(min_length=1, max_length=255)]] = Field(
        default_factory=list,
        description="file fields of the case, or files beside the playbook (a path in its folder), "
        "sent with the message",
    )


class SubjectSpec(SpecModel):
    """What one case is about, and which field names it."""

    title: Text
    field: Id


class TaskSpec(SpecModel):
    """Work a role does while the case is in a state."""

    @model_validator(mode="after")
    def _personal_needs_items(self) -> TaskSpec:
        if self.personal and self.for_each is None:
            raise ValueError("a 'personal' task needs 'for_each' (a person_list field: one item per person)")
        if self.on_behalf and not self.personal:
            raise ValueError("'on_behalf' only applies to a 'personal' task")
        return self

    id: Id
    title: Text
    role: Id
    due: WhenText | None = Field(
        None, description="a duration from entering the state, or relative to a date field"
    )
    optional: bool = False
    instructions: Text | None = None
    for_each: Id | None = Field(None, description="a list field: one task per item")
    form: Id | None = Field(
        None,
        description="the form that completing this task fills; with for_each, each item keeps "
        "its own answers (a record per item)",
    )
    personal: bool = Field(
        False,
        description="with for_each over a person_list: each person does their own item, or a role "
        "of 'on_behalf' records it for them with a note",
    )
    on_behalf: list[Id] = Field(
        default_factory=list, description="roles that may record a personal item on its person's behalf"
    )
    on_complete: list[ActionSpec] = Field(
        default_factory=list, description="actions run when the task (or one item of it) is done"
    )
    meeting: MeetingSpec | None = Field(
        None,
        description="this task is a meeting: invitations go out while it is open; done, the meeting "
        "stands; closed undone, it is cancelled",
    )


class StateSpec(SpecModel):
    """A step of the process: its tasks, what happens on entry, its timers."""

    title: Text
    description: Text | None = None
    tasks: list[TaskSpec] = Field(default_factory=list)
    on_enter: list[ActionSpec] = Field(default_factory=list)
    remind: list[ReminderSpec] = Field(default_factory=list)
    escalate: list[ReminderSpec] = Field(default_factory=list)
    timers: list[TimerSpec] = Field(default_factory=list)
    meeting: MeetingSpec | None = Field(None, description="this step is a meeting; invitations go out")
    final: bool = False
    outcome: Literal["positive", "negative", "neutral"] | None = Field(
        None, description="how a final state ends the case"
    )

    @model_validator(mode="after")
    def _final_is_quiet(self) -> StateSpec:
        if self.outcome is not None and not self.final:
            raise ValueError("only a final state has an 'outcome'")
        return self


class AdviceSpec(SpecModel):
    """A soft rule of a transition: what the method advises; the transition may go against it,
    with a reason (engine.advice)."""

    when: Expr = Field(description="a CEL condition: the advice is met while it is true")
    text: Text = Field(description="the advice in words, as the method says it")


class TransitionSpec(TransitionBase, SpecModel):
    """A move from one or several states to another, fired by a trigger."""

    trigger: Id
    title: Text | None = Field(None, description="the action's label; default: the trigger")
    source: Literal["*"] | Id | Annotated[list[Id], Field(min_length=1)] = Field(
        alias="from", description="a state, a list of states, or '*' for any non-final state"
    )
    to: Id
    by: Id | list[Id] = Field(default_factory=list, description="roles that may fire it")
    when: Expr | None = Field(None, description="a CEL guard; the transition fires only if true")
    because: Text | dict[Expr, Text] | None = Field(
        None,
        description="why it cannot fire while the guard is false, in words: a text for the whole "
        "guard, or a map from parts of the guard (its top-level && parts) to their texts",
    )
    advise: list[AdviceSpec] = Field(
        default_factory=list,
        description="soft rules: when one is not met the transition is still possible, but the "
        "actor confirms with a reason, which the history keeps",
    )
    do: list[ActionSpec] = Field(default_factory=list)


class LintIgnoreSpec(SpecModel):
    """A lint finding the designer has looked at and accepts, with the reason why."""

    rule: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]*$", max_length=64)] = Field(
        description="the rule id, as `trinn lint` prints it"
    )
    at: str | None = Field(
        None,
        description="the id the finding is about (a state, role, field, "
        "form, task or trigger); default: everywhere",
    )
    reason: Annotated[str, StringConstraints(min_length=1)] = Field(
        description="why the finding does not apply here (e.g. what the source text says)"
    )


class PlaybookSpec(PlaybookBase, SpecModel):
    """A whole method: who takes part, what data a case holds, its steps and moves."""

    id: PlaybookId
    version: Annotated[int, Field(ge=1)]
    language: Language
    languages: list[Language] = Field(
        default_factory=list, description="further languages its text maps provide"
    )
    timezone: Annotated[str, AfterValidator(_check_zone)] | None = Field(
        None,
        description="the IANA zone of its dates and times; default: its language's country "
        "(Europe/Oslo for nb, Europe/Copenhagen for da, UTC for en)",
    )
    title: Text
    description: Text | None = None
    source: str | None = Field(None, description="the text this method comes from")
    subject: SubjectSpec
    roles: Annotated[dict[Id, RoleSpec], Field(min_length=1)]
    fields: dict[Id, FieldSpec] = Field(default_factory=dict)
    forms: dict[Id, FormSpec] = Field(default_factory=dict)
    messages: dict[Id, MessageSpec] = Field(default_factory=dict)
    initial: Id
    states: Annotated[dict[Id, StateSpec], Field(min_length=1)]
    transitions: list[TransitionSpec] = Field(default_factory=list)
    deadlines: dict[Id, DeadlineSpec] = Field(
        default_factory=dict, description="case-wide deadlines that survive state changes"
    )
    lint: list[LintIgnoreSpec] = Field(
        default_factory=list, description="lint findings accepted, each with a reason"
    )
    limits: LimitsSpec = Field(default_factory=LimitsSpec, description="caps of engine/limits.py it raises")
