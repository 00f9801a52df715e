"""Running trinn on hostile input, bounded: a hang or a memory blow-up fails its test, never CI.

Each hostile case runs the real command line in a child process with a wall-clock budget and an
address-space ceiling (`resource.setrlimit`), in an empty home so that no setting leaks in. The
fixtures live under tests/data/hostile/<area>/; each area's test module builds its inputs (some
are generated: a 900-level nesting is no file to commit) and states the refusal it expects.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["HOSTILE", "MEMORY_MIB", "WALL_SECONDS", "Outcome", "run_bounded"]

HOSTILE = Path(__file__).resolve().parent / "data" / "hostile"
WALL_SECONDS = 20.0
MEMORY_MIB = 768


@dataclass(frozen=True)
class Outcome:
    """What one bounded run did."""

    code: int
    stdout: str
    stderr: str

    @property
    def clean(self) -> bool:
        """Refused or done in words: no traceback, no internal error."""
        return "Traceback" not in self.stderr and "internal error" not in self.stderr


def _limit(memory_mib: int) -> None:
    ceiling = memory_mib * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))


def run_bounded(
    args: list[str],
    *,
    home: Path,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
    wall_seconds: float = WALL_SECONDS,
    memory_mib: int = MEMORY_MIB,
) -> Outcome:
    """Run `trinn ARGS...` in a child process within the budgets; a run past either fails the test."""
    environ = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_STATE_HOME": str(home / "state"),
        "NO_COLOR": "1",
        "LANG": "C.UTF-8",
        **(env or {}),
    }
    try:
        done = subprocess.run(
            [sys.executable, "-m", "trinn.tui.cli", *args],
            cwd=home,
            env=environ,
            input=stdin,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=wall_seconds,
            preexec_fn=lambda: _limit(memory_mib),
        )
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"trinn {' '.join(args)[:200]} ran past {wall_seconds} s") from exc
    if done.returncode < 0 or "MemoryError" in done.stderr:
        raise AssertionError(f"trinn {' '.join(args)[:200]} died ({done.returncode}): {done.stderr[-2000:]}")
    return Outcome(done.returncode, done.stdout, done.stderr)
