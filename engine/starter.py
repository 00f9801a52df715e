"""The files `trinn new` writes: a small playbook in one language, and scenarios taking all of it.

The playbook is the smallest one with every part a real one has (roles, a
form, a due date, a reminder, messages, a guard, a positive and a negative
end), and it checks, lints and tests clean; a test keeps it so.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib.resources import files
from string import Template

from trinn.engine.schema import json_schema_text

__all__ = ["starter_files"]

_PLAYBOOK = Template("""\
# yaml-language-server: $$schema=playbook.schema.json
# Made by `trinn new`. Check it with `trinn check $file`, lint it with
# `trinn lint $file`, and run its scenarios with `trinn test $file --coverage`.
id: $id
version: 1
language: $lang
title: $title
subject: {title: $case, field: $name}

roles:
  $coordinator: {title: $coordinator_t}
  $board: {title: $board_t}

fields:
  $name: {type: text, required: true, label: $name_t}
  $email: {type: email, label: $email_t}
  $text: {type: long_text, label: $text_t}
  $reason: {type: long_text, label: $reason_t, edit: [$board]}

forms:
  $form:
    title: $form_t
    fields: [$text, $email]

messages:
  $msg_review:
    title: "$msg_review_t"
    body: "$msg_review_b"
  $msg_remind:
    title: "$msg_remind_t"
    body: "$msg_remind_b"
  $msg_yes:
    title: "$msg_yes_t"
    body: "$msg_yes_b"
  $msg_no:
    title: "$msg_no_t"
    body: "$msg_no_b"

initial: $created
states:
  $created:
    title: $created_t
    tasks:
      - {id: $describe, title: $describe_t, role: $coordinator, form: $form, due: 5 workdays}
  $review:
    title: $review_t
    tasks:
      - {id: $handle, title: $handle_t, role: $board, due: 10 workdays}
    remind:
      - {after: 10 workdays, to: $board, message: $msg_remind}
  $approved:
    title: $approved_t
    final: true
    outcome: positive
  $rejected:
    title: $rejected_t
    final: true
    outcome: negative

transitions:
  - trigger: $send
    title: $send_t
    from: $created
    to: $review
    by: $coordinator
    when: tasks.$describe.done
    do:
      - notify: {to: $board, message: $msg_review}
  - trigger: $approve
    title: $approve_t
    from: $review
    to: $approved
    by: $board
    when: tasks.$handle.done
    do:
      - notify: {to: $coordinator, to_field: $email, message: $msg_yes}
  - trigger: $reject
    title: $reject_t
    from: $review
    to: $rejected
    by: $board
    when: tasks.$handle.done && $reason != null && size($reason) > 0
    do:
      - notify: {to: $coordinator, to_field: $email, message: $msg_no}
""")

_SCENARIOS = Template("""\
# Scenarios for $file: run them with `trinn test $test_file --coverage`.
scenarios:
  - name: $s_yes
    open: {$name: $example}
    steps:
      - fire: $send
        refused: "tasks.$describe.done = false"
      - form: $form
        with: {$text: $example_text, $email: kontakt@example.org}
      - fire: $send
      - expect:
          state: $review
          tasks: [$handle]
          due: {$handle: 2026-01-19}
          messages: [{to: $board, message: $msg_review}]
      - advance: 10 workdays
      - expect:
          messages: [{to: $board, message: $msg_remind}]
      - done: $handle
      - fire: $approve
      - expect:
          state: $approved
          closed: true
          outcome: positive
          messages: [{to: kontakt@example.org, message: $msg_yes}]

  - name: $s_no
    open: {$name: $example}
    steps:
      - form: $form
        with: {$text: $example_text}
      - fire: $send
      - done: $handle
      - fire: $reject
        refused: "$reason = null"
      - fire: $reject
        with: {$reason: $example_reason}
      - expect:
          state: $rejected
          outcome: negative
          messages:
            - {to: $board, message: $msg_review}
            - {to: $coordinator, message: $msg_no}
""")


@cache
def _words() -> dict[str, dict[str, str]]:
    """The starting playbook's words, each in every language `trinn new` writes (ids are words
    too, so a Danish playbook reads Danish throughout); data, like the catalogues."""
    text = files("trinn.engine").joinpath("starter_words.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


_ID = re.compile(r"^[a-z][a-z0-9_.-]*$")


def starter_files(name: str, language: str) -> dict[str, str]:
    """File name -> text of the starting playbook, its scenarios, and the schema beside them."""
    if not _ID.match(name) or len(name) > 100:
        raise ValueError(
            f"invalid playbook name '{name}' (lowercase letters, digits, '.', '-' "
            "and '_', starting with a letter)"
        )
    # the name becomes `<name>.yaml`: a suffix here would double it, or make the playbook look
    # like a scenario file (`x.test.yaml`) that check and lint then pass over
    for suffix in (".yaml", ".yml", ".test"):
        if name.endswith(suffix):
            raise ValueError(
                f"invalid playbook name '{name}' (without '{suffix}': try '{name.removesuffix(suffix)}')"
            )
    words = {key: row[language] for key, row in _words().items()}
    playbook = f"{name}.yaml"
    values = {**words, "id": name, "lang": language, "file": playbook, "test_file": f"{name}.test.yaml"}
    return {
        playbook: _PLAYBOOK.substitute(values),
        f"{name}.test.yaml": _SCENARIOS.substitute(values),
        "playbook.schema.json": json_schema_text(),
    }
