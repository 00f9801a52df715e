"""What the case commands share (tui/cli/options.py)."""

from __future__ import annotations

import gc

import pytest

from trinn.engine.collector import collection_paused


def test_collection_paused_turns_the_collector_back_on_after_a_listing() -> None:
    assert gc.isenabled()
    with pytest.raises(KeyError), collection_paused():
        assert not gc.isenabled()
        raise KeyError("a listing that failed")
    assert gc.isenabled()


def test_collection_paused_leaves_a_collector_that_was_off_off() -> None:
    gc.disable()
    try:
        with collection_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
