"""Soft rules: a transition's advice, which a person may go against, with a reason.

Methods say "should" as often as "must". A guard (`when`) is a "must"; `advise` is a
"should":

    - trigger: etabler
      when: "size(fagomrader) >= 2"                  # must: refused while false
      advise:
        - when: "size(deltakere) >= 8 && size(deltakere) <= 15"
          text: {nb: Arbeidsgruppen bør være mellom 8 og 15 personer}

When the guard holds but an advice's condition is false, the transition is still possible:
the person firing it confirms with a reason (`trinn fire --against-advice REASON`, a dialog
in the app), and the history keeps the advice and the reason. Without a reason the command
is refused, saying the advice. An advice whose condition cannot be evaluated (a value it
needs is missing) counts as not met: the person is asked rather than the advice dropped.
Advice is read from the same view of the case as the guard, so both agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from trinn.engine.errors import CommandError, ExpressionError
from trinn.engine.expressions import CompiledExpression, Context
from trinn.engine.i18n import gettext as _
from trinn.engine.i18n import language
from trinn.engine.text import localize
from trinn.engine.values import MAX_NOTE, ValueProblem, check_text

if TYPE_CHECKING:
    from trinn.engine.spec import AdviceSpec, PlaybookSpec

__all__ = ["CompiledAdvice", "advice_refusal", "against_advice_words", "checked_reason", "said", "unmet"]


@dataclass(frozen=True)
class CompiledAdvice:
    """One advice of a transition, its condition compiled with the playbook's expressions."""

    spec: AdviceSpec
    condition: CompiledExpression


def unmet(advice: Sequence[CompiledAdvice], context: Context) -> list[CompiledAdvice]:
    """The advice whose condition is not true in `context` (false, or not evaluable)."""
    found = []
    for one in advice:
        try:
            met = one.condition.evaluate(context) is True
        except ExpressionError:
            met = False
        if not met:
            found.append(one)
    return found


def said(spec: PlaybookSpec, advice: Sequence[CompiledAdvice], lang: str | None = None) -> list[str]:
    """The advice in words, in `lang` (default: the language the engine speaks now)."""
    return [localize(one.spec.text, lang or language(), spec.language) for one in advice]


def against_advice_words(texts: Sequence[str]) -> str:
    """What `trinn can` and the app say of a step allowed only against advice."""
    return _("allowed, against advice: {advice}").format(advice="; ".join(texts))


def advice_refusal(texts: Sequence[str]) -> CommandError:
    """The refusal of a step taken against advice without a reason."""
    return CommandError(
        _("against advice: {advice} (to go ahead anyway, give the reason with --against-advice)").format(
            advice="; ".join(texts)
        )
    )


def checked_reason(reason: str | None) -> str | None:
    """A reason for going against advice, kept as trinn keeps all text; empty is no reason."""
    if reason is None:
        return None
    try:
        text = check_text(reason, lines=True, limit=MAX_NOTE)
    except ValueProblem as problem:
        raise CommandError(_("the reason: {problem}").format(problem=problem)) from None
    if not text.strip():
        raise CommandError(_("the reason for going against advice is empty"))
    return text


def recorded(spec: PlaybookSpec, advice: Sequence[CompiledAdvice], reason: str) -> dict[str, Any]:
    """What the history keeps of a step taken against advice: the advice in the playbook's
    language (as the method says it) and the person's reason."""
    return {"advice": said(spec, advice, spec.language), "reason": reason}
