"""Filling in a run page by page; shared by staff entry and the tablet.

Both paths read the same form fields, validate through the same engine and render the
same templates; only the layout and the URLs differ (a :class:`Flow`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, render_template, request
from werkzeug.datastructures import MultiDict

from clinic.api import (
    BODY_REGIONS,
    ClinicForm,
    clinic_today,
    db,
    record_and_commit,
    take_draft,
)
from plugins.intake import pacing, painmap, services
from plugins.intake.instruments import get as get_definition
from plugins.intake.instruments.engine import ResponseError
from plugins.intake.models import IntakeRun
from plugins.intake.packets import PAIN_DIAGRAM


class PageForm(ClinicForm):
    """Carries the CSRF token; the questions themselves come from the definition."""


@dataclass
class Flow:
    layout: str
    page_url: Callable[[int], str]
    review_url: str
    submit_url: str
    done_url: str
    entered_by_kind: str
    audit_kwargs: dict
    audit_reads: bool = False  # staff reading saved answers is a read of patient data
    # Where to go instead of ``done_url`` when an answer raised an emergency.
    emergency_url: str | None = None


def field_name(item_id: str) -> str:
    return "q-" + item_id.replace(".", "__")


def pain_field(code: str) -> str:
    return "pain-" + code


def read_page(page: services.Page, form: MultiDict) -> dict[str, Any]:
    """The answers a submitted page carries, keyed by item id; blanks left out."""
    if page.step == PAIN_DIAGRAM:
        return {
            r.code: form.get(pain_field(r.code), "").strip()
            for r in BODY_REGIONS
            if form.get(pain_field(r.code), "").strip()
        }
    raw: dict[str, Any] = {}
    for item in page.items:
        name = field_name(item.id)
        if item.type == "multichoice":
            values = [v for v in form.getlist(name) if v.strip()]
            if values:
                raw[item.id] = values
        else:
            value = form.get(name, "")
            if value.strip():
                raw[item.id] = value.strip() if item.type != "text" else value
    return raw


def wording_for(step: str):
    if step == PAIN_DIAGRAM:
        return None
    return services.active_pack(step)


def stored_values(run: IntakeRun, page: services.Page) -> dict[str, Any]:
    return run.answers().get(page.step, {})


def visible_on_page(page: services.Page, answers: dict[str, Any]) -> list:
    """Items to show: skip logic hides an item when the answer it depends on is on an
    earlier page and rules it out.  When that answer is on this page the item is shown
    (scripts hide it; without scripts the engine drops an answer that does not apply)."""
    on_page = {item.id for item in page.items}
    shown = []
    for item in page.items:
        if item.show_if:
            controller, allowed = item.show_if
            if controller not in on_page and answers.get(controller) not in tuple(allowed):
                continue
        shown.append(item)
    return shown


def tick_box_answers(page: services.Page, raw: dict[str, Any], none_apply: bool) -> dict:
    """Every statement on a tick-box page answered: ticked = the first option, unticked = the
    second.  A page with nothing ticked counts only when "none of these apply" is ticked."""
    ticked = [item.id for item in page.items if item.id in raw]
    if not ticked and not none_apply:
        raise ResponseError(
            {
                "": 'Tick each statement that applies to you today, or tick "None of these apply '
                'to me today".'
            }
        )
    if ticked and none_apply:
        raise ResponseError(
            {
                "": 'You ticked statements and also "None of these apply to me today": untick '
                "one of them."
            }
        )
    return {
        item.id: str(item.options[0].value if item.id in raw else item.options[1].value)
        for item in page.items
    }


DRAWING_FIELD = "consent-drawing"


def render_page(
    run, patient, page, pages, flow: Flow, *, values=None, errors=None, status=200, confirm=()
):
    answers = stored_values(run, page)
    defn = None if page.step == PAIN_DIAGRAM else get_definition(page.step)
    drawing = ""
    if defn is not None and defn.kind == "consent":
        values = dict(values if values is not None else answers)
        # The patient signs today: the date is filled in, and can still be changed.
        values.setdefault("consent.date", clinic_today().isoformat())
        drawing = request.form.get(DRAWING_FIELD, "") if request.method == "POST" else ""
        drawing = drawing or services.drawing_of(run)
    pack = wording_for(page.step)
    return render_template(
        "intake/page.html",
        layout=flow.layout,
        flow=flow,
        run=run,
        patient=patient,
        page=page,
        pages=pages,
        defn=defn,
        pack=pack,
        items=visible_on_page(page, answers) if defn else [],
        values=values if values is not None else answers,
        errors=errors or {},
        other_errors=[
            (item_label(page.step, k), v)
            for k, v in (errors or {}).items()
            if k and k not in {i.id for i in page.items} and page.step != PAIN_DIAGRAM
        ],
        form=PageForm(),
        field_name=field_name,
        pain_field=pain_field,
        shapes=painmap.shapes,
        pain_class=painmap.intensity_class,
        regions=BODY_REGIONS,
        consent_text=consent_text() if page.step == "consent" else "",
        confirm=list(confirm),
        none_apply=bool(defn and defn.tick_boxes and none_ticked(page, values or answers)),
        drawing=drawing,
        drawing_field=DRAWING_FIELD,
        intro=pacing.page_intro(page.step, page.title),
    ), status


def none_ticked(page: services.Page, values: dict[str, Any]) -> bool:
    """A tick-box page saved with every statement unticked."""
    return bool(values) and all(
        str(values.get(item.id)) == str(item.options[1].value) for item in page.items
    )


def consent_text() -> str:
    """The consent wording shown above the consent items (engine constant)."""
    from plugins.intake.instruments import CONSENT_TEXT

    return CONSENT_TEXT


def handle_page(run, patient, number: int, flow: Flow):
    pages = services.run_pages(run)
    if not 0 <= number < len(pages):
        return None
    page = pages[number]
    if request.method == "GET":
        if flow.audit_reads:
            services.audit("intake.entry_view", run, detail={"page": number})
            db.session.commit()
        # Answers typed when a staff session timed out come back once, unsaved.
        draft = take_draft(request.path)
        if draft is not None:
            flash(
                "Your session had timed out; what you typed has been put back. Check it and save.",
                "info",
            )
            return render_page(run, patient, page, pages, flow, values=read_page(page, draft))
        return render_page(run, patient, page, pages, flow)
    form = PageForm()
    if not form.validate_on_submit():
        return render_page(run, patient, page, pages, flow, status=400)
    raw = read_page(page, request.form)
    defn = None if page.step == PAIN_DIAGRAM else get_definition(page.step)
    try:
        if defn is not None and defn.tick_boxes:
            raw = tick_box_answers(page, raw, request.form.get("none_apply") == "yes")
        if request.form.get("confirmed") != "yes":
            questions = services.confirm_questions(run, page, raw)
            if questions:
                # Shown back to the patient; nothing is saved until they confirm or change it.
                return render_page(run, patient, page, pages, flow, values=raw, confirm=questions)
        services.save_page(run, page, raw)
        if page.step != PAIN_DIAGRAM and get_definition(page.step).kind == "consent":
            services.keep_drawing(run, request.form.get(DRAWING_FIELD, "").strip())
    except (ResponseError, painmap.PainDiagramError, services.DrawingError) as exc:
        errors = dict(getattr(exc, "errors", {}) or {"": str(exc)})
        record_and_commit(
            "intake.answer_refused",
            patient_id=run.patient_id,
            object_type="intake_run",
            object_id=run.id,
            outcome="refused",
            detail={"step": page.step, "page": number, "items": sorted(errors)},
            **flow.audit_kwargs,
        )
        db.session.refresh(run)
        if page.step == PAIN_DIAGRAM:
            # One bad number must not cost the patient every other mark on the page:
            # keep the valid ratings and ask again only about the bad one.
            services.save_page(run, page, {k: v for k, v in raw.items() if k not in errors})
            db.session.commit()
        return render_page(run, patient, page, pages, flow, values=raw, errors=errors, status=422)
    going_back = request.form.get("go") == "back" and number > 0
    gaps = {} if going_back else services.page_gaps(run, page)
    services.audit(
        "intake.page_save",
        run,
        detail={"step": page.step, "page": number, "unanswered": sorted(gaps)},
        **flow.audit_kwargs,
    )
    db.session.commit()
    if gaps:
        # Saved, but not finished: stay on this page and point at what is missing.
        return render_page(run, patient, page, pages, flow, values=raw, errors=gaps, status=422)
    if going_back:
        return redirect(flow.page_url(number - 1))
    if request.form.get("go") == "review" or number + 1 >= len(pages):
        return redirect(flow.review_url)
    return redirect(flow.page_url(number + 1))


def review_rows(run: IntakeRun) -> list[dict]:
    """What the review page lists: each step's answers in plain words."""
    progress = run.answers()
    rows = []
    pages = services.run_pages(run)
    first_page = {}
    for page in pages:
        first_page.setdefault(page.step, page.number)
    for step in run.step_ids:
        answers = progress.get(step, {})
        if step == PAIN_DIAGRAM:
            lines = [(painmap_label(code), str(rating)) for code, rating in sorted(answers.items())]
        else:
            lines = describe_answers(step, answers)
        rows.append(
            {
                "step": step,
                "title": services.step_title(step),
                "lines": lines,
                "page": first_page.get(step, 0),
            }
        )
    return rows


def painmap_label(code: str) -> str:
    from clinic.api import region_label

    return region_label(code)


def describe_answers(step: str, answers: dict[str, Any], pack=None) -> list[tuple[str, str]]:
    """(question, answer) pairs in definition order, with option labels spelled out."""
    defn = get_definition(step)
    pack = pack if pack is not None else services.active_pack(step)
    texts = pack.texts if pack else {}
    lines = []
    for item in defn.items:
        if item.id not in answers:
            continue
        value = answers[item.id]
        lines.append((texts.get(item.id) or item.label, answer_text(item, value, texts)))
    return lines


def answer_text(item, value, texts: dict[str, str] | None = None) -> str:
    texts = texts or {}
    if item.type == "boolean":
        return "Yes" if value in (True, "true", "True", 1) else "No"
    if item.options:
        values = value if isinstance(value, list) else [value]
        labels = []
        for v in values:
            option = next((o for o in item.options if str(o.value) == str(v)), None)
            text = texts.get(f"{item.id}:{v}") or (option.label if option else str(v))
            labels.append(text)
        return ", ".join(labels)
    return str(value)


def item_label(step: str, item_id: str) -> str:
    """The words a person sees for an item (pack wording when loaded)."""
    if not step or not item_id or step == PAIN_DIAGRAM:
        from clinic.api import region_label

        return region_label(item_id) if item_id else ""
    defn = get_definition(step)
    if item_id not in {i.id for i in defn.items}:
        return item_id
    pack = services.active_pack(step)
    return (pack.texts.get(item_id) if pack else None) or defn.item(item_id).label


def problem_pages(run: IntakeRun):
    """``(step, item id) -> page number`` where that answer is given (the step's first
    page when the item is unknown), so each problem on the review page links to it."""
    pages = services.run_pages(run)
    by_item = {(p.step, item.id): p.number for p in pages for item in p.items}
    first = {}
    for p in pages:
        first.setdefault(p.step, p.number)
    return lambda step, item_id: by_item.get((step, item_id), first.get(step, 0))


def handle_review(run, patient, flow: Flow, *, problems=None, status=200):
    if flow.audit_reads and not problems and status == 200:
        services.audit("intake.entry_view", run, detail={"page": "review"})
        db.session.commit()
    return render_template(
        "intake/review.html",
        layout=flow.layout,
        flow=flow,
        run=run,
        patient=patient,
        rows=review_rows(run),
        problems=problems or {},
        problem_page=problem_pages(run),
        step_title=services.step_title,
        item_label=item_label,
        form=PageForm(),
    ), status


def handle_submit(run, patient, flow: Flow, user=None, on_success=None):
    form = PageForm()
    if not form.validate_on_submit():
        return handle_review(run, patient, flow, status=400)
    submission = services.submit_run(run, patient, entered_by_kind=flow.entered_by_kind, user=user)
    if not submission.ok:
        record_and_commit(
            "intake.submit_refused",
            patient_id=run.patient_id,
            object_type="intake_run",
            object_id=run.id,
            outcome="refused",
            detail={step: sorted(p) for step, p in submission.problems.items()},
            **flow.audit_kwargs,
        )
        db.session.refresh(run)
        return handle_review(run, patient, flow, problems=submission.problems, status=422)
    services.audit(
        "intake.submit",
        run,
        detail={
            "responses": [r.id for r in submission.responses],
            "instruments": [r.instrument_id for r in submission.responses],
        },
        **flow.audit_kwargs,
    )
    if on_success is not None:
        on_success()
    if submission.emergency and flow.emergency_url is None:
        flash(
            "An answer in this packet is an emergency: a clinician must see the patient now "
            "(see Needs review).",
            "error",
        )
    db.session.commit()
    if submission.emergency and flow.emergency_url is not None:
        return redirect(flow.emergency_url)
    return redirect(flow.done_url)
