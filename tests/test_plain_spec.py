"""The plain form of a playbook answers everything its models answer, and reads no pydantic."""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys
from typing import Any

import pytest
from pydantic import BaseModel

from trinn.engine.catalog import bundled_files
from trinn.engine.plain_spec import PlainPart, SpecUnpickler, plain_form
from trinn.engine.source import parse_yaml
from trinn.engine.spec import PlaybookSpec
from trinn.engine.spec_base import (
    CustomActionBase,
    FormBase,
    MeetingBase,
    NotifyActionBase,
    PlaybookBase,
    TransitionBase,
)
from trinn.engine.validation import validate_model

# every answer a part gives beside its fields (engine.spec_base), by the base that gives it
ANSWERS = {
    TransitionBase: ("sources", "from_any", "roles"),
    FormBase: ("triggers", "link_expiry"),
    MeetingBase: ("to_fields", "length"),
    CustomActionBase: ("kind", "params"),
}


def _model(path: Any) -> PlaybookSpec:
    data, source_map, problems = parse_yaml(path.read_bytes(), str(path))
    assert not problems
    spec, problems = validate_model(PlaybookSpec, data, source_map)
    assert spec is not None, problems
    return spec


def _same(model: Any, plain: Any, where: str) -> int:
    """Walk both forms side by side; the number of parts compared."""
    if isinstance(model, BaseModel):
        assert isinstance(plain, PlainPart), where
        assert type(plain).__name__ == type(model).__name__, where
        assert set(vars(plain)) == set(vars(model)), where
        for base, names in ANSWERS.items():
            if isinstance(model, base):
                assert isinstance(plain, base), where
                for name in names:
                    assert getattr(plain, name) == getattr(model, name), f"{where}.{name}"
        return 1 + sum(_same(value, vars(plain)[key], f"{where}.{key}") for key, value in vars(model).items())
    if isinstance(model, dict):
        assert list(plain) == list(model), where
        return sum(_same(value, plain[key], f"{where}[{key}]") for key, value in model.items())
    if isinstance(model, list):
        assert len(plain) == len(model), where
        return sum(_same(a, b, f"{where}[{i}]") for i, (a, b) in enumerate(zip(model, plain, strict=True)))
    assert plain == model and type(plain) is type(model), where
    return 0


@pytest.mark.parametrize("entry", bundled_files(), ids=lambda e: e.path.name)
def test_plain_form_holds_every_field_and_answer(entry: Any) -> None:
    model = _model(entry.path)
    plain = plain_form(model)
    assert _same(model, plain, "playbook") > 20
    assert isinstance(plain, PlaybookBase)
    assert plain.all_tasks().keys() == model.all_tasks().keys()
    for mine, theirs in zip(plain.transitions, model.transitions, strict=True):
        assert plain.source_states(mine) == model.source_states(theirs)
        assert mine.because_parts() == theirs.because_parts()
        assert mine.because_guard() == theirs.because_guard()
    assert plain.limits.caps == model.limits.caps
    assert plain == plain_form(model)  # equal as the models are


def test_plain_form_is_frozen_and_copies() -> None:
    plain = plain_form(_model(next(iter(bundled_files())).path))
    with pytest.raises(AttributeError, match="frozen"):
        plain.id = "other"  # type: ignore[misc]
    assert copy.deepcopy(plain) == plain
    # pickled again (by its plain classes), it reads back through the same unpickler
    again = SpecUnpickler(__import__("io").BytesIO(pickle.dumps(plain))).load()
    assert again == plain and again is not plain


def test_plain_form_actions_are_told_apart_by_their_bases() -> None:
    fase = next(e.path for e in bundled_files() if e.path.name == "padriv-fase-7-2.yaml")
    plain = plain_form(_model(fase))
    actions = [action for t in plain.transitions for action in t.do]
    assert any(isinstance(action, NotifyActionBase) for action in actions)
    assert all(not isinstance(action, BaseModel) for action in actions)


def test_unpickler_makes_nothing_but_parts() -> None:
    for module, name in [("os", "system"), ("trinn.engine.spec", "not a name"), ("builtins", "eval")]:
        with pytest.raises(pickle.UnpicklingError):
            SpecUnpickler(__import__("io").BytesIO(b"")).find_class(module, name)


def test_reading_the_plain_form_imports_no_pydantic(tmp_path: Any) -> None:
    fase = next(e.path for e in bundled_files() if e.path.name == "padriv-fase-7-2.yaml")
    (tmp_path / "spec.pickle").write_bytes(pickle.dumps(_model(fase)))
    code = (
        "import io, sys; from trinn.engine.plain_spec import SpecUnpickler; "
        f"spec = SpecUnpickler(io.BytesIO(open({str(tmp_path / 'spec.pickle')!r}, 'rb').read())).load(); "
        "assert spec.limits.caps and spec.all_tasks(); "
        "print(sorted(m for m in sys.modules if m.startswith('pydantic') or m == 'trinn.engine.spec'))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
