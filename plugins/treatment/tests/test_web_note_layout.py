"""The note form reads in SOAP order, with each modality entry as its own card."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from clinic.testing import make_patient
from plugins.treatment.tests.factories import make_note, make_plan


class Sections(HTMLParser):
    """Which SOAP section (fieldset id ``soap-*``) holds each field, in page order."""

    def __init__(self):
        super().__init__()
        self.stack: list[dict] = []
        self.order: list[str] = []
        self.field_section: dict[str, str] = {}
        self.cards_in: list[str] = []

    def section(self) -> str | None:
        for attrs in reversed(self.stack):
            if (attrs.get("id") or "").startswith("soap-"):
                return attrs["id"]
        return None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "fieldset":
            if "modality-card" in (attrs.get("class") or "").split():
                self.cards_in.append(self.section())
            self.stack.append(attrs)
            if (attrs.get("id") or "").startswith("soap-"):
                self.order.append(attrs["id"])
        elif tag in {"input", "textarea", "select"} and attrs.get("name"):
            self.field_section.setdefault(attrs["name"], self.section())

    def handle_endtag(self, tag):
        if tag == "fieldset" and self.stack:
            self.stack.pop()


@pytest.fixture
def therapist(signed_in):
    return signed_in("therapist")


def test_note_form_is_soap_top_to_bottom_with_modality_cards(app, therapist):
    client, user = therapist
    patient = make_patient()
    plan = make_plan(patient, user)
    note = make_note(patient, user, plan=plan)
    page = client.get(f"/treatment/patients/{patient.id}/notes/{note.id}")
    assert page.status_code == 200
    parsed = Sections()
    parsed.feed(page.text)
    assert parsed.order == ["soap-s", "soap-o", "soap-a", "soap-p"]
    where = parsed.field_section
    assert where["subjective"] == "soap-s"
    assert where["pain_before"] == "soap-s"
    assert where["objective"] == "soap-o"
    assert where["palp1_region"] == "soap-o"
    assert where["add_modality"] == "soap-o"
    assert where["assessment"] == "soap-a"
    assert where["pain_after"] == "soap-a"
    assert where["plan_text"] == "soap-p"
    # One card per modality entry (the factory adds three), inside Objective.
    assert parsed.cards_in == ["soap-o"] * 3
