"""No cyclic garbage collection while thousands of rows are made (a listing, the app's list).

The rows hold no cycles, yet every few hundred new tuples start a collection, and the older
generations walk every object made before: a sixth of `trinn cases` on 10,000 cases, two
fifths of the app's first read of them. The collector is paused for the whole process for the
fraction of a second a read takes (a read running beside it at most finds it paused) and is on
again afterwards, as it was.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collection_paused"]


@contextmanager
def collection_paused() -> Iterator[None]:
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
