"""An archived patient's open tablet link stops working (issue 12, point 9)."""

from __future__ import annotations

from plugins.intake.tests.test_tablet import refusals, start_other


def test_archiving_the_patient_closes_their_open_tablet_link(signed_in, app):
    from clinic.testing import make_patient

    desk, _user = signed_in("front-desk")
    patient = make_patient()
    url, _code = start_other(desk, patient)
    assert desk.post_form(f"/patients/{patient.id}/archive").status_code == 302
    tablet = app.test_client()
    assert tablet.get(url).status_code == 403
    assert tablet.post_form(url).status_code == 403
    assert any("archived" in e.detail for e in refusals())
