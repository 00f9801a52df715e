"""The files `trinn new` writes: a small playbook in one language, and scenarios taking all of it.

The playbook is the smallest one with every part a real one has (roles, a
form, a due date, a reminder, messages, a guard, a positive and a negative
end), and it checks, lints and tests clean; a test keeps it so. Its text is data beside
this module: starter_playbook.yaml and starter_scenarios.yaml (`string.Template`s, `$word`
filled in from starter_words.json in the language asked for).
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib.resources import files
from string import Template

from trinn.engine.schema import json_schema_text

__all__ = ["starter_files"]


def _data(name: str) -> str:
    return files("trinn.engine").joinpath(name).read_text(encoding="utf-8")


@cache
def _words() -> dict[str, dict[str, str]]:
    """The starting playbook's words, each in every language `trinn new` writes (ids are words
    too, so a Danish playbook reads Danish throughout)."""
    return dict(json.loads(_data("starter_words.json")))


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
    words = {key: row[language] for key, row in _words().items()}
    playbook = f"{name}.yaml"
    values = {**words, "id": name, "lang": language, "file": playbook, "test_file": f"{name}.test.yaml"}
    return {
        playbook: Template(_data("starter_playbook.yaml")).substitute(values),
        f"{name}.test.yaml": Template(_data("starter_scenarios.yaml")).substitute(values),
        "playbook.schema.json": json_schema_text(),
    }
