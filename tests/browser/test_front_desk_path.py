"""The front desk's first morning, in a real browser: setup, staff, a patient, the chart."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ADMIN_PASSWORD = "violet-canyon-orchard-17"
DESK_PASSWORD = "amber-meadow-compass-58"


def test_first_run_to_patient_chart(browser_page, live_server):
    page = browser_page

    # First start: no users, so the setup page appears.
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/auth/setup$"))
    page.get_by_label("Your full name").fill("Morgan Owner")
    page.get_by_label("User name").fill("morgan")
    page.get_by_label("Password", exact=True).fill(ADMIN_PASSWORD)
    page.get_by_label("Repeat password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Create administrator").click()
    expect(page.get_by_role("heading", name="Staff accounts")).to_be_visible()

    # The setup page is gone once a user exists.
    assert page.request.get("/auth/setup").status == 404

    # Create a front-desk user.
    page.get_by_role("link", name="Add a staff member").click()
    page.get_by_label("Full name").fill("Dana Desk")
    page.get_by_label("User name").fill("dana")
    page.get_by_label("Role").select_option("front-desk")
    page.get_by_label("Initial password").fill(DESK_PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("cell", name="dana", exact=True)).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    # The front desk signs in.
    page.get_by_label("User name").fill("dana")
    page.get_by_label("Password").fill(DESK_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Today", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Staff")).to_have_count(0)

    # Register a patient (with a name that must be shown escaped).
    page.get_by_role("link", name="Register a patient").click()
    page.get_by_label("First name").fill("Renée")
    page.get_by_label("Last name").fill("<img src=x onerror=alert(1)>")
    page.get_by_label("Date of birth").fill("1968-04-12")
    page.get_by_label("Phone", exact=True).fill("(555) 201-7788")
    page.get_by_label("Referring physician").fill("Dr. Amy Lee")
    page.get_by_role("button", name="Register patient").click()
    expect(page.get_by_role("heading", name="<img src=x onerror=alert(1)>, Renée")).to_be_visible()

    # Find them by search: accent-insensitive first name, and by phone.
    page.get_by_role("link", name="Patients").click()
    page.get_by_label("Search patients").fill("renee")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("1 patient found")).to_be_visible()
    page.get_by_label("Search patients").fill("555201")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="<img src=x onerror=alert(1)>, Renée").click()

    # The chart shows the demographics; no script ran and no image was injected.
    expect(page.get_by_role("heading", name="Demographics")).to_be_visible()
    expect(page.get_by_text("Dr. Amy Lee")).to_be_visible()
    assert page.locator("img[src=x]").count() == 0
