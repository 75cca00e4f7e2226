"""A drawn chart is kept and shown again until something it shows changes
(``clinic.chartcache`` on ``clinic.versions``).

What keeps it safe, each held here through the pages a user opens: a change made
through any form, on this server or another one, shows on the next view; a chart is
never shown to a user it was not drawn for, and its form token is always the viewer's
own; a new clinic day draws it again; every view is still audited; a plugin that does
not declare its chart drawing keepable turns keeping off.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from types import SimpleNamespace

from sqlalchemy import func, select, update

from clinic.api import PatientAlert, hookimpl
from clinic.audit.models import AuditEvent
from clinic.extensions import db
from clinic.testing import login, make_patient, make_user, register_hooks
from clinic.versions import CLINIC_WIDE, current
from plugins.treatment.models import Note, NoteEntry
from plugins.treatment.tests.factories import make_note, make_plan


def _statements(app, client, url):
    """(response, SQL statements it ran)."""
    from sqlalchemy import event

    seen = []

    def count(*_args):
        seen.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200, response.status_code
    return response, len(seen)


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _chart_body(html: str) -> str:
    """The chart below the top bar (the top bar carries the sign-out form's token)."""
    return html[html.index('<main id="main"') :]


def test_a_repeat_view_is_shown_from_the_kept_chart_and_is_still_audited(app, signed_in):
    client, therapist = signed_in("therapist")
    patient = make_patient()
    make_note(patient, therapist, plan=make_plan(patient, therapist), signed=True)
    url = f"/patients/{patient.id}"
    first, drawn = _statements(app, client, url)
    second, kept = _statements(app, client, url)
    assert _chart_body(second.text) == _chart_body(first.text)
    assert 'id="panel-treatment-sessions"' in second.text
    assert kept < drawn / 2, (kept, drawn)
    views = db.session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.event_type == "patient.view", AuditEvent.patient_id == patient.id
        )
    )
    assert views == 2


def test_a_change_through_a_form_shows_on_the_next_view(app, signed_in):
    client, _desk = signed_in("front-desk")
    patient = make_patient(phone="555-100-2000")
    url = f"/patients/{patient.id}"
    assert "555-100-2000" in client.get(url).text
    client.get(url)  # kept
    form = {
        name: str(getattr(patient, name) or "")
        for name in ("first_name", "last_name", "sex", "email", "preferred_language")
    }
    form.update(
        date_of_birth=patient.date_of_birth.isoformat(),
        phone="555-777-0000",
        version=str(patient.version),
    )
    assert client.post_form(f"{url}/edit", form).status_code == 302
    page = client.get(url).text
    assert "555-777-0000" in page and "555-100-2000" not in page


def test_a_mark_on_a_note_raises_only_its_patients_version_and_shows(app, signed_in):
    client, therapist = signed_in("therapist")
    patient, other = make_patient(), make_patient()
    note = make_note(patient, therapist, signed=True)
    url = f"/patients/{patient.id}"
    assert "entered in error" not in client.get(url).text
    client.get(url)
    before, other_before = current(db.session, patient.id), current(db.session, other.id)
    response = client.post_form(
        f"/treatment/patients/{patient.id}/notes/{note.id}/error", {"reason": "Wrong patient"}
    )
    assert response.status_code == 302
    db.session.commit()
    after, other_after = current(db.session, patient.id), current(db.session, other.id)
    # The mark (a row of its own, with no patient column) counts as this patient's
    # change, found through its note: other patients' kept charts stay valid.
    assert after[1] > before[1]
    assert after[0] == before[0] and other_after == other_before
    assert "entered in error" in client.get(url).text


def test_a_change_made_on_another_server_shows_here(app_factory, database_url):
    # Two app servers on one database, each with its own kept charts.
    here, there = app_factory(), app_factory()
    with here.app_context():
        desk = SimpleNamespace(username=make_user("front-desk").username)
        patient = make_patient(phone="555-100-2000")
        patient_id, version = patient.id, patient.version
        fields = {
            name: str(getattr(patient, name) or "")
            for name in ("first_name", "last_name", "sex", "email", "preferred_language")
        }
        fields["date_of_birth"] = patient.date_of_birth.isoformat()
    viewer, editor = here.test_client(), there.test_client()
    with here.app_context():
        login(viewer, desk)
        url = f"/patients/{patient_id}"
        viewer.get(url)
        assert "555-100-2000" in viewer.get(url).text  # shown from the kept chart
    with there.app_context():
        login(editor, desk)
        response = editor.post_form(
            f"{url}/edit", {**fields, "phone": "555-777-0000", "version": str(version)}
        )
        assert response.status_code == 302
    with here.app_context():
        page = viewer.get(url).text
    assert "555-777-0000" in page and "555-100-2000" not in page


def test_a_chart_kept_for_one_role_is_not_shown_to_another(app, signed_in):
    therapist_client, therapist = signed_in("therapist")
    desk_client, _desk = signed_in("front-desk")
    patient = make_patient()
    make_plan(patient, therapist)
    url = f"/patients/{patient.id}"
    therapist_client.get(url)
    assert 'id="panel-treatment-plans"' in therapist_client.get(url).text
    desk_page = desk_client.get(url).text
    assert 'id="panel-treatment-plans"' not in desk_page
    assert 'id="panel-intake"' in desk_page


def test_the_form_token_in_a_kept_chart_is_the_viewers_own(app):
    admin = make_user("admin")
    patient = make_patient()
    first, second = app.test_client(), app.test_client()
    login(first, admin)
    login(second, admin)
    url = f"/patients/{patient.id}"
    first_token = _csrf(_chart_body(first.get(url).text))
    second_page = second.get(url).text  # same user, same data: the kept chart
    second_token = _csrf(_chart_body(second_page))
    assert second_token != first_token
    assert "<clinic-form-token>" not in second_page
    # The archive button on the kept chart works for the second session.
    response = second.post(f"{url}/archive", data={"csrf_token": second_token})
    assert response.status_code == 302
    db.session.expire_all()
    assert "archived" in second.get(url).text


def test_a_new_clinic_day_draws_the_chart_again(app, signed_in, frozen_clock):
    evening = dt.datetime(2026, 3, 11, 3, 58)  # 23:58 on 10 March in New York
    frozen_clock(evening)
    client, therapist = signed_in("therapist")
    patient = make_patient()
    make_plan(
        patient,
        therapist,
        start_date=dt.date(2026, 3, 1),
        reeval_date=dt.date(2026, 3, 11),
    )
    url = f"/patients/{patient.id}"
    client.get(url)
    assert "Re-evaluation is due today" not in client.get(url).text
    frozen_clock(evening + dt.timedelta(minutes=5))  # 00:03, a new clinic day
    assert "Re-evaluation is due today (2026-03-11)" in client.get(url).text


def test_a_plugin_that_does_not_declare_keepable_drawing_turns_keeping_off(app, signed_in):
    calls = itertools.count(1)

    class Stranger:
        # Draws from something other than stored rows: every view must ask again.
        @hookimpl
        def patient_alerts_many(self, patients):
            n = next(calls)
            alert = PatientAlert(
                level="info",
                title=f"Asked {n} times",
                detail="",
                permission="patients.view",
                source="stranger",
            )
            return [(p.id, alert) for p in patients]

    register_hooks(app, Stranger(), name="stranger")
    client, _desk = signed_in("front-desk")
    url = f"/patients/{make_patient().id}"
    assert "Asked 1 times" in client.get(url).text
    assert "Asked 2 times" in client.get(url).text


def test_what_raises_a_version(app):
    therapist = make_user("therapist")
    patient = make_patient()
    note = make_note(patient, therapist)
    note_id, patient_id = note.id, patient.id
    start = current(db.session, patient.id)
    db.session.commit()
    # A row of the patient's own: their number only.
    note.subjective = "Changed."
    db.session.commit()
    after_note = current(db.session, patient.id)
    assert after_note[0] == start[0] and after_note[1] > start[1]
    # Audit rows (every view writes one) change nothing a chart shows.
    from clinic.audit.service import record

    record("patient.view", patient_id=patient.id)
    db.session.commit()
    assert current(db.session, patient.id) == after_note
    # A child row whose parent is not at hand, and a statement that changes many rows
    # at once: which patients they touch is unknown, so every chart is drawn again.
    db.session.expunge_all()
    db.session.add(NoteEntry(note_id=note_id, modality_key="nmt", values={}, minutes=5))
    db.session.commit()
    after_entry = current(db.session, patient_id)
    assert after_entry[0] > after_note[0]
    db.session.execute(update(Note).where(Note.id == -1).values(subjective="x"))
    db.session.commit()
    assert current(db.session, patient_id)[0] > after_entry[0]
    # A rolled-back change leaves every number as it was.
    before = current(db.session, patient_id)
    db.session.get(Note, note_id).objective = "Not kept."
    db.session.flush()
    db.session.rollback()
    assert current(db.session, patient_id) == before
    assert CLINIC_WIDE == 0


def test_search_results_keep_each_patients_alerts_until_their_records_change(app, signed_in):
    client, therapist = signed_in("therapist")
    patients = [make_patient(last_name="Keptalert") for _ in range(3)]
    url = "/patients/?q=keptalert"
    _first, asked = _statements(app, client, url)
    page, kept = _statements(app, client, url)
    assert kept < asked, (kept, asked)
    assert "Re-evaluation is due today" not in page.text
    # A plan whose re-evaluation falls due today, written for one of them.
    from clinic.clock import clinic_today

    make_plan(patients[1], therapist, reeval_date=clinic_today())
    assert client.get(url).text.count("Re-evaluation is due today") == 1


def test_a_change_after_a_rolled_back_savepoint_still_raises_the_version(app):
    therapist = make_user("therapist")
    patient = make_patient()
    note = make_note(patient, therapist)
    start = current(db.session, patient.id)
    db.session.commit()
    savepoint = db.session.begin_nested()
    note.subjective = "Tried, then undone."
    db.session.flush()
    savepoint.rollback()
    note.objective = "Kept."
    db.session.commit()
    assert current(db.session, patient.id)[1] > start[1]
    # Until that transaction ends, what it draws is not kept: it has written.
    from clinic import versions

    note.subjective = "Again."
    db.session.flush()
    savepoint = db.session.begin_nested()
    note.objective = "Undone."
    db.session.flush()
    savepoint.rollback()
    assert versions.changed_in_transaction(db.session)
    db.session.rollback()
    assert not versions.changed_in_transaction(db.session)
