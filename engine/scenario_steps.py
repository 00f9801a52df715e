"""Where a scenario's steps go: straight to the service, or through an interface built on it.

A scenario says what a coordinator does (open, fire, done, reopen, form, set, a
web form from its link) and when time passes; `Commands` is the one way those
are sent. `ServiceCommands` calls `engine.service.Service` itself (what `trinn
test` runs); the test suite sends the same steps through the command line, so
each scenario file is the one walk of its playbook through both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from trinn.engine.errors import CommandError
from trinn.engine.files import Upload
from trinn.engine.links import FormLinks, LinkError
from trinn.engine.scenario import Step
from trinn.engine.service import Service

__all__ = ["Commands", "ServiceCommands", "StepRefused", "given", "submit_from_link"]


def given(values: Mapping[str, Any] | None) -> dict[str, Any]:
    """A step's values as a person gives them: a file written in the scenario as
    `{file: NAME, content: TEXT}` is that file sent (its bytes the text's UTF-8)."""
    return {name: _file(value) for name, value in (values or {}).items()}


def _file(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"file", "content"}:
        return Upload(str(value["file"]), str(value["content"]).encode("utf-8"))
    return value


class StepRefused(CommandError):
    """A refusal seen from outside the engine (an interface's exit status and its line), with
    the raw guards that are false as the interface explains them: what a `refused:` matches."""

    def __init__(self, message: str, explained: list[str] | None = None) -> None:
        self.explained = list(explained or [])
        super().__init__(message)


class Commands(Protocol):
    """The steps of one scenario, done by one who holds every role unless a step says `as:`."""

    def open_case(self, playbook: str, values: Mapping[str, Any]) -> int:
        """Open a case of the playbook (a file), with its first fields; its id."""
        ...

    def step(self, case_id: int, step: Step) -> None:
        """One command step (not `advance` or `expect`), done by the person it names `as:`, if
        any (one of the file's `people:`); CommandError if it is refused."""
        ...

    def tick(self) -> None:
        """The clock has moved on: fire what is due now."""
        ...


def submit_from_link(
    service: Service,
    links: FormLinks,
    url: str,
    form: str,
    values: Mapping[str, Any],
    *,
    case_id: int,
    actor: str,
    note: str | None,
) -> None:
    """What `trinn serve` does when the outside party sends the form at `url` (a link as
    `trinn link` prints it): the link is read, then the answers submitted under its claim."""
    token = url.partition("?k=")[2]
    try:
        claim = links.read(token, case_id, form, service.clock())
    except LinkError as exc:
        raise CommandError(f"the link does not open the form '{form}' ({exc.reason})") from None
    service.submit_form(case_id, form, values, actor=actor, note=note, link=claim)


class ServiceCommands:
    """The steps sent to the service itself, as `actor`."""

    def __init__(self, service: Service, actor: str) -> None:
        self.service = service
        self.actor = actor

    def open_case(self, playbook: str, values: Mapping[str, Any]) -> int:
        return self.service.open_case(playbook, given(values), actor=self.actor).id

    def tick(self) -> None:
        self.service.tick()

    def step(self, case_id: int, step: Step) -> None:
        service, actor, note = self.service, step.as_ or self.actor, step.note
        if step.fire is not None:
            advice = step.against_advice
            values = given(step.with_)
            service.fire(case_id, step.fire, actor=actor, values=values, note=note, against_advice=advice)
        elif step.done is not None:
            service.complete_task(case_id, step.done, actor=actor, item=step.item, note=note)
        elif step.reopen is not None:
            service.reopen_task(case_id, step.reopen, actor=actor, item=step.item, note=note)
        elif step.form is not None:
            service.submit_form(case_id, step.form, given(step.with_), actor=actor, note=note, item=step.item)
        elif step.web is not None:
            self.web(case_id, step.web, given(step.with_), actor, note, step.item)
        elif step.set is not None:
            service.set_fields(case_id, given(step.set), actor=actor, note=note)

    def web(
        self,
        case_id: int,
        form: str,
        values: Mapping[str, Any],
        actor: str,
        note: str | None,
        item: str | None = None,
    ) -> None:
        """The outside party opens the form's link (its item's, for a form filled per item), as
        `trinn link` makes it now, and sends it."""
        from trinn.engine.links import case_link

        service = self.service
        assert service.links is not None
        case, compiled, _children = service.queries.load(case_id)
        url, _expires = case_link(service.links, compiled.spec, case, form, service.clock(), item)
        submit_from_link(service, service.links, url, form, values, case_id=case_id, actor=actor, note=note)
