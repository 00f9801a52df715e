"""A second writer's wait while a worst-case guard and message run on another case.

    python bench/second_writer_bench.py [--rounds N]

Guards are evaluated and messages rendered inside the write transaction, so they are bounded
tightly instead (engine.limits). This builds a playbook whose guard is the most expensive of
its kind that `trinn check` accepts (bench/guard_bench.py's costliest family, `contains` over
a 10,000-character text for every pair of a 50-item list and a literal list, negated so that it
holds after doing all its work) and whose message loops to its step budget. Each round then
times `set` on case 1 alone, the same `set` started a moment after `fire` of that guard on
another case, and (the baseline of any two commands at once) after a plain `set` on another
case, each in its own process (imports done before the clock starts); and, in this process, how
long the fire's write transaction holds the lock. Reported as medians and ratios, never
asserted. On a busy machine the two processes also compete for the processor, so the extra
wait beside the worst fire is compared with the wait beside a plain command.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from trinn.engine.errors import PlaybookError  # noqa: E402
from trinn.engine.limits import CEL_ITEM_CHARS, CEL_LIST_ITEMS, CEL_TEXT_CHARS, TEMPLATE_STEPS  # noqa: E402
from trinn.engine.loader import load_playbook_text  # noqa: E402

BASE = (ROOT / "tests" / "data" / "hostile" / "guards" / "base.yaml").read_text()
NOTE_FIELD = "  notat: {type: long_text, label: Note, edit: [lead]}\n"
# loops to just under the step budget (each loop step and each call spends one)
BODY = "{% for a in range(100) %}{% for b in range(" + str(TEMPLATE_STEPS // 100 - 5) + ") %}"
BODY += "{% endfor %}{% endfor %}Hello {{ navn }}"


def _guard(k: int) -> str:
    numbers = "[" + ",".join(str(i) for i in range(k)) + "]"
    return f"!items.exists(a, {numbers}.exists(n, notat.contains(a)))"


def _playbook(k: int) -> str:
    text = BASE.replace("GUARD", _guard(k)).replace("BODY", BODY)
    return text.replace("  other: {", NOTE_FIELD + "  other: {", 1)


def _accepted(text_of: dict[int, str]) -> int:
    """The largest k whose playbook `trinn check` accepts: doubling, then halving."""

    def ok(k: int) -> bool:
        text_of[k] = _playbook(k)
        try:
            load_playbook_text(text_of[k], "p.yaml")
        except PlaybookError:
            return False
        return True

    low, high = 1, 2
    while ok(high):
        low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if ok(middle) else (low, middle)
    return low


# A worker imports everything, says it is ready, waits for the signal (and `delay` seconds),
# then times only its command.
WORKER = """
import sys, time
from pathlib import Path
from typer.testing import CliRunner
from trinn.tui.cli import app
ready, signal, delay = Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3])
args = sys.argv[4:]
# warm: every import (store, spec, CEL, Jinja, Babel) and the playbook compiled, before the signal
import jinja2, babel.numbers, babel.dates, trinn.engine.sandbox, trinn.engine.template
base = args[: args.index("--as") + 2]
for warm in (["show", "1"], ["can", "1"]):
    assert CliRunner().invoke(app, [*base, *warm]).exit_code == 0
ready.touch()
while not signal.exists():
    time.sleep(0.0005)
time.sleep(delay)
start = time.perf_counter()
result = CliRunner().invoke(app, args)
print(f"{time.perf_counter() - start:.4f} {result.exit_code} {result.output.strip()[:160]!r}")
"""


def _trinn(base: list[str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "trinn.tui.cli", *base, *args], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _run(home: Path, name: str, commands: list[tuple[float, list[str]]]) -> list[tuple[float, str]]:
    """Start one worker per (delay, args), release them together; (seconds, what it said) each."""
    signal = home / f"{name}.go"
    workers, ready = [], []
    for n, (delay, args) in enumerate(commands):
        ready.append(home / f"{name}.{n}.ready")
        workers.append(
            subprocess.Popen(
                [sys.executable, "-c", WORKER, str(ready[-1]), str(signal), str(delay), *args],
                stdout=subprocess.PIPE,
                text=True,
            )
        )
    while not all(r.exists() for r in ready):
        time.sleep(0.01)
    signal.touch()
    results = []
    for worker in workers:
        seconds, code, said = worker.communicate()[0].split(" ", 2)
        results.append((float(seconds), f"exit {code}: {said.strip()}"))
    return results


def _lock_hold(home: Path, playbook: Path, fields: list[str], rounds: int) -> float:
    """The median time the worst fire's command holds the write lock: Service.fire is one write
    transaction (load, guard, effects, message rendered, saved, committed), timed in process."""
    from trinn.tui.cli.settings import Settings

    values = dict(arg.split("=", 1) for arg in fields[1::2])
    settings = Settings([], "en", f"sqlite:///{home / 't.db'}", "lea", home / "people.yaml")
    service = settings.service()
    times = []
    for _ in range(rounds + 1):
        case = service.open_case(str(playbook), {"navn": "Held", **values}, actor="lea")
        start = time.perf_counter()
        service.fire(case.id, "go", actor="lea")
        times.append(time.perf_counter() - start)
    settings.close()
    return statistics.median(times[1:])  # the first pays for compiling the playbook


def main() -> None:
    rounds = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 5
    home = Path(tempfile.mkdtemp())
    texts: dict[int, str] = {}
    k = _accepted(texts)
    playbook = home / "p.yaml"
    playbook.write_text(texts[k])
    (home / "people.yaml").write_text("lea: {name: Lea, roles: [lead]}\n")
    base = ["--db", str(home / "t.db"), "--people", str(home / "people.yaml"), "--as", "lea"]
    item = "a" * (CEL_ITEM_CHARS - 1)
    items = ",".join(f"{item}{i % 10}" for i in range(CEL_LIST_ITEMS))
    # `notat` holds no item: every pair is searched through all of it, and the guard holds
    fields = ["--set", f"items={items}", "--set", "notat=" + "b" * CEL_TEXT_CHARS]
    _trinn(base, "open", str(playbook), "--set", "navn=Second", *fields)  # case 1: the set's
    alone, raced, fires, beside, plain = [], [], [], [], []
    said = ""
    for n in range(rounds):
        case = _trinn(base, "open", str(playbook), "--set", "navn=First", *fields)
        setting = [*base, "set", "1", f"navn=alone{n}"]
        alone.append(_run(home, f"alone{n}", [(0.0, setting)])[0][0])
        fired, waited = _run(
            home,
            f"raced{n}",
            [(0.0, [*base, "fire", case, "go"]), (0.005, [*base, "set", "1", f"navn=raced{n}"])],
        )
        fires.append(fired[0])
        raced.append(waited[0])
        said = fired[1]
        other, waited = _run(
            home,
            f"plain{n}",
            [(0.0, [*base, "set", case, f"navn=plain{n}"]), (0.005, [*base, "set", "1", f"navn=beside{n}"])],
        )
        plain.append(other[0])
        beside.append(waited[0])
    held = _lock_hold(home, playbook, fields, rounds)
    a, r, f, p, b = (statistics.median(x) * 1000 for x in (alone, raced, fires, plain, beside))
    print(f"guard: {_guard(k)[:60]}... (k={k}, the largest `trinn check` accepts)")
    print(f"message: loops {TEMPLATE_STEPS:,} steps; the fire said: {said}")
    print(f"medians of {rounds} rounds:")
    print(f"  the fire's write transaction (in one process, imports done): {held * 1000:.1f} ms")
    print(f"  fire on another case (worst guard and message): {f:.1f} ms")
    print(f"  set alone: {a:.1f} ms")
    print(f"  set started 5 ms after that fire: {r:.1f} ms")
    print(f"  set started 5 ms after a plain set on another case ({p:.1f} ms): {b:.1f} ms")
    print(f"  ratio: {r / a:.2f}x the set alone, {r / b:.2f}x the set beside a plain command")
    print(f"  the second writer's extra wait: {r - a:.1f} ms", end="")
    print(f"; of it, the worst guard and message: {r - b:.1f} ms")


if __name__ == "__main__":
    main()
