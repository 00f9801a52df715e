"""A scenario's steps through the command line: `trinn --db URL --as tester ...`, as a coordinator
types them (engine/scenario_steps.py's `Commands`).

Every command reads the scenario's clock; values are written as a person writes them
(FIELD=VALUE, lists comma-separated). A refused command exits 1 with its one line on
stderr and nothing on stdout; a refused `fire` is then explained by `trinn can --explain`,
so a scenario's `refused:` may name the false guard here too. A `web` step takes its link
from `trinn link`, then sends the form as `trinn serve` does.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from trinn.engine.errors import TrinnError
from trinn.engine.files import Upload
from trinn.engine.links import BASE_URL_ENV, KEY_ENV, FormLinks, load_key
from trinn.engine.scenario import Step
from trinn.engine.scenario_run import ACTOR, SCENARIO_BASE_URL
from trinn.engine.scenario_steps import StepRefused, given, submit_from_link
from trinn.engine.service import Service
from trinn.tui.cli import app

__all__ = ["CliCommands", "as_typed", "trinn"]

_UNSET = ("TRINN_DB", "TRINN_USER", "TRINN_PEOPLE", "TRINN_PLAYBOOKS", "TRINN_LANG", "TRINN_CHANNELS")


def as_typed(value: Any) -> str:
    """A value as the command line writes it: lists comma-separated, true/false, empty for none."""
    if isinstance(value, list):
        return ",".join(as_typed(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _pairs(values: Mapping[str, Any] | None, folder: Path) -> list[str]:
    """FIELD=VALUE arguments; a file the scenario writes inline (`{file, content}`) is written
    into `folder` and given as FIELD=@PATH, as a person gives one."""
    pairs = []
    for name, value in given(values).items():
        if isinstance(value, Upload):
            path = (
                folder / f"upload-{len(list(folder.glob('upload-*')))}" / Path(value.name).name
            )  # as on a disk
            path.parent.mkdir(parents=True)
            path.write_bytes(value.content)
            pairs.append(f"{name}=@{path}")
        else:
            pairs.append(f"{name}={as_typed(value)}")
    return pairs


def trinn(
    service: Service,
    database: str,
    key_file: Path,
    *args: str,
    people: Path | None = None,
    actor: str = ACTOR,
) -> Result:
    """Run `trinn --db DATABASE --as ACTOR --lang en ARGS` at the service's time, with no
    channels (messages wait in the outbox) and no people file unless given (without one,
    the tester holds every role)."""
    env: dict[str, str | None] = dict.fromkeys(_UNSET)
    env |= {KEY_ENV: str(key_file), BASE_URL_ENV: SCENARIO_BASE_URL}
    who = ["--as", actor, *(["--people", str(people)] if people is not None else [])]
    result = CliRunner().invoke(
        app, ["--db", database, *who, "--lang", "en", *args], obj=service.clock, env=env
    )
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback instead of an exit status: always a bug
    return result


class CliCommands:
    """The steps of one scenario typed at `trinn`, on the run's database and clock."""

    def __init__(self, service: Service, database: str, key_file: Path) -> None:
        self.service = service
        self.database = database
        self.key_file = key_file

    def __call__(self, *args: str, step: Step | None = None) -> str:
        """One command (by who `step` says it is done by): its output, or StepRefused (exit 1)
        or TrinnError (exit 2) with its line."""
        people, actor = None, ACTOR
        if step is not None and step.as_ is not None:  # one of the file's people: a people file
            actor, people = step.as_, self.key_file.with_name("people.yaml")
            listed = {
                p.id: {"name": p.name, "roles": sorted(p.roles)}
                for p in self.service.people.by_id.values()
                if not p.every_role
            }
            people.write_text(json.dumps(listed), encoding="utf-8")
        result = trinn(self.service, self.database, self.key_file, *args, people=people, actor=actor)
        if result.exit_code == 0:
            return result.stdout
        said = result.stderr.strip().removeprefix("trinn: ")
        assert result.stdout == "" and "\n" not in said, (args, result.stdout, result.stderr)
        if result.exit_code == 1:
            raise StepRefused(said)
        raise TrinnError(f"exit status {result.exit_code}: {said}")

    def open_case(self, playbook: str, values: Mapping[str, Any]) -> int:
        printed = self(
            "open",
            playbook,
            *(arg for pair in _pairs(values, self.key_file.parent) for arg in ("--set", pair)),
        )
        assert printed.strip().isdigit(), printed  # the new case's id, alone on its line
        return int(printed)

    def tick(self) -> None:
        self("tick", "--now", self.service.clock().isoformat())

    def step(self, case_id: int, step: Step) -> None:
        case = str(case_id)
        how = ["--note", step.note] if step.note is not None else []
        item = ["--item", step.item] if step.item is not None else []
        if step.fire is not None:
            sets = [arg for pair in _pairs(step.with_, self.key_file.parent) for arg in ("--set", pair)]
            if step.against_advice is not None:
                sets += ["--against-advice", step.against_advice]
            try:
                self("fire", case, step.fire, *sets, *how, step=step)
            except StepRefused as refused:
                raise StepRefused(refused.message, self.explained(case, step.fire)) from None
        elif step.done is not None:
            self("done", case, step.done, *item, *how, step=step)
        elif step.reopen is not None:
            self("reopen", case, step.reopen, *item, *how, step=step)
        elif step.form is not None:
            self("form", case, step.form, *_pairs(step.with_, self.key_file.parent), *item, *how, step=step)
        elif step.set is not None:
            self("set", case, *_pairs(step.set, self.key_file.parent), *how, step=step)
        elif step.web is not None:
            self.web(case_id, step, step.web)

    def explained(self, case: str, trigger: str) -> list[str]:
        """The raw guards of `trigger` that are false now, as `trinn can --explain` shows them."""
        listed = json.loads(self("can", case, "--json", "--explain"))
        return [text for p in listed if p["trigger"] == trigger for text in p.get("explained", [])]

    def web(self, case_id: int, step: Step, form: str) -> None:
        """`trinn link CASE FORM` prints the link; the outside party opens it and sends the form."""
        item = ["--item", step.item] if step.item is not None else []
        link = json.loads(self("link", str(case_id), form, *item, "--json"))
        links = FormLinks(load_key(str(self.key_file)), SCENARIO_BASE_URL)
        actor = step.as_ or ACTOR
        submit_from_link(
            self.service,
            links,
            link["url"],
            form,
            given(step.with_),
            case_id=case_id,
            actor=actor,
            note=step.note,
        )
