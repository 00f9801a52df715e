"""Public forms benchmark: submissions per second through `trinn serve`, and its page latency.

    python bench/web_bench.py [--rounds N] [--per-round N] [--json]

Both servers are the real thing on a free loopback port (uvicorn, in a thread of this
process), and the client is a real HTTP client (http.client, one kept-alive connection),
the same for both:

1. trinn: the app of `trinn serve` (tui.web.app.build_app, its middleware, CSRF, body
   limit, rate limit set out of the way) over an SQLite file, each submission the fase 7.2
   sign-up form of its own case in 'invitert', posted with the CSRF token and cookie of
   its page: the link read, the answers checked by the engine's validator, and
   `Service.submit_form` (one durable transaction: the answers, the task, the transition
   `motta_pamelding`, the event, the receipt and the alert queued in the outbox).
2. bare: a Starlette endpoint that reads the same urlencoded body and inserts it as one
   row into an SQLite file (WAL, synchronous=FULL, as trinn's store), then redirects.

Submissions per second of each (the POSTs alone; each form page is fetched before the
clock starts) and their ratio, and the latency of the form page (GET, p50 and p99) beside
a bare Starlette page. Rounds alternate the two servers; medians are reported. Figures
are reported, never asserted: the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import re
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.web_helpers import SIGN_UP, Clock, invited_case, make_service, on_loopback  # noqa: E402
from trinn.tui.web.app import ServeOptions, build_app  # noqa: E402

LINK = re.compile(r"https://skjema\.test(/f/\S+)")
CSRF = re.compile(r'name="_csrf" value="([^"]+)"')


class Client:
    """One kept-alive HTTP/1.1 connection."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def get(self, path: str) -> tuple[int, str, str]:
        self.connection.request("GET", path)
        response = self.connection.getresponse()
        body = response.read().decode()
        cookie = (response.getheader("set-cookie") or "").split(";")[0]
        return response.status, body, cookie

    def post(self, path: str, form: dict[str, str], cookie: str = "") -> int:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if cookie:
            headers["Cookie"] = cookie
        self.connection.request("POST", path, body=urlencode(form).encode(), headers=headers)
        response = self.connection.getresponse()
        response.read()
        return response.status

    def close(self) -> None:
        self.connection.close()


def _percentile(times: list[float], share: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def trinn_round(folder: Path, count: int) -> dict[str, Any]:
    """`count` sign-up forms posted through `trinn serve`, each to its own invited case."""
    service = make_service(folder, f"sqlite:///{folder / 'trinn.db'}", Clock())
    paths = []
    for number in range(count):
        case_id = invited_case(service, f"Virksomhet {number} AS")
        (invitation,) = [r for r in service.queries.outbox(case_id) if r.payload["message"] == "invitasjon"]
        found = LINK.search(invitation.payload["body"])
        assert found is not None
        paths.append(found.group(1))
    assert service.links is not None
    options = ServeOptions(language="nb", rate_limit=10**9, secure_cookies=False)
    try:
        with on_loopback(build_app(service, service.links, options)) as port:
            client = Client(port)
            pages, ready = [], []
            for path in paths:
                start = time.perf_counter()
                status, body, cookie = client.get(path)
                pages.append(time.perf_counter() - start)
                csrf = CSRF.search(body)
                assert status == 200 and csrf is not None, status
                ready.append((path, {"_csrf": csrf.group(1), **SIGN_UP}, cookie))
            start = time.perf_counter()
            for path, form, cookie in ready:
                assert client.post(path, form, cookie) == 303
            took = time.perf_counter() - start
            client.close()
        moved = [service.queries.load(int(urlsplit(p).path.split("/")[2]))[0].state for p in paths]
        assert set(moved) == {"pamelding_mottatt"}, set(moved)
    finally:
        service.store.close()
    return {"per_s": count / took, "pages": pages}


def _bare_app(db: Path) -> Any:
    """A bare Starlette app: a small page, and a POST that writes its form as one SQLite row."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, RedirectResponse, Response
    from starlette.routing import Route

    connection = sqlite3.connect(db, check_same_thread=False, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("CREATE TABLE submission (id INTEGER PRIMARY KEY, answers TEXT NOT NULL)")
    lock = threading.Lock()

    def write(answers: str) -> None:
        with lock:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("INSERT INTO submission (answers) VALUES (?)", (answers,))
            connection.execute("COMMIT")

    async def page(request: Request) -> Response:
        return HTMLResponse("<!doctype html><form method=post><input name=a><button>Send</button></form>")

    async def submit(request: Request) -> Response:
        body = (await request.body()).decode()
        await run_in_threadpool(write, json.dumps(dict(parse_qsl(body))))
        return RedirectResponse("/sent", status_code=303)

    return Starlette(routes=[Route("/f", page, methods=["GET"]), Route("/f", submit, methods=["POST"])])


def bare_round(folder: Path, count: int) -> dict[str, Any]:
    form = {"_csrf": "0" * 64, **SIGN_UP}
    with on_loopback(_bare_app(folder / "bare.db")) as port:
        client = Client(port)
        pages = []
        for _ in range(count):
            start = time.perf_counter()
            status, _body, _cookie = client.get("/f")
            pages.append(time.perf_counter() - start)
            assert status == 200
        start = time.perf_counter()
        for _ in range(count):
            assert client.post("/f", form) == 303
        took = time.perf_counter() - start
        client.close()
    return {"per_s": count / took, "pages": pages}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--per-round", type=int, default=100)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    trinn: list[dict[str, Any]] = []
    bare: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for number in range(args.rounds):
            round_folder = Path(tmp) / str(number)
            (round_folder / "trinn").mkdir(parents=True)
            (round_folder / "bare").mkdir()
            bare.append(bare_round(round_folder / "bare", args.per_round))
            trinn.append(trinn_round(round_folder / "trinn", args.per_round))
    trinn_pages = [t for r in trinn for t in r["pages"]]
    bare_pages = [t for r in bare for t in r["pages"]]
    result = {
        "submissions": args.rounds * args.per_round,
        "trinn_per_s": statistics.median(r["per_s"] for r in trinn),
        "bare_per_s": statistics.median(r["per_s"] for r in bare),
        "page_p50_ms": _percentile(trinn_pages, 0.5) * 1000,
        "page_p99_ms": _percentile(trinn_pages, 0.99) * 1000,
        "bare_page_p50_ms": _percentile(bare_pages, 0.5) * 1000,
        "bare_page_p99_ms": _percentile(bare_pages, 0.99) * 1000,
    }
    result["ratio"] = result["trinn_per_s"] / result["bare_per_s"]
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(
        f"trinn serve, fase 7.2 sign-up form over loopback: {result['trinn_per_s']:.0f} submissions/s "
        f"(median of {args.rounds} rounds of {args.per_round}); bare Starlette + one SQLite row: "
        f"{result['bare_per_s']:.0f}/s (ratio {result['ratio']:.2f})"
    )
    bare_page = f"p50 {result['bare_page_p50_ms']:.1f} ms, p99 {result['bare_page_p99_ms']:.1f} ms"
    print(
        f"form page: p50 {result['page_p50_ms']:.1f} ms, p99 {result['page_p99_ms']:.1f} ms "
        f"(bare Starlette page: {bare_page})"
    )


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
