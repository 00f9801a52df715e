"""A real browser (Debian's chromium, driven by selenium) fills in fase 7.2's sign-up form.

The company opens the link in the invitation its mailbox got (apprise to a loopback SMTP
receiver), sends a bad e-mail address and reads the message at that field, corrects it,
sends again, and is thanked; the server then sends what the submission queued, so the
receipt arrives at the address the company gave and Ledelsen's alert at Kari's, and the
case has moved as the company. Fem trin's partner answers its invitation with the keyboard
alone. `scripts/ensure-chromium`
installs the browser when it is missing (as the PostgreSQL and tmux tests install
theirs); where it cannot, the test says why in a skip, and CI (CI=true) fails instead.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.notify_receivers import Mailbox
from tests.web_helpers import (
    FEM_TRIN_PEOPLE,
    Clock,
    fem_trin_waiting,
    invited_case,
    mail_channels,
    make_service,
    serving,
)
from trinn.notifiers.dispatch import send_pending
from trinn.tui.web.delivery import outbox_sender

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"https://skjema\.test(/f/\S+)")


def _browser_paths() -> tuple[str, str]:
    done = subprocess.run(
        [str(ROOT / "scripts" / "ensure-chromium")], capture_output=True, text=True, check=False, timeout=900
    )
    if done.returncode != 0:
        reason = f"chromium is not available: {done.stderr.strip()}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    driver, browser = done.stdout.split()[:2]
    return driver, browser


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service as DriverService

    driver_path, browser_path = _browser_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = browser_path
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=420,900"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=DriverService(driver_path), options=options)
    driver.set_page_load_timeout(60)
    # Lookups wait (bounded) for the element while a page that a click started still loads.
    driver.implicitly_wait(30)
    try:
        yield driver
    finally:
        driver.quit()


def _text_once_loaded(browser: object, by: str, what: str, expected: str) -> str:
    """The text of the first element `what` (found `by`) once the page where it says
    `expected` has loaded.

    A click on submit returns before the POST, its redirect and the next page are done;
    on a busy machine an immediate lookup reads the half-loaded document, or an element of
    the page being left (stale by the time it is read). The wait is bounded, and its
    failure names the page the browser was left on."""
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support.ui import WebDriverWait

    assert isinstance(browser, WebDriver)

    def loaded(driver: WebDriver) -> str | bool:
        found = driver.find_elements(by, what)
        return found[0].text if found and expected in found[0].text else False

    wait = WebDriverWait(browser, 60, poll_frequency=0.2, ignored_exceptions=[StaleElementReferenceException])
    try:
        return str(wait.until(loaded))
    except TimeoutException:
        pytest.fail(
            f"no {what!r} saying {expected!r} at {browser.current_url}:\n{browser.page_source[:2000]}"
        )


def _mails(box: Mailbox, subject: str) -> list[tuple[list[str], str]]:
    """The recipients and plain-text body of each e-mail with `subject` the receiver got."""
    return [
        (recipients, message.get_body(("plain",)).get_content())
        for _sender, recipients, message in list(box.messages)
        if message["Subject"] == subject
    ]


def _arrived(box: Mailbox, subject: str) -> list[tuple[list[str], str]]:
    """The e-mails with `subject`, once the server's delivery after the answer has sent them
    (it runs after the visitor's page is answered: a bounded wait, failing with what came)."""
    deadline = time.monotonic() + 60
    while not _mails(box, subject) and time.monotonic() < deadline:
        time.sleep(0.1)
    if not _mails(box, subject):
        pytest.fail(f"no e-mail {subject!r}; got {[m['Subject'] for _s, _r, m in box.messages]}")
    return _mails(box, subject)


def test_browser_company_signs_up_from_its_invitation(
    browser: object, tmp_path: Path, box: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver

    assert isinstance(browser, WebDriver)
    monkeypatch.setenv("SMTP_PASSWORD", box.password)
    clock = Clock()
    service = make_service(tmp_path, f"sqlite:///{tmp_path / 'trinn.db'}", clock)
    channels = mail_channels(tmp_path, box)
    case_id = invited_case(service)
    send_pending(service.store, channels, now=clock())
    # the company's invitation, as its contact person's mailbox got it through apprise
    (invitation,) = _mails(box, "Invitasjon til å bli ny samarbeidspartner i Pådriv")
    assert invitation[0] == ["per@fjordkraft.test"]
    found = LINK.search(invitation[1])
    assert found is not None
    box.messages.clear()
    with serving(service, deliver=outbox_sender(service.store, channels, clock)) as base:
        browser.get(base + found.group(1))
        assert browser.find_element(By.CSS_SELECTOR, "label[for='f-kontaktperson']").text.startswith(
            "Kontaktperson"
        )

        def fill(field: str, text: str) -> None:
            box = browser.find_element(By.ID, f"f-{field}")
            box.clear()
            box.send_keys(text)

        fill("kontaktperson", "Per Hansen")
        fill("kontakt_epost", "per-at-fjordkraft")
        fill("strategisk_initiativ", "Fornybar energi")
        browser.find_element(By.ID, "f-har_okonomisk_bidrag-yes").click()
        fill("okonomisk_bidrag", "50 000")
        browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

        _text_once_loaded(browser, By.ID, "err-kontakt_epost", "ikke en e-postadresse")
        field = browser.find_element(By.ID, "f-kontakt_epost")
        assert field.get_attribute("aria-invalid") == "true"
        assert "err-kontakt_epost" in (field.get_attribute("aria-describedby") or "")
        assert service.queries.load(case_id)[0].state != "pamelding_mottatt"  # nothing written

        fill("kontakt_epost", "post@fjordkraft.test")  # the receipt goes to the address given here
        browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        assert _text_once_loaded(browser, By.TAG_NAME, "h1", "Takk") == "Takk"

        # the automatic receipt reaches the address the company gave, with its answers
        ((to, receipt),) = _arrived(box, "Påmeldingsskjemaet er mottatt")
        assert to == ["post@fjordkraft.test"]
        assert "Strategisk prosjekt / initiativ: Fornybar energi" in receipt
        assert "Økonomisk bidrag: 50 000 kr" in " ".join(receipt.split())  # the spaces: any kind
        # Ledelsen is alerted (Kari holds the role) through the same outbox
        ((to, alert),) = _arrived(box, "Ny samarbeidspartner registrert: Fjordkraft AS")
        assert to == ["kari@padriv.test"] and f"(sak {case_id})" in alert

    case = service.queries.load(case_id)[0]
    assert case.state == "pamelding_mottatt"
    assert case.fields["kontakt_epost"] == "post@fjordkraft.test"
    last = service.queries.history(case_id)[-1]
    assert (last.actor, last.details["via"]) == ("virksomheten", "web")
    sent = {r.payload["message"]: (r.status, r.payload["address"]) for r in service.queries.outbox(case_id)}
    assert sent["kvittering"] == ("sent", "post@fjordkraft.test")
    assert sent["ny_samarbeidspartner"] == ("sent", None)
    service.store.close()


def test_browser_partner_answers_with_the_keyboard_alone(browser: object, tmp_path: Path) -> None:
    """Fem trin's answer page works without a mouse: Tab reaches the choice, Space picks it,
    the message is typed, and Enter on the button sends it."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.remote.webdriver import WebDriver

    assert isinstance(browser, WebDriver)
    service = make_service(
        tmp_path, f"sqlite:///{tmp_path / 'trinn.db'}", Clock(), people_text=FEM_TRIN_PEOPLE
    )
    case_id = fem_trin_waiting(service, ["Biblioteket"])
    (mail,) = [r for r in service.queries.outbox(case_id) if r.payload["message"] == "kontakt_mail"]
    found = LINK.search(mail.payload["body"])
    assert found is not None

    def tab_to(element_id: str) -> None:
        for _ in range(12):  # a bounded walk through the page's focus order
            ActionChains(browser).send_keys(Keys.TAB).perform()
            if browser.switch_to.active_element.get_attribute("id") == element_id:
                return
        pytest.fail(f"Tab never reached #{element_id}")

    with serving(service) as base:
        browser.get(base + found.group(1))
        assert (
            _text_once_loaded(browser, "tag name", "h1", "Svar")
            == "Svar på invitationen til et indledende møde"
        )
        tab_to("f-moedesvar-1")
        ActionChains(browser).send_keys(Keys.SPACE).perform()
        tab_to("f-moedesvar_besked")
        ActionChains(browser).send_keys("Tirsdag passer os.").perform()
        ActionChains(browser).send_keys(Keys.TAB).perform()
        assert browser.switch_to.active_element.tag_name == "button"
        ActionChains(browser).send_keys(Keys.ENTER).perform()
        assert _text_once_loaded(browser, "tag name", "h1", "Tak") == "Tak"
    case = service.queries.load(case_id)[0]
    (record,) = [t for t in case.tasks if t.task_id == "svar_paa_moede"]  # the partner's own record
    assert (case.state, record.item, record.answers) == (
        "indledende_moede",
        "Biblioteket",
        {"moedesvar": "ja", "moedesvar_besked": "Tirsdag passer os."},
    )
    service.store.close()
