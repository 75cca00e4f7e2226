"""Intake pages load the plugin's stylesheet (a mis-escaped link tag once dropped it)."""

from __future__ import annotations

import re

from clinic.testing import make_patient

LINK = re.compile(r'<link rel="stylesheet" href="/intake/static/intake\.css[^"]*">')


def test_intake_pages_link_their_stylesheet(signed_in):
    admin, _ = signed_in("admin")
    desk, _ = signed_in("front-desk")
    patient = make_patient()
    pages = [
        (desk, "/intake/"),
        (desk, f"/intake/patients/{patient.id}/"),
        (admin, "/intake/admin/wording"),
        (admin, "/intake/admin/packets"),
    ]
    for client, url in pages:
        page = client.get(url)
        assert page.status_code == 200, url
        assert LINK.search(page.text), f"{url} does not link intake.css"
