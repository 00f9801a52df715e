"""Command-line speed: whole-process wall time of each command, as a ratio to a bare Python start.

    python bench/command_bench.py [--json] [--runs 7] [--cases 10000]

Every figure is the median of `--runs` whole-process runs of the installed `trinn` (the
console script of this virtual environment), each run just after a `python -c pass` from
the same environment, so that each ratio compares runs under the same load: the ratios
hold on a busy machine where the seconds do not. Commands on one case use a fase 7.2
case in a small database; `cases` and `tasks` run on a second database filled with
`--cases` open cases. `trinn check` has an absolute goal as well (the issue asks for
under 0.5 s). Peak memory is the child's maximum resident set size (`ru_maxrss`).

Each command runs once unmeasured first, with bytecode caching on (in a folder of the
run's own, `PYTHONPYCACHEPREFIX`), as an installed trinn runs: pip compiles a wheel's
modules when it installs them. Under `PYTHONDONTWRITEBYTECODE=1` (set on some build
machines) every command would compile trinn's sources anew, about 0.4 s that no
user pays; the first, unmeasured run is also the one that fills the playbook cache.

Goals are reported as met/not met, never asserted: these machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TRINN = str(BIN / "trinn")
PLAYBOOK = "padriv.fase-7-2"
# the three seed playbooks the issue names (fase 7.2, fase 2, fem trin)
SEEDS = [
    str(ROOT / "playbooks" / name)
    for name in ("padriv-fase-7-2.yaml", "padriv-fase-2.yaml", "partnerskab-fem-trin.yaml")
]


@dataclass(frozen=True)
class Goal:
    name: str
    args: list[str]
    ratio: float | None  # at most this many bare starts
    seconds: float | None = None  # and/or at most this many seconds
    big: bool = False  # runs on the database with many cases


GOALS = [
    Goal("trinn --help", ["--help"], 6.0),
    Goal("trinn show 1", ["show", "1"], 6.0),
    Goal("trinn can 1", ["can", "1"], 6.0),
    Goal("trinn set 1", ["set", "1", "virksomhet=Acme AS"], 6.0),
    Goal("trinn check (3 seeds)", ["check", *SEEDS], None, 0.5),
    Goal("trinn cases (many)", ["cases"], 8.0, big=True),
    Goal("trinn tasks (many)", ["tasks"], 8.0, big=True),
]


def environment(home: Path, db: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"),
        TRINN_DB=str(db),
        TRINN_USER="kari",
        TRINN_LANG="en",
    )
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(home / "bytecode")
    env.pop("TRINN_PEOPLE", None)
    env.pop("TRINN_CHANNELS", None)
    return env


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one whole process (its own rusage, from wait4)."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode not in (0, 1):
            errors.seek(0)
            text = errors.read().decode(errors="replace").strip()
            raise SystemExit(f"{' '.join(argv)} failed ({child.returncode}): {text}")
    return wall, usage.ru_maxrss


def paired(runs: int, argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Median wall of `argv` and of a bare start run in turn with it, and the peak RSS of `argv`.

    Each run of the command follows a run of bare python, so both see the same load: on a
    shared machine the load moves within a minute, and a bare start measured once for the
    whole table made the ratios of the later commands move with it."""
    walls, bares, peaks = [], [], []
    timed(argv, env)  # unmeasured: writes the bytecode and fills the caches, as any first use does
    for _ in range(runs):
        bares.append(timed([sys.executable, "-c", "pass"], env)[0])
        wall, peak = timed(argv, env)
        walls.append(wall)
        peaks.append(peak)
    return statistics.median(walls), statistics.median(bares), max(peaks)


def prepare(home: Path, n_cases: int) -> tuple[dict[str, str], dict[str, str]]:
    small = environment(home, home / "small.db")
    subprocess.run(
        [TRINN, "open", PLAYBOOK, "--set", "virksomhet=Acme AS", "--set", "meldt_av=Ola"],
        env=small,
        check=True,
        capture_output=True,
    )
    big_db = home / "big.db"
    # filled by a child process: a child's peak RSS counts the parent's size at fork,
    # so this process stays small and imports nothing of trinn
    fill = f"import tui_bench; tui_bench.fill(__import__('pathlib').Path({str(big_db)!r}), {n_cases})"
    subprocess.run([sys.executable, "-c", fill], cwd=ROOT / "bench", check=True)
    return small, environment(home, big_db)


def measure(runs: int, n_cases: int) -> dict[str, object]:
    home = Path(tempfile.mkdtemp(prefix="trinn-command-bench-"))
    try:
        small, big = prepare(home, n_cases)
        rows, bare_starts = [], []
        for goal in GOALS:
            wall, bare, peak = paired(runs, [TRINN, *goal.args], big if goal.big else small)
            bare_starts.append(bare)
            ratio = wall / bare
            met = (goal.ratio is None or ratio <= goal.ratio) and (
                goal.seconds is None or wall <= goal.seconds
            )
            rows.append(
                {
                    "command": goal.name,
                    "median_s": round(wall, 3),
                    "bare_s": round(bare, 3),
                    "ratio": round(ratio, 1),
                    "goal": goal_text(goal),
                    "met": met,
                    "peak_mib": round(peak / 1024, 1),
                }
            )
        bare = statistics.median(bare_starts)
        return {"bare_python_s": round(bare, 3), "runs": runs, "cases": n_cases, "rows": rows}
    finally:
        shutil.rmtree(home, ignore_errors=True)


def goal_text(goal: Goal) -> str:
    parts = []
    if goal.ratio is not None:
        parts.append(f"<= {goal.ratio:g}x")
    if goal.seconds is not None:
        parts.append(f"< {goal.seconds:g} s")
    return " and ".join(parts)


def table(figures: dict[str, object]) -> str:
    lines = [
        f"bare python start: {figures['bare_python_s']} s (median of the rows' medians; each row's ratio"
        " is to the bare starts run in turn with it)",
        f"{'command':<24} {'median':>8} {'bare':>7} {'ratio':>7} {'peak':>9}  {'goal':<14} result",
    ]
    for row in figures["rows"]:  # type: ignore[attr-defined]
        lines.append(
            f"{row['command']:<24} {row['median_s']:>7.3f}s {row['bare_s']:>6.3f}s {row['ratio']:>6.1f}x "
            f"{row['peak_mib']:>6.1f}MiB  {row['goal']:<14} {'met' if row['met'] else 'not met'}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--cases", type=int, default=10_000)
    options = parser.parse_args()
    figures = measure(options.runs, options.cases)
    print(json.dumps(figures, indent=2) if options.json else table(figures))


if __name__ == "__main__":
    main()
