"""`trinn` in a real terminal (tmux, 80x24): open a case of fase 7.2 and complete its first task
with key presses, then read the screen back.

tmux comes from the project's scripts/ensure-tmux (installed with apt-get as root when missing).
Where it cannot be had, a developer's run skips with the reason; a CI run fails instead.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.postgres_server import in_ci
from trinn.engine.catalog import bundled_files

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "ensure-tmux"


@functools.cache
def _tmux() -> tuple[str | None, str]:
    try:
        done = subprocess.run(
            ["bash", str(SCRIPT)],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, str(exc)
    if done.returncode != 0:
        return None, done.stderr.strip() or f"ensure-tmux exited with {done.returncode}"
    return done.stdout.strip().splitlines()[-1], ""


def tmux_path() -> str:
    path, error = _tmux()
    if path is not None:
        return path
    if in_ci():
        raise RuntimeError(f"tmux could not be had (CI must not skip): {error}")
    pytest.skip(f"tmux could not be had: {error}")


class Terminal:
    """One tmux session running one command, 80 columns by 24 lines."""

    def __init__(self, tmux: str, name: str) -> None:
        self.tmux, self.name = tmux, name

    def run(self, *args: str) -> str:
        """A tmux command on this session's own server (-L), apart from any user's tmux."""
        return subprocess.run(
            [self.tmux, "-L", self.name, *args], capture_output=True, text=True, check=True, timeout=30
        ).stdout

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.run("send-keys", "-t", self.name, key)
            time.sleep(0.15)

    def type(self, text: str) -> None:
        self.run("send-keys", "-t", self.name, "-l", text)
        time.sleep(0.2)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.name)

    def wait_for(self, text: str, timeout: float = 60) -> str:  # a loaded CI machine is slow
        deadline = time.monotonic() + timeout
        shown = ""
        while time.monotonic() < deadline:
            shown = self.screen()
            if text in shown:
                return shown
            time.sleep(0.2)
        raise AssertionError(f"{text!r} did not appear; the screen shows:\n{shown}")


def _terminal(tmp_path: Path, language: str) -> Iterator[Terminal]:
    tmux = tmux_path()
    name = f"trinn-{uuid.uuid4().hex[:8]}"
    trinn = shutil.which("trinn", path=str(Path(sys.executable).parent)) or "trinn"
    env = {
        "TERM": "xterm-256color",
        "TRINN_DB": f"sqlite:///{tmp_path / 'fresh.db'}",
        "TRINN_USER": "kari",
        "TRINN_LANG": language,
        "HOME": str(tmp_path),
        "PATH": os.environ.get("PATH", ""),
    }
    command = " ".join(f"{k}={v}" for k, v in env.items()) + f" {trinn}"
    subprocess.run(
        [tmux, "-L", name, "new-session", "-d", "-s", name, "-x", "80", "-y", "24", "env -i " + command],
        check=True,
        timeout=30,
    )
    term = Terminal(tmux, name)
    try:
        yield term
    finally:
        subprocess.run([tmux, "-L", name, "kill-server"], capture_output=True, timeout=30, check=False)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    yield from _terminal(tmp_path, "en")


@pytest.fixture
def norwegian_terminal(tmp_path: Path) -> Iterator[Terminal]:
    yield from _terminal(tmp_path, "nb")


def test_terminal_open_a_case_and_complete_its_first_task(terminal: Terminal) -> None:
    terminal.wait_for("0 of 0 cases")
    terminal.keys("n")
    terminal.wait_for("Open a case of which playbook?")
    # the picker lists the bundled playbooks in file order
    position = [f.path.name for f in bundled_files()].index("padriv-fase-7-2.yaml")
    terminal.keys(*["Down"] * position, "Enter")
    terminal.wait_for("New case: Fase 7.2")
    terminal.type("Acme AS")
    terminal.keys("Tab")
    terminal.type("Ola Nordmann")
    terminal.keys("Enter")
    terminal.wait_for("State: Registrert som mulig ny samarbeidspartner")
    terminal.wait_for("☐")  # the task list is drawn after the header: on a busy machine, a moment later
    terminal.keys("d")  # the first task is done by filling its form
    terminal.wait_for("Registrer mulig ny samarbeidspartner")
    terminal.keys("C-s")
    terminal.wait_for("version 2")
    screen = terminal.wait_for("☑")
    lines = [line for line in screen.splitlines() if "Registrer virksomheten" in line]
    assert lines and lines[0].rstrip().endswith("☑"), screen
    assert screen.count("☐") == 2  # the other two tasks are still open


# The keys (besides typed text) from an empty database to a closed case: n, Down Down, Enter
# (playbook), Tab, Enter (opened), e, Tab x3 (to Begrunnelse), ctrl+s, Escape, a, Enter (the
# action, highlighted first), Enter (no note): 15 presses and three texts typed (the fields
# Kari may not change here, the opening data and what only the registrering form writes, are
# greyed and skipped by Tab; the first possible action is highlighted).
CLOSING_KEYS = 15


def test_terminal_fase_7_2_from_open_to_a_final_state_in_norwegian(norwegian_terminal: Terminal) -> None:
    """Issue 15: a fase 7.2 case from open to a final state ("Ikke aktuell") with key presses
    only, in nb, at 80x24, each step read back from the screen."""
    terminal = norwegian_terminal
    pressed: list[str] = []

    def keys(*names: str) -> None:
        pressed.extend(names)
        terminal.keys(*names)

    terminal.wait_for("0 av 0 saker")
    keys("n")
    terminal.wait_for("Opprette en sak etter hvilken dreiebok?")
    position = [f.path.name for f in bundled_files()].index("padriv-fase-7-2.yaml")
    keys(*["Down"] * position, "Enter")
    terminal.wait_for("Ny sak: Fase 7.2")
    terminal.type("Acme AS")
    keys("Tab")
    terminal.type("Ola Nordmann")
    keys("Enter")
    terminal.wait_for("Steg: Registrert som mulig ny samarbeidspartner (åpen, versjon 1)")
    terminal.wait_for("☐")
    keys("e")  # the Fields tab, its first field focused
    # the label of the first field Kari may change, scrolled into view (the Save button may lie
    # under the "Sak 1 er opprettet." toast until the next key redraws the screen)
    terminal.wait_for("E-post til den som meldte virksomheten")
    keys(*["Tab"] * 3)  # meldt_av_epost (focused first), kontaktperson, kontakt_epost
    terminal.type("Ikke aktuell nå")
    terminal.wait_for("Begrunnelse")  # scrolled into view, with what was typed
    terminal.wait_for("Ikke aktuell nå")
    keys("C-s")
    terminal.wait_for("versjon 2")
    keys("Escape", "a")
    terminal.wait_for("Avslutt – ikke aktuell")
    keys("Enter")  # the first action possible now is highlighted
    terminal.wait_for("Notat (valgfritt)")
    keys("Enter")
    screen = terminal.wait_for("Steg: Ikke aktuell som samarbeidspartner (avsluttet, versjon 3)")
    assert "Saken er avsluttet" in screen, screen
    assert len(pressed) == CLOSING_KEYS, pressed
