"""The files `trinn new` writes: a small playbook in one language, and scenarios taking all of it.

The playbook is the smallest one with every part a real one has (roles, a
form, a due date, a reminder, messages, a guard, a positive and a negative
end), and it checks, lints and tests clean; a test keeps it so.
"""

from __future__ import annotations

import re
from string import Template

from trinn.engine.schema import json_schema_text

__all__ = ["starter_files"]

# the words of the starting playbook, each in every language trinn new writes (the order of
# _LANGUAGES): ids are words too, so a Danish playbook reads Danish throughout
_LANGUAGES = ("da", "nb", "en")
_WORDS: dict[str, tuple[str, str, str]] = {
    "title": ("Ny proces", "Ny prosess", "New process"),
    "case": ("Sag", "Sak", "Case"),
    "coordinator": ("koordinator", "koordinator", "coordinator"),
    "coordinator_t": ("Koordinator", "Koordinator", "Coordinator"),
    "board": ("styregruppen", "styringsgruppen", "board"),
    "board_t": ("Styregruppen", "Styringsgruppen", "The board"),
    "name": ("navn", "navn", "name"),
    "name_t": ("Navn", "Navn", "Name"),
    "email": ("kontakt_email", "kontakt_epost", "contact_email"),
    "email_t": ("Kontaktpersonens e-mail", "Kontaktpersonens e-post", "Contact e-mail"),
    "text": ("beskrivelse", "beskrivelse", "description"),
    "text_t": ("Beskrivelse", "Beskrivelse", "Description"),
    "reason": ("begrundelse", "begrunnelse", "reason"),
    "reason_t": ("Begrundelse", "Begrunnelse", "Reason"),
    "form": ("beskriv_sagen", "beskriv_saken", "describe_case"),
    "form_t": ("Beskriv sagen", "Beskriv saken", "Describe the case"),
    "created": ("oprettet", "opprettet", "created"),
    "created_t": ("Oprettet", "Opprettet", "Created"),
    "review": ("til_behandling", "til_behandling", "in_review"),
    "review_t": (
        "Til behandling i styregruppen",
        "Til behandling i styringsgruppen",
        "In review by the board",
    ),
    "approved": ("godkendt", "godkjent", "approved"),
    "approved_t": ("Godkendt", "Godkjent", "Approved"),
    "rejected": ("afvist", "avvist", "rejected"),
    "rejected_t": ("Afvist", "Avvist", "Rejected"),
    "describe": ("beskriv", "beskriv", "describe"),
    "describe_t": ("Beskriv sagen", "Beskriv saken", "Describe the case"),
    "handle": ("behandl", "behandle", "review"),
    "handle_t": ("Behandl sagen", "Behandle saken", "Review the case"),
    "send": ("send_til_behandling", "send_til_behandling", "send_for_review"),
    "send_t": ("Send til behandling", "Send til behandling", "Send for review"),
    "approve": ("godkend", "godkjenn", "approve"),
    "approve_t": ("Godkend", "Godkjenn", "Approve"),
    "reject": ("afvis", "avvis", "reject"),
    "reject_t": ("Afvis", "Avvis", "Reject"),
    "msg_review": ("til_behandling", "til_behandling", "for_review"),
    "msg_review_t": ("Til behandling: {{ navn }}", "Til behandling: {{ navn }}", "For review: {{ name }}"),
    "msg_review_b": (
        "Sagen {{ navn }} er klar til behandling i styregruppen.",
        "Saken {{ navn }} er klar til behandling i styringsgruppen.",
        "The case {{ name }} is ready for the board's review.",
    ),
    "msg_remind": ("paamindelse", "purring", "reminder"),
    "msg_remind_t": (
        "Påmindelse: {{ navn }} venter på behandling",
        "Purring: {{ navn }} venter på behandling",
        "Reminder: {{ name }} awaits review",
    ),
    "msg_remind_b": (
        "Sagen {{ navn }} venter stadig på styregruppens behandling.",
        "Saken {{ navn }} venter fortsatt på styringsgruppens behandling.",
        "The case {{ name }} still awaits the board's review.",
    ),
    "msg_yes": ("godkendt", "godkjent", "approved"),
    "msg_yes_t": ("{{ navn }} er godkendt", "{{ navn }} er godkjent", "{{ name }} is approved"),
    "msg_yes_b": (
        "Styregruppen har godkendt {{ navn }}.",
        "Styringsgruppen har godkjent {{ navn }}.",
        "The board approved {{ name }}.",
    ),
    "msg_no": ("afvist", "avvist", "rejected"),
    "msg_no_t": ("{{ navn }} er afvist", "{{ navn }} er avvist", "{{ name }} is rejected"),
    "msg_no_b": (
        "Styregruppen har afvist {{ navn }}. Begrundelse: {{ begrundelse }}",
        "Styringsgruppen har avvist {{ navn }}. Begrunnelse: {{ begrunnelse }}",
        "The board rejected {{ name }}. Reason: {{ reason }}",
    ),
    "example": ("Eksempel", "Eksempel", "Example"),
    "example_text": ("Et eksempel på en sag", "Et eksempel på en sak", "An example case"),
    "example_reason": ("Passer ikke", "Passer ikke", "Not a fit"),
    "s_yes": ("styregruppen godkender", "styringsgruppen godkjenner", "the board approves"),
    "s_no": (
        "styregruppen afviser med en begrundelse",
        "styringsgruppen avviser med en begrunnelse",
        "the board rejects with a reason",
    ),
}

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
    column = _LANGUAGES.index(language)
    words = {key: row[column] for key, row in _WORDS.items()}
    playbook = f"{name}.yaml"
    values = {**words, "id": name, "lang": language, "file": playbook, "test_file": f"{name}.test.yaml"}
    return {
        playbook: _PLAYBOOK.substitute(values),
        f"{name}.test.yaml": _SCENARIOS.substitute(values),
        "playbook.schema.json": json_schema_text(),
    }
