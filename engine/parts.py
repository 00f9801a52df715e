"""What commands run on, held by the service and by the runner of its commands alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trinn.engine.clock import Clock
    from trinn.engine.links import FormLinks
    from trinn.engine.people import People
    from trinn.engine.registry import PlaybookRegistry
    from trinn.engine.store import Store

__all__ = ["Parts"]


@dataclass(eq=False)
class Parts:
    """What commands run on: one store, the playbooks of one registry, the people of one file
    (the service and its runner hold the same ones)."""

    store: Store
    registry: PlaybookRegistry
    people: People
    clock: Clock  # the time a command acts at when it is given none
    links: FormLinks | None = None  # signs the form links messages carry (`form_link`); None: no links
