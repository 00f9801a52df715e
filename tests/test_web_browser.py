"""A real browser (Debian's chromium, driven by selenium) fills in fase 7.2's sign-up form.

The company opens the link of its invitation, sends a bad e-mail address and reads the
message at that field, corrects it, sends again, and is thanked; the case has moved as
the company, and its receipt and Ledelsen's alert are queued. `scripts/ensure-chromium`
installs the browser when it is missing (as the PostgreSQL and tmux tests install
theirs); where it cannot, the test says why in a skip, and CI (CI=true) fails instead.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web_helpers import Clock, invited_case, make_service, serving

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


def _heading_once_loaded(browser: object, expected: str) -> str:
    """The page's heading once the page that says `expected` has loaded.

    A click on submit returns before the POST, its redirect and the next page are done;
    on a busy machine an immediate lookup reads the half-loaded document. The wait is
    bounded, and its failure names the page the browser was left on."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support.ui import WebDriverWait

    assert isinstance(browser, WebDriver)

    def heading(driver: WebDriver) -> str | bool:
        found = driver.find_elements(By.TAG_NAME, "h1")
        return found[0].text if found and found[0].text == expected else False

    try:
        return str(WebDriverWait(browser, 60, poll_frequency=0.2).until(heading))
    except TimeoutException:
        pytest.fail(f"no heading {expected!r} at {browser.current_url}:\n{browser.page_source[:2000]}")


def test_browser_company_signs_up_from_its_invitation(browser: object, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver

    assert isinstance(browser, WebDriver)
    service = make_service(tmp_path, f"sqlite:///{tmp_path / 'trinn.db'}", Clock())
    case_id = invited_case(service)
    (invitation,) = [r for r in service.queries.outbox(case_id) if r.payload["message"] == "invitasjon"]
    found = LINK.search(invitation.payload["body"])
    assert found is not None
    with serving(service) as base:
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

        error = browser.find_element(By.ID, "err-kontakt_epost")
        assert "ikke en e-postadresse" in error.text
        box = browser.find_element(By.ID, "f-kontakt_epost")
        assert box.get_attribute("aria-invalid") == "true"
        assert "err-kontakt_epost" in (box.get_attribute("aria-describedby") or "")
        assert service.queries.load(case_id)[0].state != "pamelding_mottatt"  # nothing written

        fill("kontakt_epost", "per@fjordkraft.test")
        browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        assert _heading_once_loaded(browser, "Takk") == "Takk"

    case = service.queries.load(case_id)[0]
    assert case.state == "pamelding_mottatt"
    assert case.fields["kontakt_epost"] == "per@fjordkraft.test"
    last = service.queries.history(case_id)[-1]
    assert (last.actor, last.details["via"]) == ("virksomheten", "web")
    queued = [(r.payload["message"], r.payload["address"]) for r in service.queries.outbox(case_id)]
    assert queued[-2:] == [("kvittering", "per@fjordkraft.test"), ("ny_samarbeidspartner", None)]
    service.store.close()
