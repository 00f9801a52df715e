"""`trinn lint`: findings about a playbook that checks clean but would hurt the people using it.

Each finding has a position, a rule id and a severity. A playbook accepts a
finding with a reason in its `lint:` list (`{rule: ..., at: <id>, reason: ...}`);
an entry for an unknown rule, or one that silences nothing, is itself a finding,
so silencing never goes stale unnoticed.
"""

from __future__ import annotations

from dataclasses import dataclass

from trinn.engine.errors import did_you_mean
from trinn.engine.lint import time_rules  # noqa: F401  (registers its rules)
from trinn.engine.lint.rules import RULES, Hit, Rule
from trinn.engine.loader import LoadedPlaybook

__all__ = ["RULES", "Finding", "Rule", "lint_playbook"]

_META = {
    "unknown-lint-rule": "error",
    "unused-lint-entry": "warning",
}


@dataclass(frozen=True, order=True)
class Finding:
    """One lint finding, at a 1-based line and column of the playbook."""

    path: str
    line: int
    column: int
    rule: str
    severity: str
    message: str
    hint: str = ""
    subject: str | None = None

    def __str__(self) -> str:
        text = f"{self.path}:{self.line}:{self.column}: {self.severity}: {self.message}"
        return (f"{text} ({self.hint})" if self.hint else text) + f" [{self.rule}]"

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
            "subject": self.subject,
        }


def _place(loaded: LoadedPlaybook, rule: str, severity: str, hit: Hit) -> Finding:
    source_map = loaded.source_map
    line, column = source_map.key(hit.loc) if hit.at_key else source_map.value(hit.loc)
    return Finding(loaded.path, line, column, rule, severity, hit.message, hit.hint, hit.subject)


def lint_playbook(loaded: LoadedPlaybook) -> list[Finding]:
    """Every finding of every rule not accepted by the playbook's `lint:` entries, sorted."""
    entries = loaded.spec.lint
    used = [False] * len(entries)
    findings: list[Finding] = []
    for rule in RULES.values():
        for hit in rule.run(loaded):
            silenced = [
                n
                for n, entry in enumerate(entries)
                if entry.rule == rule.id and entry.at in (None, hit.subject)
            ]
            for n in silenced:
                used[n] = True
            if not silenced:
                findings.append(_place(loaded, rule.id, rule.severity, hit))
    for n, entry in enumerate(entries):
        loc = ("lint", n)
        if entry.rule not in RULES:
            hint = did_you_mean(entry.rule, RULES) or "see `trinn lint --rules`"
            findings.append(
                _place(
                    loaded,
                    "unknown-lint-rule",
                    _META["unknown-lint-rule"],
                    Hit((*loc, "rule"), f"unknown lint rule '{entry.rule}'", hint),
                )
            )
        elif not used[n]:
            where = f" at '{entry.at}'" if entry.at else ""
            findings.append(
                _place(
                    loaded,
                    "unused-lint-entry",
                    _META["unused-lint-entry"],
                    Hit(loc, f"'{entry.rule}'{where} silences nothing", "remove the entry"),
                )
            )
    return sorted(findings)


def rule_table() -> list[tuple[str, str, str]]:
    """(id, severity, summary) of every rule, the entries' own rules last."""
    rows = [(r.id, r.severity, r.summary) for r in RULES.values()]
    rows.append(("unknown-lint-rule", "error", "a 'lint:' entry names no rule"))
    rows.append(("unused-lint-entry", "warning", "a 'lint:' entry that silences nothing"))
    return rows
