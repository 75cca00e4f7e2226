"""A working day, driven in a real browser the way staff and patients use it.

Each journey starts from the page it is given and moves on only by clicking links,
buttons and labels.  The browser tests run them against a fresh test clinic and
``make screenshots`` (``tests/browser/screens.py``) runs them against the demo
clinic; ``shoot(page, name)`` is called at every screen worth looking at.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

Shoot = Callable[[Page, str], None]


def no_shots(_page: Page, _name: str) -> None:
    return None


def sign_in(page: Page, username: str, password: str) -> None:
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Today", exact=True)).to_be_visible()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("User name")).to_be_visible()


def save(page: Page) -> None:
    page.get_by_role("button", name=re.compile(r"^Save and (continue|review)$")).click()


def answer_visible_no(page: Page) -> None:
    for radio in page.locator("input[type=radio][value=false]").all():
        if radio.is_visible():
            radio.check()


def desk_opens_chart_by_number(page: Page, shoot: Shoot, chart_number: int, name: str) -> None:
    """From the start page: type the chart number, open the chart."""
    shoot(page, "start-front-desk")
    page.get_by_label("Search patients").fill(f"#{chart_number}")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("1 patient found")).to_be_visible()
    page.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    shoot(page, "chart")


def desk_starts_tablet_packet(page: Page, shoot: Shoot, packet: str) -> str:
    """From a chart: start a packet on another tablet; returns the hand-over code."""
    page.get_by_role("link", name="Start or continue a packet").click()
    page.get_by_label("Packet", exact=True).select_option(label=packet)
    page.get_by_label("Start on another tablet (shows a code to type there)").check()
    page.get_by_role("button", name="Start packet").click()
    code = page.get_by_label("Code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]+", code), code
    shoot(page, "handover-code")
    return code


def patient_opens_packet(tablet: Page, shoot: Shoot, code: str, first_name: str) -> None:
    """On the tablet's code page: type the code and start."""
    shoot(tablet, "tablet-code")
    tablet.get_by_label("Code").fill(code)
    tablet.get_by_role("button", name="Open").click()
    expect(tablet.get_by_role("heading", name=f"Welcome, {first_name}")).to_be_visible()
    tablet.get_by_role("button", name="Start", exact=True).click()


def patient_answers_history_quietly(tablet: Page, shoot: Shoot) -> None:
    while tablet.locator("h1").inner_text().startswith("Health history"):
        answer_visible_no(tablet)
        save(tablet)


def patient_signs_consent(tablet: Page, shoot: Shoot, full_name: str, draw: bool = True) -> None:
    """Agree, type the name and (optionally) sign with a finger; the date is prefilled."""
    expect(tablet.get_by_label("Date", exact=True)).not_to_have_value("")
    tablet.get_by_label(re.compile(r"^I have read the consent text above")).check()
    tablet.get_by_label("Type your full name to sign").fill(full_name)
    if draw:
        pad = tablet.get_by_role("img", name=re.compile("sign with your finger"))
        pad.scroll_into_view_if_needed()
        box = pad.bounding_box()
        tablet.mouse.move(box["x"] + 30, box["y"] + box["height"] * 0.6)
        tablet.mouse.down()
        for step in range(1, 13):
            tablet.mouse.move(
                box["x"] + 30 + step * 22, box["y"] + box["height"] * (0.6 - 0.3 * (step % 2))
            )
        tablet.mouse.up()
    shoot(tablet, "tablet-consent")
    save(tablet)


def patient_finishes(tablet: Page, shoot: Shoot) -> None:
    """Answer what is left (pain now: 6), review and submit."""
    while not tablet.get_by_role("heading", name="Check your answers").count():
        for group in tablet.get_by_role("group").all():
            six = group.locator("input[type=radio][value='6']")
            if six.count() == 1 and not group.locator("input:checked").count():
                six.check()
        answer_visible_no(tablet)
        save(tablet)
    shoot(tablet, "tablet-review")
    tablet.get_by_role("button", name="Submit answers").click()
    expect(tablet.get_by_role("heading", name=re.compile("^Thank you"))).to_be_visible()


def patient_marks_pain(tablet: Page, shoot: Shoot, marks: dict[str, int]) -> None:
    """Tap each region on the body, then choose its number on the 0-10 scale."""
    expect(tablet.get_by_role("heading", name="Where does it hurt?")).to_be_visible()
    rater = tablet.get_by_role("group", name=re.compile("how much does it hurt"))
    for n, (code, rating) in enumerate(marks.items()):
        tablet.locator(f"a[data-region={code}]").click()
        expect(rater).to_be_visible()
        if n == len(marks) - 1:
            shoot(tablet, "tablet-pain-choose")
        rater.get_by_role("button", name=f"{rating} out of 10", exact=True).click()
        expect(rater).to_be_hidden()
    shoot(tablet, "tablet-pain-diagram")
    save(tablet)


def therapist_reviews_start_page(page: Page, shoot: Shoot) -> None:
    """The therapist's start page: what needs them, most urgent first."""
    expect(page.get_by_role("heading", name="Safety alerts to review")).to_be_visible()
    shoot(page, "start-therapist")
    alerts = page.locator(
        "section", has=page.get_by_role("heading", name="Safety alerts to review")
    )
    alerts.get_by_role("link").first.click()
    expect(page.get_by_role("heading", name=re.compile("safety alerts", re.I))).to_be_visible()
    shoot(page, "findings")
