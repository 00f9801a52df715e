"""The fields tab of a case's page: one input per field of the playbook, made once, and the
row version they were filled from (the version a save goes against). A field the person may
not change in the case's state (engine.permissions) is shown greyed, not editable, saying who
may change it, or where: the engine's own refusal, so the screen and a save never disagree.

The inputs are made when the tab is first shown (`reveal`), not with the page: a playbook's
thirty fields are most of the widgets of a case's page, and most visits never open the tab."""

from __future__ import annotations

from typing import Any

from textual.containers import VerticalScroll

from trinn.engine.permissions import field_rule, refusal
from trinn.tui.desk import CasePage
from trinn.tui.i18n import gettext as _
from trinn.tui.widgets.field_input import FieldInput, shown_value

__all__ = ["FieldList"]


class FieldList(VerticalScroll):
    """Inputs made once (a case's fields never change); later reads update the ones the user has
    not touched, so typing is never lost to a refresh."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.filled_from: int | None = None  # the row version the inputs show; a save names it
        self._made = False
        self._revealed = False
        self._waiting: tuple[CasePage, str] | None = None  # the page to make them from, when shown

    def show(self, page: CasePage, actor: str) -> None:
        """Show `page`'s fields, as `actor` (holding `page.roles`) may change them now."""
        if not self._made:
            self._waiting = (page, actor)
            if self._revealed:
                self.reveal()
            return
        self._apply_rules(page, actor, list(self.query(FieldInput)))
        dirty = self.dirty()
        for field in self.query(FieldInput):
            if field not in dirty and field.initial != page.case.fields.get(field.field_name):
                field.set_value(page.case.fields.get(field.field_name))
        if not dirty:
            self.filled_from = page.case.row_version

    def reveal(self, *, focus_first: bool = False) -> bool:
        """The tab is shown: make the inputs (from the page last shown) if not yet made, the
        first one this person may change taking the focus as it is mounted if `focus_first`
        (a focus asked for now, before the keys typed after it). Whether they were made now."""
        self._revealed = True
        if self._made or self._waiting is None:
            return False
        page, actor = self._waiting
        self._waiting = None
        spec = page.spec
        inputs = [
            FieldInput(name, field, page.case.fields.get(name), spec.language, zone=spec.timezone)
            for name, field in spec.fields.items()
        ]
        self._apply_rules(page, actor, inputs)
        first = next((i for i in inputs if i.held_back is None), None)
        if focus_first and first is not None:
            first.take_focus = True
        self.mount_all(inputs)
        self._made = True
        self.filled_from = page.case.row_version
        return True

    def _apply_rules(self, page: CasePage, actor: str, inputs: list[FieldInput]) -> None:
        state = page.case.state
        for field in inputs:
            rule = field_rule(page.spec, field.field_name)
            field.hold_back(refusal(page.spec, rule, actor=actor, roles=page.roles, state=state, how="set"))

    def dirty(self) -> list[FieldInput]:
        """The fields typed in but not saved."""
        return [f for f in self.query(FieldInput) if f.dirty]

    def rebase(self, page: CasePage) -> None:
        """After a conflict, with the page as it is now: typed values stay, each told what the
        other change left there, and the next save goes against the new version."""
        for field in self.dirty():
            now = page.case.fields.get(field.field_name)
            if now != field.initial:
                field.set_error(
                    _("changed meanwhile to '{value}'; Save again to replace it").format(
                        value=shown_value(field.spec, now, page.spec.language, page.spec.timezone)
                    )
                )
            field.initial = now  # what a save now replaces, as the user was just told
        self.filled_from = page.case.row_version
