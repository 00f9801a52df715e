"""Notification benchmark: outbox throughput to a loopback receiver, and what a notify adds to a command.

    python bench/notify_bench.py [--json]

1. Messages per second from the outbox to a JSON receiver on loopback (http.server in a
   thread), through the whole dispatcher (claim, apprise send, per-service record, finish),
   on an SQLite file, beside the bare cost of the same HTTP POSTs made with `requests`
   (which apprise uses) in the same run.
2. The added cost of a notify action on a command: firing a transition whose target state
   notifies two roles and an address (three outbox rows, each rendered from a Jinja2
   template), against the same playbook with the notifies removed.
Figures are reported, never asserted: the machine is shared and noisy.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.notify_receivers import http_receiver  # noqa: E402
from trinn.engine.people import People  # noqa: E402
from trinn.engine.registry import PlaybookRegistry  # noqa: E402
from trinn.engine.service import Service  # noqa: E402
from trinn.engine.store import Store, open_database  # noqa: E402
from trinn.notifiers.channels import load_channels  # noqa: E402
from trinn.notifiers.dispatch import send_pending  # noqa: E402

NOW = dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC)
PLAYBOOK = ROOT / "tests" / "data" / "notify" / "welcome.yaml"
MESSAGES = 300
COMMANDS = 200


def _service(folder: Path, playbook_text: str) -> Service:
    (folder / "pb").mkdir(exist_ok=True)
    (folder / "pb" / "welcome.yaml").write_text(playbook_text)
    store = Store(open_database(str(folder / "bench.db")))
    people = People.single_user("bench")
    return Service(store, PlaybookRegistry([folder / "pb"]), people, clock=lambda: NOW)


def throughput(folder: Path) -> dict[str, float]:
    with http_receiver() as web:
        channels_path = folder / "channels.yaml"
        channels_path.write_text(
            f"version: 1\nurls:\n  - json://127.0.0.1:{web.port}/board:\n      tag: board, coordinator\n"
        )
        channels_path.chmod(0o600)
        channels = load_channels(channels_path)
        only_roles = (
            PLAYBOOK.read_text()
            .replace("      - notify: {to_field: contact_email, message: welcome}\n", "")
            .replace("      - notify: {to_field: contact, message: welcome}\n", "")
        )
        service = _service(folder, only_roles)
        for _ in range(MESSAGES):  # each approval queues one message to the two roles' channel
            case = service.open_case("test.welcome", {"organisation": "Acme"}, actor="bench")
            service.fire(case.id, "approve", actor="bench")
        start = time.perf_counter()
        report = send_pending(service.store, channels, now=NOW, limit=10 * MESSAGES)
        trinn = time.perf_counter() - start
        sent = report.sent
        import requests

        session = requests.Session()
        start = time.perf_counter()
        for _ in range(sent):
            session.post(
                f"http://127.0.0.1:{web.port}/board",
                data=json.dumps({"title": "t", "message": "m"}),
                headers={"Content-Type": "application/json"},
                timeout=5,
            )
        bare = time.perf_counter() - start
        service.store.close()
    return {
        "messages": sent,
        "trinn_per_s": sent / trinn,
        "bare_post_per_s": sent / bare,
        "ratio": (sent / trinn) / (sent / bare),
    }


def notify_cost(folder: Path) -> dict[str, float]:
    text = PLAYBOOK.read_text()
    quiet = text.replace(
        "    on_enter:\n      - notify: {to_field: contact_email, message: welcome}\n"
        "      - notify: {to: [board, coordinator], message: alert}\n"
        "      - notify: {to_field: contact, message: welcome}\n",
        "",
    )
    assert quiet != text
    figures = {}
    for name, playbook in (("with_notify", text), ("without_notify", quiet)):
        sub = folder / name
        sub.mkdir()
        service = _service(sub, playbook)
        ids = [
            service.open_case(
                "test.welcome", {"organisation": "Acme", "contact_email": "a@b.test"}, actor="bench"
            ).id
            for _ in range(COMMANDS)
        ]
        times = []
        for case_id in ids:
            start = time.perf_counter()
            service.fire(case_id, "approve", actor="bench")
            times.append(time.perf_counter() - start)
        figures[name] = statistics.median(times) * 1000
        service.store.close()
    figures["added_ms"] = figures["with_notify"] - figures["without_notify"]
    return figures


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "t").mkdir()
        (folder / "c").mkdir()
        result = {"throughput": throughput(folder / "t"), "notify_cost_ms": notify_cost(folder / "c")}
    if "--json" in sys.argv:
        print(json.dumps(result, indent=2))
        return
    t, c = result["throughput"], result["notify_cost_ms"]
    print(
        f"outbox -> loopback JSON receiver: {t['trinn_per_s']:.0f} messages/s through the "
        f"dispatcher ({t['messages']:.0f} messages), bare requests POST {t['bare_post_per_s']:.0f}/s "
        f"(ratio {t['ratio']:.2f})"
    )
    print(
        f"fire with three notifies: {c['with_notify']:.2f} ms median, without: "
        f"{c['without_notify']:.2f} ms; a notify action adds {c['added_ms'] / 3:.2f} ms "
        f"({c['added_ms']:.2f} ms for three)"
    )


if __name__ == "__main__":
    main()
