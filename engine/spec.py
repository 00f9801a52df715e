"""The playbook format as strict, frozen pydantic models (`*Spec`).

These models are the format's one definition: the loader validates against
them, `trinn schema` prints their JSON Schema, and the README documents them
key by key. Cross-references (a task's role, a transition's states, names in
expressions) are checked afterwards by `engine.checks`, which knows positions.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    RootModel,
    StringConstraints,
    Tag,
    model_validator,
)

from trinn.engine.durations import Duration, WhenText, parse_duration
from trinn.engine.i18n import LANGUAGES, Language
from trinn.engine.limits_spec import LimitsSpec

__all__ = [
    "DEFAULT_LINK_EXPIRY",
    "ActionSpec",
    "AdviceSpec",
    "CustomActionSpec",
    "DeadlineMetSpec",
    "DeadlineSpec",
    "DeadlineStartSpec",
    "Duration",
    "FieldSpec",
    "FieldType",
    "FileKind",
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

Id = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
PlaybookId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.-]*$", max_length=100)]
Expr = Annotated[str, StringConstraints(min_length=1)]

# Text shown to people: one string, or the same text in several languages.
Text = Annotated[
    str | Annotated[dict[Language, str], Field(min_length=1)],
    Field(description="A string, or a map of languages: {nb: ..., da: ..., en: ...}"),
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


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class RoleSpec(_Spec):
    """Who may act: a group of people, or a party outside the system."""

    title: Text
    description: Text | None = None
    external: bool = Field(
        False,
        description="a party outside the system: a coordinator records what it did, "
        "or it fills its public forms itself",
    )


class FieldType(StrEnum):
    text = "text"
    long_text = "long_text"
    email = "email"
    url = "url"
    phone = "phone"
    number = "number"
    money = "money"
    bool = "bool"
    date = "date"
    datetime = "datetime"  # a moment: stored UTC, typed and shown in the playbook's zone
    choice = "choice"
    multi_choice = "multi_choice"
    text_list = "text_list"
    email_list = "email_list"  # e-mail addresses: a notify to it sends one message per address
    person = "person"
    person_list = "person_list"
    file = "file"  # an uploaded file, kept by its sha256 (engine.files); the value says its name


LIST_TYPES = frozenset(
    {FieldType.multi_choice, FieldType.text_list, FieldType.email_list, FieldType.person_list}
)
CHOICE_TYPES = frozenset({FieldType.choice, FieldType.multi_choice})
# the kinds of file a `file` field may take, known by their first bytes (engine.files)
FileKind = Literal["pdf", "png", "jpeg", "gif", "docx", "xlsx", "odt", "txt"]


class FieldSpec(_Spec):
    """One typed item of a case's data."""

    type: FieldType
    label: Text
    help: Text | None = None
    required: bool = Field(False, description="must have a value when the case is opened")
    default: Any = None
    options: list[Id] | None = Field(None, description="the choices of a choice or multi_choice")
    option_labels: dict[Id, Text] | None = None
    edit: list[Id] | None = Field(
        None,
        description="roles that may change it freely (trinn set, fire --set, the field editor); "
        "default: none, a form's field is filled through its form",
    )
    in_states: list[Id] | None = Field(
        None, alias="in", description="the states in which people may write it; default: any"
    )
    negative: bool = Field(False, description="a money field that may hold amounts below zero")
    accept: list[FileKind] | None = Field(
        None, description="the kinds of file a file field takes (default: all: pdf, png, jpeg, ...)"
    )

    @model_validator(mode="after")
    def _options_fit_type(self) -> FieldSpec:
        if self.type in CHOICE_TYPES and not self.options:
            raise ValueError(f"a '{self.type.value}' field needs 'options'")
        if self.type not in CHOICE_TYPES and self.options is not None:
            raise ValueError(f"'options' only apply to choice fields, not '{self.type.value}'")
        if self.negative and self.type is not FieldType.money:
            raise ValueError(f"'negative' only applies to money fields, not '{self.type.value}'")
        if self.accept is not None and self.type is not FieldType.file:
            raise ValueError(f"'accept' only applies to file fields, not '{self.type.value}'")
        return self


DEFAULT_LINK_EXPIRY = "30 days"


class FormSpec(_Spec):
    """Fields filled together at one step; a public one by an outside party, from a link."""

    title: Text
    intro: Text | None = None
    fields: Annotated[list[Id], Field(min_length=1)]
    on_submit: list[ActionSpec] = Field(
        default_factory=list, description="actions run when the form is filled, in the same command"
    )
    public: bool = Field(
        False,
        description="filled by an outside party through a signed link (`form_link`, `trinn serve`); "
        "its task belongs to an external role",
    )
    expires: Duration | None = Field(
        None, description=f"how long a link to this public form works (default: {DEFAULT_LINK_EXPIRY})"
    )
    fires: Id | Annotated[list[Id], Field(min_length=1)] = Field(
        default_factory=list,
        description="triggers tried in order once the outside party has sent the form; "
        "the first whose guard holds fires",
    )

    @model_validator(mode="after")
    def _link_settings_need_public(self) -> FormSpec:
        if not self.public and (self.expires is not None or self.fires):
            raise ValueError("'expires' and 'fires' only apply to a form with 'public: true'")
        return self

    @property
    def triggers(self) -> list[str]:
        return [self.fires] if isinstance(self.fires, str) else list(self.fires)

    @property
    def link_expiry(self) -> str:
        return self.expires or DEFAULT_LINK_EXPIRY


class MessageSpec(_Spec):
    """A message a `notify` action sends, with a title and a body."""

    title: Text
    body: Text
    attach: list[Annotated[str, StringConstraints(min_length=1, max_length=255)]] = Field(
        default_factory=list,
        description="file fields of the case, or files beside the playbook (a path in its folder), "
        "sent with the message",
    )


class SubjectSpec(_Spec):
    """What one case is about, and which field names it."""

    title: Text
    field: Id


class TaskSpec(_Spec):
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


class ReminderSpec(_Spec):
    """A message sent some time after a state is entered (`after`), or at a moment relative to
    a date field (`at`), while the case stays there."""

    after: Duration | None = None
    at: WhenText | None = Field(
        None, description="'moetetid', '1 days before moetetid', '3 days after oppfolgingsdato'"
    )
    to: Id | Annotated[list[Id], Field(min_length=1)]
    message: Id | None = None
    every: Duration | None = Field(None, description="repeat at this interval")

    @model_validator(mode="after")
    def _after_or_at(self) -> ReminderSpec:
        _one_of_after_at(self.after, self.at)
        return self

    @property
    def when(self) -> str:
        return self.after if self.after is not None else str(self.at)


class TimerSpec(_Spec):
    """Fire a trigger by itself when the case has stayed in a state this long (`after`), or at
    a moment relative to a date field (`at`)."""

    after: Duration | None = None
    at: WhenText | None = None
    fire: Id = Field(description="a trigger with a transition out of this state")

    @model_validator(mode="after")
    def _after_or_at(self) -> TimerSpec:
        _one_of_after_at(self.after, self.at)
        return self

    @property
    def when(self) -> str:
        return self.after if self.after is not None else str(self.at)


def _one_of_after_at(after: str | None, at: str | None) -> None:
    if (after is None) == (at is None):
        raise ValueError("give exactly one of 'after' (from entering the state) and 'at' (a date field)")


class NotifySpec(_Spec):
    """Send a message to roles, to one person, or to an address held in a field."""

    to: Id | list[Id] = Field(default_factory=list, description="role ids")
    to_person: str | None = Field(None, description="a person id from the people file")
    to_field: Id | None = Field(None, description="an email or person field of the case")
    message: Id
    channel: str | None = Field(None, description="a channel tag; default: the recipients' own")

    @model_validator(mode="after")
    def _has_recipient(self) -> NotifySpec:
        if not self.to and self.to_person is None and self.to_field is None:
            raise ValueError("a notify needs 'to', 'to_person' or 'to_field'")
        return self


class StartCaseSpec(_Spec):
    """Open a case of another playbook, linked to this one as its parent."""

    playbook: PlaybookId
    fields: dict[Id, Expr] = Field(
        default_factory=dict, description="the new case's fields, from expressions"
    )


class NotifyActionSpec(_Spec):
    notify: NotifySpec


class SetActionSpec(_Spec):
    set: Annotated[dict[Id, Expr], Field(min_length=1, description="field: CEL expression")]


class StartCaseActionSpec(_Spec):
    start_case: StartCaseSpec


class CustomActionSpec(RootModel[dict[Id, dict[str, Any]]]):
    """An action an organisation registered (`engine.actions.register_action`)."""

    model_config = ConfigDict(frozen=True)

    @model_validator(mode="after")
    def _one_kind(self) -> CustomActionSpec:
        if len(self.root) != 1:
            raise ValueError("an action is a map with exactly one key, its kind")
        return self

    @property
    def kind(self) -> str:
        return next(iter(self.root))

    @property
    def params(self) -> dict[str, Any]:
        return self.root[self.kind]


BUILTIN_ACTIONS = ("notify", "set", "start_case")


def _action_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        keys = list(value)
    elif isinstance(value, BaseModel):
        return {NotifyActionSpec: "notify", SetActionSpec: "set", StartCaseActionSpec: "start_case"}.get(
            type(value), "custom"
        )
    else:
        return None
    if len(keys) == 1 and keys[0] in BUILTIN_ACTIONS:
        return str(keys[0])
    return "custom"


ActionSpec = Annotated[
    Annotated[NotifyActionSpec, Tag("notify")]
    | Annotated[SetActionSpec, Tag("set")]
    | Annotated[StartCaseActionSpec, Tag("start_case")]
    | Annotated[CustomActionSpec, Tag("custom")],
    Discriminator(
        _action_kind,
        custom_error_type="action",
        custom_error_message="an action is a map with exactly one key, its kind",
    ),
]


class StateSpec(_Spec):
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


class AdviceSpec(_Spec):
    """A soft rule of a transition: what the method advises; the transition may go against it,
    with a reason (engine.advice)."""

    when: Expr = Field(description="a CEL condition: the advice is met while it is true")
    text: Text = Field(description="the advice in words, as the method says it")


class TransitionSpec(_Spec):
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

    @property
    def sources(self) -> list[str]:
        """The named source states; empty for '*' (see `from_any`)."""
        if self.source == "*":
            return []
        return [self.source] if isinstance(self.source, str) else list(self.source)

    @property
    def from_any(self) -> bool:
        return self.source == "*"

    def because_guard(self) -> str | dict[Language, str] | None:
        """The text `because` gives the whole guard (a string or a map of languages), if any."""
        if isinstance(self.because, str) or (
            isinstance(self.because, dict) and set(self.because) <= set(LANGUAGES)
        ):
            return self.because  # type: ignore[return-value]  # a map of languages, checked above
        return None

    def because_parts(self) -> dict[str, Any]:
        """The texts `because` gives parts of the guard, by the part with its spaces normalised."""
        if self.because is None or self.because_guard() is not None:
            return {}
        assert isinstance(self.because, dict)
        return {" ".join(part.split()): text for part, text in self.because.items()}

    @property
    def roles(self) -> list[str]:
        return [self.by] if isinstance(self.by, str) else list(self.by)


class DeadlineStartSpec(_Spec):
    """What starts a case-wide deadline: entering a state, or a field getting a value."""

    enter: Id | None = Field(None, description="a state: entering it starts the deadline")
    set: Id | None = Field(None, description="a field: its getting a value starts the deadline")

    @model_validator(mode="after")
    def _one(self) -> DeadlineStartSpec:
        if (self.enter is None) == (self.set is None):
            raise ValueError("a deadline starts at exactly one of 'enter' (a state) and 'set' (a field)")
        return self


class DeadlineMetSpec(_Spec):
    """What meets a deadline: reaching a state, or a CEL condition becoming true."""

    state: Id | Annotated[list[Id], Field(min_length=1)] | None = None
    when: Expr | None = Field(None, description="a CEL condition over the case")

    @model_validator(mode="after")
    def _one(self) -> DeadlineMetSpec:
        if self.state is None and self.when is None:
            raise ValueError("a deadline is met by 'state' (reaching it) or 'when' (a condition)")
        return self

    @property
    def states(self) -> list[str]:
        return [] if self.state is None else [self.state] if isinstance(self.state, str) else list(self.state)


class DeadlineSpec(_Spec):
    """A deadline over the whole case: from its start until it is met, whatever states it passes."""

    title: Text
    start: DeadlineStartSpec
    within: Duration = Field(description="late this long after the start")
    met: DeadlineMetSpec
    remind: list[ReminderSpec] = Field(default_factory=list, description="'after' counts from the start")
    escalate: list[ReminderSpec] = Field(default_factory=list, description="'after' counts from the start")


_MEETING_LENGTH = r"^[1-9][0-9]{0,3} (minutes?|hours?|days?)$"


class MeetingSpec(_Spec):
    """A state that is a meeting: its participants get a calendar invitation (iCalendar)."""

    time: Id = Field(description="a datetime field: when the meeting starts")
    duration: Annotated[str, StringConstraints(pattern=_MEETING_LENGTH)] = Field(
        "1 hours", description="how long it lasts: '30 minutes', '2 hours', '1 days'"
    )
    title: Text | None = Field(None, description="the invitation's summary; default: the state's title")
    place: str | None = Field(None, description="where: an address or a video link")
    place_field: Id | None = Field(None, description="a field holding where (a text or url field)")
    agenda: Text | None = None
    to: Id | list[Id] = Field(default_factory=list, description="roles invited")
    to_person: list[str] = Field(default_factory=list, description="people ids invited")
    to_field: Id | list[Id] | None = Field(
        None, description="email, person or list fields holding who is invited (addresses or people ids)"
    )
    organizer: Id | None = Field(None, description="the role that calls the meeting")
    message: Id | None = Field(
        None, description="the message the invitation is written in; default: when, where and the agenda"
    )

    @property
    def to_fields(self) -> list[str]:
        return (
            []
            if self.to_field is None
            else [self.to_field]
            if isinstance(self.to_field, str)
            else list(self.to_field)
        )

    @property
    def length(self) -> dict[str, int]:
        """The duration as `timedelta` keywords: {'minutes': 30}."""
        amount, unit = self.duration.split()
        return {unit if unit.endswith("s") else unit + "s": int(amount)}


class LintIgnoreSpec(_Spec):
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


class PlaybookSpec(_Spec):
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

    def source_states(self, transition: TransitionSpec) -> list[str]:
        """The states `transition` leaves from, with '*' spelled out as every non-final state."""
        if transition.from_any:
            return [state_id for state_id, state in self.states.items() if not state.final]
        return transition.sources

    def all_tasks(self) -> dict[str, TaskSpec]:
        return {task.id: task for state in self.states.values() for task in state.tasks}
