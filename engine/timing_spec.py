"""Time in the playbook format: reminders, timers, case-wide deadlines and meetings.

Their cross-references (fields, states, roles) are checked by engine.timing_checks.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from trinn.engine.scalar_spec import Duration, Expr, Id, SpecModel, Text, WhenText
from trinn.engine.spec_base import DeadlineMetBase, MeetingBase, ScheduledBase

__all__ = [
    "DeadlineMetSpec",
    "DeadlineSpec",
    "DeadlineStartSpec",
    "MeetingSpec",
    "ReminderSpec",
    "TimerSpec",
]


class _Scheduled(ScheduledBase, SpecModel):
    """When something happens while a case stays in a state: `after` it entered, or `at` a
    moment relative to a date field; exactly one of the two."""

    after: Duration | None = None
    at: WhenText | None = Field(
        None, description="'moetetid', '1 days before moetetid', '3 days after oppfolgingsdato'"
    )

    @model_validator(mode="after")
    def _after_or_at(self) -> _Scheduled:
        if (self.after is None) == (self.at is None):
            raise ValueError("give exactly one of 'after' (from entering the state) and 'at' (a date field)")
        return self


class ReminderSpec(_Scheduled):
    """A message sent some time after a state is entered (`after`), or at a moment relative to
    a date field (`at`), while the case stays there."""

    to: Id | Annotated[list[Id], Field(min_length=1)]
    message: Id | None = None
    every: Duration | None = Field(None, description="repeat at this interval")


class TimerSpec(_Scheduled):
    """Fire a trigger by itself when the case has stayed in a state this long (`after`), or at
    a moment relative to a date field (`at`)."""

    fire: Id = Field(description="a trigger with a transition out of this state")


class DeadlineStartSpec(SpecModel):
    """What starts a case-wide deadline: entering a state, or a field getting a value."""

    enter: Id | None = Field(None, description="a state: entering it starts the deadline")
    set: Id | None = Field(None, description="a field: its getting a value starts the deadline")

    @model_validator(mode="after")
    def _one(self) -> DeadlineStartSpec:
        if (self.enter is None) == (self.set is None):
            raise ValueError("a deadline starts at exactly one of 'enter' (a state) and 'set' (a field)")
        return self


class DeadlineMetSpec(DeadlineMetBase, SpecModel):
    """What meets a deadline: reaching a state, or a CEL condition becoming true."""

    state: Id | Annotated[list[Id], Field(min_length=1)] | None = None
    when: Expr | None = Field(None, description="a CEL condition over the case")

    @model_validator(mode="after")
    def _one(self) -> DeadlineMetSpec:
        if self.state is None and self.when is None:
            raise ValueError("a deadline is met by 'state' (reaching it) or 'when' (a condition)")
        return self


class DeadlineSpec(SpecModel):
    """A deadline over the whole case: from its start until it is met, whatever states it passes."""

    title: Text
    start: DeadlineStartSpec
    within: Duration = Field(description="late this long after the start")
    met: DeadlineMetSpec
    remind: list[ReminderSpec] = Field(default_factory=list, description="'after' counts from the start")
    escalate: list[ReminderSpec] = Field(default_factory=list, description="'after' counts from the start")


_MEETING_LENGTH = r"^[1-9][0-9]{0,3} (minutes?|hours?|days?)$"


class MeetingSpec(MeetingBase, SpecModel):
    """A state or a task that is a meeting: its participants get a calendar invitation (iCalendar)."""

    time: Id = Field(description="a datetime field: when the meeting starts")
    duration: Annotated[str, StringConstraints(pattern=_MEETING_LENGTH)] = Field(
        "1 hours", description="how long it lasts: '30 minutes', '2 hours', '1 days'"
    )
    title: Text | None = Field(
        None, description="the invitation's summary; default: the state's or task's title"
    )
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
