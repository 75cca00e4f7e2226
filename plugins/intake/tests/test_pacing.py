"""Easy questions first; the sensitive ones later, each opened by why it is asked."""

from __future__ import annotations

from clinic.testing import make_patient
from plugins.intake import pacing, services
from plugins.intake.instruments import get
from plugins.intake.tests.test_staff_entry import staff_page_url, start_staff_run


def test_history_asks_warning_signs_after_the_easier_pages_and_keeps_every_page():
    titles = [t for t, _ in pacing.ordered_pages("history", get("history").pages())]
    assert sorted(titles) == sorted(t for t, _ in get("history").pages())
    assert titles.index("Warning signs") > titles.index("Medicines")
    assert titles.index("Warning signs") > titles.index("Allergies and preferences")


def test_follow_up_questions_never_come_before_the_answer_they_follow():
    defn = get("history")
    ordered = [t for t, _ in pacing.ordered_pages("history", defn.pages())]
    page_of = {item.id: item.page for item in defn.items}
    for item in defn.items:
        if item.show_if:
            assert ordered.index(page_of[item.show_if[0]]) <= ordered.index(item.page), item.id


def test_unknown_pages_keep_their_place_after_the_named_ones():
    pages = [("New page", 1), ("Warning signs", 2), ("Medicines", 3)]
    assert pacing.ordered_pages("history", pages) == [
        ("Medicines", 3),
        ("Warning signs", 2),
        ("New page", 1),
    ]


def test_the_warning_signs_page_says_why_it_asks(signed_in):
    client, _ = signed_in("front-desk")
    patient = make_patient()
    run = start_staff_run(client, patient)
    page = next(p for p in services.run_pages(run) if p.title == "Warning signs")
    html = client.get(staff_page_url(patient, run)(page.number)).text
    assert 'class="page-intro"' in html and "We ask everyone" in html


def test_where_on_the_body_is_answered_on_the_body_and_still_works_as_tick_boxes(signed_in):
    from clinic.api import BODY_REGIONS, db
    from plugins.intake.models import IntakeRun
    from plugins.intake.tests.helpers import default_answers, page_form

    client, _ = signed_in("front-desk")
    patient = make_patient()
    run = start_staff_run(client, patient)
    page = next(p for p in services.run_pages(run) if p.title == "Areas of your body")
    question = next(item for item in page.items if item.id.endswith("_regions"))
    url = staff_page_url(patient, run)(page.number)
    data = page_form(page, default_answers("history"))
    data[f"q-{question.show_if[0].replace('.', '__')}"] = "true"
    data[f"q-{question.id.replace('.', '__')}"] = ["lower_back_l", "calf_r"]
    assert client.post_form(url, data).status_code == 302
    html = client.get(url).text
    # One body region per tick box, each a link to its box; the chosen ones are drawn filled.
    assert html.count('class="region-toggle"') >= len(BODY_REGIONS)
    assert 'class="region chosen"' in html
    db.session.expire_all()
    saved = db.session.get(IntakeRun, run.id).answers()["history"][question.id]
    assert sorted(saved) == ["calf_r", "lower_back_l"]
