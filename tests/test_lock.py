"""The committed locks agree: `pylock.toml` (the standard lock file, PEP 751) pins exactly the
versions of `requirements/dev.txt`, which `make test` installs with --require-hashes."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_lock_pylock_pins_what_the_requirements_lock_pins() -> None:
    pylock = tomllib.loads((ROOT / "pylock.toml").read_text(encoding="utf-8"))
    locked = {_canonical(p["name"]): p["version"] for p in pylock["packages"]}
    pinned = dict(
        (_canonical(name), version)
        for name, version in re.findall(
            r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)",
            (ROOT / "requirements" / "dev.txt").read_text(),
            re.M,
        )
    )
    assert locked == pinned
    for package in pylock["packages"]:  # every file a package may be installed from is hashed
        files = [*package.get("wheels", []), *([package["sdist"]] if "sdist" in package else [])]
        assert files and all(f["hashes"]["sha256"] for f in files), package["name"]
