"""A rich Console that shows text safely, for what the command line prints as rich renderables.

Only a rich table (`trinn playbooks`) comes here; text is written by tui/cli/output.py itself.
Strings pass through `engine.shown.shown` before rich reads them (rich would drop a bell or a
carriage return silently), and every rendered segment after, so a table's cells cannot steer
the terminal either. It honours NO_COLOR, as every rich Console does.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console, ConsoleOptions, ConsoleRenderable, RenderHook, RenderResult
from rich.segment import Segment

from trinn.engine.shown import shown

__all__ = ["ShownConsole"]


class _Shown:
    """A renderable whose text segments pass through `shown` (rich's own control codes do not)."""

    def __init__(self, renderable: ConsoleRenderable) -> None:
        self.renderable = renderable

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for segment in console.render(self.renderable, options):
            if segment.control or not segment.text:
                yield segment
            else:
                yield Segment(shown(segment.text), segment.style)


class _ShownHook(RenderHook):
    def process_renderables(self, renderables: list[ConsoleRenderable]) -> list[ConsoleRenderable]:
        return [_Shown(renderable) for renderable in renderables]


class ShownConsole(Console):
    """A Console that shows text safely (see the module's docstring)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(highlight=False, soft_wrap=True, emoji=False, markup=False, **options)
        self.push_render_hook(_ShownHook())

    def print(self, *objects: Any, **options: Any) -> None:
        super().print(*(shown(o) if isinstance(o, str) else o for o in objects), **options)
