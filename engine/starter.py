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

_WORDS = {
    "da": dict(
        title="Ny proces",
        case="Sag",
        coordinator="koordinator",
        coordinator_t="Koordinator",
        board="styregruppen",
        board_t="Styregruppen",
        name="navn",
        name_t="Navn",
        email="kontakt_email",
        email_t="Kontaktpersonens e-mail",
        text="beskrivelse",
        text_t="Beskrivelse",
        reason="begrundelse",
        reason_t="Begrundelse",
        form="beskriv_sagen",
        form_t="Beskriv sagen",
        created="oprettet",
        created_t="Oprettet",
        review="til_behandling",
        review_t="Til behandling i styregruppen",
        approved="godkendt",
        approved_t="Godkendt",
        rejected="afvist",
        rejected_t="Afvist",
        describe="beskriv",
        describe_t="Beskriv sagen",
        handle="behandl",
        handle_t="Behandl sagen",
        send="send_til_behandling",
        send_t="Send til behandling",
        approve="godkend",
        approve_t="Godkend",
        reject="afvis",
        reject_t="Afvis",
        msg_review="til_behandling",
        msg_review_t="Til behandling: {{ navn }}",
        msg_review_b="Sagen {{ navn }} er klar til behandling i styregruppen.",
        msg_remind="paamindelse",
        msg_remind_t="Påmindelse: {{ navn }} venter på behandling",
        msg_remind_b="Sagen {{ navn }} venter stadig på styregruppens behandling.",
        msg_yes="godkendt",
        msg_yes_t="{{ navn }} er godkendt",
        msg_yes_b="Styregruppen har godkendt {{ navn }}.",
        msg_no="afvist",
        msg_no_t="{{ navn }} er afvist",
        msg_no_b="Styregruppen har afvist {{ navn }}. Begrundelse: {{ begrundelse }}",
        example="Eksempel",
        example_text="Et eksempel på en sag",
        example_reason="Passer ikke",
        s_yes="styregruppen godkender",
        s_no="styregruppen afviser med en begrundelse",
    ),
    "nb": dict(
        title="Ny prosess",
        case="Sak",
        coordinator="koordinator",
        coordinator_t="Koordinator",
        board="styringsgruppen",
        board_t="Styringsgruppen",
        name="navn",
        name_t="Navn",
        email="kontakt_epost",
        email_t="Kontaktpersonens e-post",
        text="beskrivelse",
        text_t="Beskrivelse",
        reason="begrunnelse",
        reason_t="Begrunnelse",
        form="beskriv_saken",
        form_t="Beskriv saken",
        created="opprettet",
        created_t="Opprettet",
        review="til_behandling",
        review_t="Til behandling i styringsgruppen",
        approved="godkjent",
        approved_t="Godkjent",
        rejected="avvist",
        rejected_t="Avvist",
        describe="beskriv",
        describe_t="Beskriv saken",
        handle="behandle",
        handle_t="Behandle saken",
        send="send_til_behandling",
        send_t="Send til behandling",
        approve="godkjenn",
        approve_t="Godkjenn",
        reject="avvis",
        reject_t="Avvis",
        msg_review="til_behandling",
        msg_review_t="Til behandling: {{ navn }}",
        msg_review_b="Saken {{ navn }} er klar til behandling i styringsgruppen.",
        msg_remind="purring",
        msg_remind_t="Purring: {{ navn }} venter på behandling",
        msg_remind_b="Saken {{ navn }} venter fortsatt på styringsgruppens behandling.",
        msg_yes="godkjent",
        msg_yes_t="{{ navn }} er godkjent",
        msg_yes_b="Styringsgruppen har godkjent {{ navn }}.",
        msg_no="avvist",
        msg_no_t="{{ navn }} er avvist",
        msg_no_b="Styringsgruppen har avvist {{ navn }}. Begrunnelse: {{ begrunnelse }}",
        example="Eksempel",
        example_text="Et eksempel på en sak",
        example_reason="Passer ikke",
        s_yes="styringsgruppen godkjenner",
        s_no="styringsgruppen avviser med en begrunnelse",
    ),
    "en": dict(
        title="New process",
        case="Case",
        coordinator="coordinator",
        coordinator_t="Coordinator",
        board="board",
        board_t="The board",
        name="name",
        name_t="Name",
        email="contact_email",
        email_t="Contact e-mail",
        text="description",
        text_t="Description",
        reason="reason",
        reason_t="Reason",
        form="describe_case",
        form_t="Describe the case",
        created="created",
        created_t="Created",
        review="in_review",
        review_t="In review by the board",
        approved="approved",
        approved_t="Approved",
        rejected="rejected",
        rejected_t="Rejected",
        describe="describe",
        describe_t="Describe the case",
        handle="review",
        handle_t="Review the case",
        send="send_for_review",
        send_t="Send for review",
        approve="approve",
        approve_t="Approve",
        reject="reject",
        reject_t="Reject",
        msg_review="for_review",
        msg_review_t="For review: {{ name }}",
        msg_review_b="The case {{ name }} is ready for the board's review.",
        msg_remind="reminder",
        msg_remind_t="Reminder: {{ name }} awaits review",
        msg_remind_b="The case {{ name }} still awaits the board's review.",
        msg_yes="approved",
        msg_yes_t="{{ name }} is approved",
        msg_yes_b="The board approved {{ name }}.",
        msg_no="rejected",
        msg_no_t="{{ name }} is rejected",
        msg_no_b="The board rejected {{ name }}. Reason: {{ reason }}",
        example="Example",
        example_text="An example case",
        example_reason="Not a fit",
        s_yes="the board approves",
        s_no="the board rejects with a reason",
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
  $reason: {type: long_text, label: $reason_t}

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
    words = _WORDS[language]
    playbook = f"{name}.yaml"
    values = {**words, "id": name, "lang": language, "file": playbook, "test_file": f"{name}.test.yaml"}
    return {
        playbook: _PLAYBOOK.substitute(values),
        f"{name}.test.yaml": _SCENARIOS.substitute(values),
        "playbook.schema.json": json_schema_text(),
    }
