"""A second writer's wait while a worst-case guard and message run on another case.

    python bench/second_writer_bench.py

Guards are evaluated and messages rendered inside the write transaction, so they are bounded
tightly instead (engine.limits). This opens two cases of a playbook whose guard is the most
expensive that `trinn check` accepts (pairs over two 50-item lists of 1,000-character items)
and whose message loops to its step budget; fires the guarded trigger on case 1 in one process
and, while it runs, `set` on case 2 in another, and reports how long the `set` took beside the
same `set` with nothing else running. Reported, never asserted.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE = (ROOT / "tests" / "data" / "hostile" / "guards" / "base.yaml").read_text()
GUARD = "items.all(a, other.exists(b, b.startsWith(a + ':')))"
BODY = "{% for a in range(100) %}{% for b in range(195) %}{% endfor %}{% endfor %}Hello {{ navn }}"


# A worker imports everything first, waits for its signal, then times only its command.
WORKER = """
import sys, time
from pathlib import Path
from typer.testing import CliRunner
from trinn.tui.cli import app
signal = Path(sys.argv[1]); args = sys.argv[2:]
CliRunner().invoke(app, ["--help"])  # warm: imports done before the signal
while not signal.exists():
    time.sleep(0.001)
start = time.perf_counter()
result = CliRunner().invoke(app, args)
print(f"{time.perf_counter() - start:.4f} {result.exit_code} {result.output.strip()[:200]!r}")
"""


def _trinn(base: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trinn.tui.cli", *base, *args], capture_output=True, text=True, check=False
    )


def _worker(signal: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, str(signal), *args], stdout=subprocess.PIPE, text=True
    )


def _race(home: Path, base: list[str], name: str, fire: bool) -> tuple[float, float, str]:
    """(seconds the fire took, seconds the set on case 2 took, what the fire said)."""
    signal = home / name
    workers = [_worker(signal, *base, "set", "2", f"navn={name}")]
    if fire:
        workers.insert(0, _worker(signal, *base, "fire", "1", "go"))
    time.sleep(8)  # both have imported trinn and wait
    signal.touch()
    outputs = [w.communicate()[0].split(" ", 2) for w in workers]
    if not fire:
        return 0.0, float(outputs[0][0]), ""
    return float(outputs[0][0]), float(outputs[1][0]), " ".join(outputs[0][1:])


def main() -> None:
    home = Path(tempfile.mkdtemp())
    playbook = home / "p.yaml"
    playbook.write_text(BASE.replace("GUARD", GUARD).replace("BODY", BODY))
    (home / "people.yaml").write_text("lea: {name: Lea, roles: [lead]}\n")
    base = ["--db", str(home / "t.db"), "--people", str(home / "people.yaml"), "--as", "lea"]
    item = "a" * 997
    items = ",".join(f"{item}{i:02d}" for i in range(50))
    # every item is found only in the last line: the guard reads all 2,500 pairs
    other = ",".join("b" * 1000 for _ in range(49)) + "," + ":".join([item + "49"] * 1) + ":"
    for _ in range(2):
        done = _trinn(
            base,
            "open",
            str(playbook),
            "--set",
            "navn=Acme",
            "--set",
            f"items={items}",
            "--set",
            f"other={other}",
        )
        assert done.returncode == 0, done.stderr
    _, alone, _ = _race(home, base, "alone", fire=False)
    fired, waited, said = _race(home, base, "raced", fire=True)
    print(f"fire on case 1 (worst guard and message): {fired * 1000:.1f} ms, {said}")
    print(f"set on case 2 while case 1 fires: {waited * 1000:.1f} ms")
    print(f"set on case 2 alone: {alone * 1000:.1f} ms")
    print(f"the second writer's extra wait: {(waited - alone) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
