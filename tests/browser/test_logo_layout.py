"""The clinic's logo in the top bar and on the patient's tablet, at desk and tablet sizes.

An administrator uploads a logo on the clinic-details page; every staff page shows it
beside the clinic's name, and so does the tablet the patient holds.  Whatever the
logo's shape, it stays the height of one line of the name, sits on the same line, and
the name never wraps under it.  ``CLINIC_SCREENSHOT_DIR`` keeps the screens.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from clinic.testing import TEST_PASSWORD, make_patient, make_user

pytestmark = pytest.mark.browser

VIEWPORTS = {"desk": (1366, 900), "tablet": (820, 1180)}
LONG_NAME = "Harbour Street Massage & Pain Clinic"


def _logo(width: int, height: int) -> bytes:
    image = Image.new("RGB", (width, height), (31, 111, 100))
    ImageDraw.Draw(image).ellipse((4, 4, width - 4, height - 4), fill=(250, 200, 60))
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def _shot(page, name: str) -> None:
    folder = os.environ.get("CLINIC_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


def _sign_in(page, username: str) -> None:
    page.goto("/auth/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Today", exact=True)).to_be_visible()


def _check_brand(page, brand_selector: str) -> None:
    """The logo is one line high, vertically centred on the name, and the name is on
    one line beside it."""
    brand = page.locator(brand_selector)
    logo = brand.locator("img.brand-logo")
    expect(logo).to_be_visible()
    box, img = brand.bounding_box(), logo.bounding_box()
    assert img["height"] <= 40 and img["width"] <= 160, img
    line = page.evaluate(
        "el => parseFloat(getComputedStyle(el).lineHeight) || 1.5 * parseFloat("
        "getComputedStyle(el).fontSize)",
        brand.element_handle(),
    )
    # One line: the brand is no taller than the logo or one line of text, whichever is more.
    assert box["height"] <= max(img["height"], line) + 6, (box, img, line)
    centre = img["y"] + img["height"] / 2
    assert abs(centre - (box["y"] + box["height"] / 2)) <= 3, (box, img)


@pytest.mark.parametrize("shape", [(600, 150), (300, 300)], ids=["wide", "square"])
def test_logo_in_top_bar_and_on_tablet(browser_page, live_server, shape):
    with live_server.app.app_context():
        make_user("admin", username="ada")
        make_user("front-desk", username="dana")
        make_user("therapist", username="theo")
        patient = make_patient(first_name="Robin", last_name="Tablet")
        patient_id = patient.id
    page = browser_page
    tag = "x".join(map(str, shape))

    # The administrator sets the clinic's name and uploads its logo.
    _sign_in(page, "ada")
    page.get_by_role("link", name="Clinic details").click()
    page.get_by_label("Clinic name").fill(LONG_NAME)
    page.get_by_label("Logo (PNG or JPEG)").set_input_files(
        files=[{"name": "logo.png", "mimeType": "image/png", "buffer": _logo(*shape)}]
    )
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_alt_text("Current clinic logo")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    for role, username in (("therapist", "theo"), ("front-desk", "dana")):
        _sign_in(page, username)
        for label, (width, height) in VIEWPORTS.items():
            page.set_viewport_size({"width": width, "height": height})
            expect(page.locator(".topbar .brand")).to_contain_text(LONG_NAME)
            _check_brand(page, ".topbar .brand")
            _shot(page, f"topbar-{role}-{tag}-{label}")
        if role == "therapist":
            page.get_by_role("button", name="Sign out").click()

    # The front desk hands a packet to the patient's tablet (this browser).
    page.goto(f"/patients/{patient_id}")
    page.get_by_role("link", name="Start or continue a packet").click()
    page.get_by_label("Packet", exact=True).select_option(label="Follow-up")
    page.get_by_label(re.compile(r"^Hand this device to the patient")).check()
    page.get_by_role("button", name="Start packet").click()
    for label, (width, height) in VIEWPORTS.items():
        page.set_viewport_size({"width": width, "height": height})
        expect(page.locator(".tablet-brand")).to_contain_text(LONG_NAME)
        _check_brand(page, ".tablet-brand p")
        _shot(page, f"tablet-{tag}-{label}")
