"""The CEL evaluator without the `cel` package's command-line tool.

`import cel` runs the package's `__init__`, which imports `cel.cli` and with it
prompt_toolkit: about a third of a second of a command's start-up, for a REPL no
command uses. The evaluator is the package's Rust extension (`cel/cel.*.so`), so
it is loaded here from its file, under its own name `cel.cel`, and nothing else of
the package runs. If something already imported the whole package, that is used.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

__all__ = ["cel"]


def _evaluator() -> ModuleType:
    loaded = sys.modules.get("cel.cel") or sys.modules.get("cel")
    if loaded is not None and hasattr(loaded, "Program"):
        return loaded
    package = importlib.util.find_spec("cel")  # finds the folder; runs nothing
    folders = package.submodule_search_locations if package else None
    for folder in folders or ():
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = Path(folder) / f"cel{suffix}"
            if path.is_file():
                spec = importlib.util.spec_from_file_location("cel.cel", path)
                assert spec is not None and spec.loader is not None
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
                sys.modules["cel.cel"] = module
                return module
    # an unexpected layout of a future release: the package as it asks to be imported
    import cel as whole

    return whole


if TYPE_CHECKING:
    import cel as cel
else:
    cel = _evaluator()
