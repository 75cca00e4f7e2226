"""Bad input and failing parts get clear answers, never a 500 (issue 12, point 9)."""

from __future__ import annotations

import re

import pytest

from clinic.testing import make_patient, make_user

HUGE = (2**31, 2**63)


def _int_routes(app):
    for rule in app.url_map.iter_rules():
        ints = re.findall(r"<int:(\w+)>", rule.rule)
        if ints:
            yield rule, ints


@pytest.mark.parametrize("huge", HUGE)
def test_ids_beyond_the_integer_range_are_not_found_on_every_route(app, signed_in, huge):
    client, _user = signed_in("admin")
    routes = list(_int_routes(app))
    assert len(routes) > 40  # every core and plugin route with an id
    failures = []
    for rule, ints in routes:
        values = {name: huge if name in ints else "x" for name in rule.arguments}
        path = rule.build(values, append_unknown=False)[1]
        if "GET" in rule.methods:
            response = client.get(path)
        else:
            response = client.post_form(path)
        # 405: a sibling route with a text segment matched the path for another method.
        if response.status_code not in (404, 405):
            failures.append((rule.rule, response.status_code))
    assert failures == []


def test_healthz_reports_the_database(client):
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok" and body["database"] == "ok"


def test_healthz_says_when_the_database_is_unreachable(app_factory, tmp_path):
    broken = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/dir/x.sqlite3")
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_a_pdf_render_that_times_out_is_a_clear_message(app, signed_in):
    app.config["CLINIC_PDF_TIMEOUT_SECONDS"] = 0
    client, _user = signed_in("front-desk")
    patient = make_patient()
    response = client.get(f"/patients/{patient.id}/face-sheet.pdf")
    assert response.status_code == 503
    assert "The document could not be produced" in response.text
    assert "took too long" in response.text


def test_a_pdf_render_is_stopped_at_its_memory_limit(app):
    from clinic.pdf import PdfError, PdfTimeout, asset_roots, render_with_timeout

    huge = "<table>" + "<tr><td>cell</td><td>another cell</td></tr>" * 50_000 + "</table>"
    with pytest.raises(PdfError, match="more memory") as raised:
        render_with_timeout(huge, asset_roots(app), timeout=60, memory_mb=8)
    assert not isinstance(raised.value, PdfTimeout)


def test_a_pdf_within_the_memory_limit_still_renders(app, signed_in):
    make_user("admin")
    client, _user = signed_in("front-desk")
    patient = make_patient()
    response = client.get(f"/patients/{patient.id}/face-sheet.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
