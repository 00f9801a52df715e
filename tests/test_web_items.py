"""Public links that address one item of a `for_each` task: the token carries the item, the
page says which item it is about, and the submission writes that item's record and only that
one (a link for one supplier can never answer for another); the history says it came through
the web form, and the record is under its task item in `trinn show --json`."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.web_helpers import KEY, NOW, Clock, key_file, make_service, request, serving
from trinn.engine.errors import CommandError
from trinn.engine.links import FormLinks, LinkError
from trinn.engine.service import Service
from trinn.tui.cli import app

QUOTES = """\
id: test.quotes
version: 1
language: en
title: Quotes from suppliers
subject: {title: Purchase, field: purchase}
roles:
  buyer: {title: Buyer}
  supplier: {title: Supplier, external: true}
fields:
  purchase: {type: text, label: Purchase, required: true}
  suppliers: {type: text_list, label: Suppliers}
  price: {type: money, label: Your price, required: true}
  remark: {type: long_text, label: Remark}
forms:
  quote: {title: Your quote, fields: [price, remark], public: true}
messages:
  ask:
    title: "Quotes for {{ purchase }}"
    body: "{% for s in case.raw.suppliers %}{{ s }}: {{ form_link('quote', s) }}\\n{% endfor %}"
  ask_nobody:
    title: A link for no one
    body: "{{ form_link('quote', 'Nobody') }}"
initial: drafting
states:
  drafting:
    title: Drafting
    tasks: [{id: list_suppliers, title: List the suppliers, role: buyer}]
  asking:
    title: Asking for quotes
    tasks:
      - {id: give_quote, title: Give a quote, role: supplier, for_each: suppliers, form: quote}
  chosen: {title: Chosen, final: true, outcome: positive}
transitions:
  - trigger: ask
    from: drafting
    to: asking
    by: buyer
    do: [{notify: {to: buyer, message: ask}}]
  - trigger: ask_nobody
    from: drafting
    to: asking
    by: buyer
    do: [{notify: {to: buyer, message: ask_nobody}}]
  - {trigger: choose, from: asking, to: chosen, by: buyer, when: "tasks.give_quote.records.exists(r, r.done)"}
"""
PEOPLE = "bo: {name: Bo, email: bo@buyer.test, roles: [buyer]}\n"
LINK = re.compile(r"^(\w+): https://skjema\.test(/f/\S+)$", re.MULTILINE)
CSRF = re.compile(r'name="_csrf" value="([^"]+)"')


@dataclass
class Quotes:
    service: Service
    base: str
    db_url: str
    case_id: int
    links: dict[str, str]  # supplier -> the path of its link

    def open_page(self, path: str) -> tuple[str, dict[str, str]]:
        page = request(self.base + path)
        assert page.status == 200, page.body
        found = CSRF.search(page.body)
        assert found is not None
        return found.group(1), page.cookies

    def post(self, path: str, answers: dict[str, str], csrf_from: str | None = None) -> int:
        csrf, cookies = self.open_page(csrf_from or path)
        return request(self.base + path, "POST", form={"_csrf": csrf, **answers}, cookies=cookies).status

    def records(self) -> dict[str | None, object]:
        case = self.service.queries.load(self.case_id)[0]
        return {t.item: t.answers for t in case.current_tasks()}

    def version(self) -> int:
        return self.service.queries.load(self.case_id)[0].row_version


@pytest.fixture
def quotes(tmp_path: Path, db_url: str) -> Iterator[Quotes]:
    """A purchase asking Acme and Bolt for quotes, each with a link of its own, served."""
    books = tmp_path / "books"
    books.mkdir()
    (books / "quotes.yaml").write_text(QUOTES)
    service = make_service(tmp_path, db_url, Clock(), people_text=PEOPLE, playbook_dirs=(books,))
    case_id = service.open_case(
        "test.quotes", {"purchase": "Chairs", "suppliers": ["Acme", "Bolt"]}, actor="bo"
    ).id
    service.complete_task(case_id, "list_suppliers", actor="bo")
    service.fire(case_id, "ask", actor="bo")
    (mail,) = [r for r in service.queries.outbox(case_id) if r.payload["message"] == "ask"]
    links = dict(LINK.findall(mail.payload["body"]))
    assert sorted(links) == ["Acme", "Bolt"] and links["Acme"] != links["Bolt"]
    with serving(service) as base:
        yield Quotes(service, base, db_url, case_id, links)
    service.store.close()


def test_web_item_link_page_says_which_item_it_is_for(quotes: Quotes) -> None:
    page = request(quotes.base + quotes.links["Acme"])
    assert page.status == 200
    assert '<p class="item">This answer is for: <strong>Acme</strong></p>' in page.body
    assert "Bolt" not in page.body


def test_web_item_link_writes_its_items_record_and_no_other(quotes: Quotes, tmp_path: Path) -> None:
    assert quotes.post(quotes.links["Acme"], {"price": "1 200", "remark": "Delivery in May"}) == 303
    assert quotes.records() == {"Acme": {"price": 1200, "remark": "Delivery in May"}, "Bolt": None}
    last = quotes.service.queries.history(quotes.case_id)[-1]
    assert (last.actor, last.kind, last.name, last.details["via"]) == ("supplier", "form", "quote", "web")
    assert last.details["done"] == [
        {"task": "give_quote", "item": "Acme", "answers": {"price": 1200, "remark": "Delivery in May"}}
    ]
    run = ["--db", quotes.db_url, "--people", str(tmp_path / "people.yaml"), "--as", "bo"]
    run += ["--playbooks", str(tmp_path / "books")]
    shown = json.loads(CliRunner().invoke(app, [*run, "show", str(quotes.case_id), "--json"]).stdout)
    by_item = {t["item"]: (t["status"], t["done_by"], t["answers"]) for t in shown["tasks"]}
    assert by_item == {
        "Acme": ("done", "supplier", {"price": 1200, "remark": "Delivery in May"}),
        "Bolt": ("open", None, None),
    }
    history = CliRunner().invoke(app, [*run, "history", str(quotes.case_id)]).stdout
    said = 'form quote (give_quote [Acme]: price=1200, remark="Delivery in May") (through the web form)'
    assert said in history
    # Acme's link is spent; Bolt's still opens Bolt's form
    assert request(quotes.base + quotes.links["Acme"]).status == 404
    assert request(quotes.base + quotes.links["Bolt"]).status == 200


def _payload(token: str) -> list[object]:
    body = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def test_web_item_link_for_one_item_cannot_write_another(quotes: Quotes) -> None:
    """The item is signed with the link: changed, the link is no link; the request cannot name
    another; a form token of one item does not send another's; a link without an item opens none."""
    before = quotes.version()
    acme = quotes.links["Acme"]
    token = acme.partition("?k=")[2]
    assert _payload(token)[4] == "Acme"
    # Bolt put in Acme's token, with Acme's signature: not a link
    forged_body = base64.urlsafe_b64encode(json.dumps([*_payload(token)[:4], "Bolt"]).encode()).rstrip(b"=")
    forged = acme.partition("?k=")[0] + "?k=" + forged_body.decode() + "." + token.split(".", 1)[1]
    assert request(quotes.base + forged).status == 404
    # a field naming the item is no field of the form: refused, nothing written
    assert quotes.post(acme, {"price": "900", "item": "Bolt"}) == 400
    # Acme's page's form token does not send Bolt's form
    assert quotes.post(quotes.links["Bolt"], {"price": "900"}, csrf_from=acme) == 403
    # a link of this key for the form without an item opens no item's record
    links = FormLinks(KEY, "https://skjema.test")
    claim = links.read(token, quotes.case_id, "quote", NOW)
    bare = links.url(quotes.case_id, "quote", claim.entry, claim.expires_at)
    assert request(quotes.base + bare.removeprefix("https://skjema.test")).status == 404
    # through the service: a link's claim with another item named is refused
    with pytest.raises(LinkError, match="for another item"):
        quotes.service.submit_form(
            quotes.case_id, "quote", {"price": 900}, actor="web", link=claim, item="Bolt"
        )
    assert quotes.version() == before
    assert quotes.records() == {"Acme": None, "Bolt": None}


def test_form_link_to_an_item_that_waits_for_nothing_refuses_the_message(tmp_path: Path) -> None:
    books = tmp_path / "books"
    books.mkdir()
    (books / "quotes.yaml").write_text(QUOTES)
    service = make_service(
        tmp_path, f"sqlite:///{tmp_path / 'trinn.db'}", Clock(), people_text=PEOPLE, playbook_dirs=(books,)
    )
    try:
        case_id = service.open_case(
            "test.quotes", {"purchase": "Chairs", "suppliers": ["Acme"]}, actor="bo"
        ).id
        service.complete_task(case_id, "list_suppliers", actor="bo")
        with pytest.raises(
            CommandError, match=r"form_link\('quote', 'Nobody'\): no item 'Nobody' waits for it"
        ):
            service.fire(case_id, "ask_nobody", actor="bo")
        assert service.queries.load(case_id)[0].state == "drafting"
    finally:
        service.store.close()


def test_cli_link_names_the_item_of_a_form_filled_per_item(quotes: Quotes, tmp_path: Path) -> None:
    run = ["--db", quotes.db_url, "--people", str(tmp_path / "people.yaml"), "--as", "bo"]
    run += ["--playbooks", str(tmp_path / "books")]
    given = ["--key-file", str(key_file(tmp_path)), "--base-url", "https://skjema.test"]
    case = str(quotes.case_id)
    printed = CliRunner().invoke(
        app, [*run, "link", case, "quote", "--item", "Bolt", *given, "--json"], obj=lambda: NOW
    )
    assert printed.exit_code == 0, printed.stderr
    link = json.loads(printed.stdout)
    assert (link["item"], link["url"]) == ("Bolt", "https://skjema.test" + quotes.links["Bolt"])
    none = CliRunner().invoke(app, [*run, "link", case, "quote", *given], obj=lambda: NOW)
    assert (none.exit_code, none.stderr) == (
        1,
        f"trinn: case {case}: form 'quote' is filled per item: name the item "
        "(its open items: 'Acme', 'Bolt')\n",
    )
    wrong = CliRunner().invoke(app, [*run, "link", case, "quote", "--item", "Bolts", *given], obj=lambda: NOW)
    assert (wrong.exit_code, wrong.stderr) == (
        1,
        f"trinn: case {case}: form 'quote' is not waiting for answers for 'Bolts' in state 'asking' "
        "(did you mean 'Bolt'?)\n",
    )
