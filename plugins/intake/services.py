"""Database-side intake work: packets, wording packs, runs and their pages, and the
one-transaction submission that turns saved progress into scored responses and
safety findings.  Views call these; they never commit (the caller commits once)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import select

from clinic.api import clinic_today, db, record, to_local
from clinic.api import setting as clinic_setting
from plugins.intake import consistency, pacing, painmap
from plugins.intake.instruments import all_definitions
from plugins.intake.instruments import get as get_definition
from plugins.intake.instruments.engine import ResponseError, validate, visible_items
from plugins.intake.models import (
    IntakeConsentRecord,
    IntakeFinding,
    IntakePacket,
    IntakeResponse,
    IntakeRun,
    IntakeWordingPack,
    utcnow,
)
from plugins.intake.packets import BUNDLED_PACKETS, PAIN_DIAGRAM, Packet, step_choices
from plugins.intake.scoring import ScoringError, score
from plugins.intake.screening import Thresholds, evaluate
from plugins.intake.wording import WordingPack, WordingPackError, parse_pack

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def setting(key: str) -> Any:
    return clinic_setting(f"intake.{key}")


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def json_default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, set | tuple):
        return list(value)
    raise TypeError(f"cannot store {type(value).__name__} as JSON")


def to_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=json_default)


# -- packets -------------------------------------------------------------------


def known_steps() -> list[str]:
    return step_choices(list(all_definitions()))


def packets(include_inactive: bool = False) -> list[Packet]:
    """Bundled packets overridden or extended by administrator rows, in a stable order."""
    result: dict[str, Packet] = {p.code: p for p in BUNDLED_PACKETS}
    rows = db.session.scalars(select(IntakePacket).order_by(IntakePacket.code)).all()
    inactive: set[str] = set()
    for row in rows:
        bundled = row.code in result and result[row.code].bundled
        result[row.code] = Packet(row.code, row.title, tuple(row.step_ids), bundled=bundled)
        if not row.active:
            inactive.add(row.code)
    return [p for code, p in result.items() if include_inactive or code not in inactive]


PAPER_PREFIX = "paper_"


def paper_packets() -> list[Packet]:
    """One single-questionnaire packet per licensed questionnaire, for staff to enter
    answers from the clinic's own licensed paper form (never offered on a tablet)."""
    return [
        Packet(f"{PAPER_PREFIX}{d.id}", f"{d.title} (from your licensed paper form)", (d.id,))
        for d in all_definitions().values()
        if d.requires_wording_pack
    ]


def packet(code: str) -> Packet | None:
    return next((p for p in packets() + paper_packets() if p.code == code), None)


def unlicensed_steps(steps) -> list[str]:
    """Steps whose licensed wording is not loaded.  A patient never sees their
    placeholder forms: a tablet run leaves them out, staff enter them from paper."""
    return [
        s
        for s in steps
        if s != PAIN_DIAGRAM and get_definition(s).requires_wording_pack and active_pack(s) is None
    ]


def leave_out_unlicensed(run: IntakeRun) -> list[str]:
    """Before a run goes to a tablet: drop the unlicensed steps nobody has answered yet.

    Returns the steps left out, so the desk can be told why and what to do instead.
    """
    progress = run.answers()
    left_out = [s for s in unlicensed_steps(run.step_ids) if s not in progress]
    if left_out:
        run.steps = json.dumps([s for s in run.step_ids if s not in left_out])
    return left_out


def left_out_on_tablet(run: IntakeRun) -> list[str]:
    """Steps of the run's packet that the run no longer has (left out for the tablet)."""
    chosen = packet(run.packet_code)
    if chosen is None:
        return []
    return [s for s in chosen.steps if s not in run.step_ids]


def step_title(step: str) -> str:
    if step == PAIN_DIAGRAM:
        return "Pain diagram"
    return get_definition(step).title


# -- wording packs ---------------------------------------------------------------


def active_pack_row(instrument_id: str) -> IntakeWordingPack | None:
    return db.session.scalars(
        select(IntakeWordingPack)
        .where(IntakeWordingPack.instrument_id == instrument_id, IntakeWordingPack.active)
        .order_by(IntakeWordingPack.id.desc())
        .limit(1)
    ).first()


def active_pack(instrument_id: str) -> WordingPack | None:
    row = active_pack_row(instrument_id)
    if row is None:
        return None
    try:
        return parse_pack(instrument_id, row.json_text.encode())
    except WordingPackError:
        # A stored pack no longer matches the definition (e.g. after an upgrade):
        # fall back to construct labels, which show the "not loaded" notice.
        current_app.logger.warning("stored wording pack %s no longer parses", row.id)
        return None


# -- runs ------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """One screen of a run: a page of an instrument, or the pain diagram."""

    number: int
    step: str
    title: str
    items: tuple = ()


def run_pages(run: IntakeRun) -> list[Page]:
    pages: list[Page] = []
    for step in run.step_ids:
        if step == PAIN_DIAGRAM:
            pages.append(Page(len(pages), step, "Where does it hurt?"))
            continue
        defn = get_definition(step)
        for title, items in pacing.ordered_pages(step, defn.pages()):
            pages.append(Page(len(pages), step, title or defn.title, tuple(items)))
    return pages


def new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, digest(token)


def new_code() -> tuple[str, str]:
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return code, digest(code)


def normalise_code(raw: str) -> str:
    return "".join(c for c in (raw or "").upper() if c.isalnum())


def token_lifetime() -> dt.timedelta:
    return dt.timedelta(minutes=int(setting("token_minutes")))


def start_run(patient, chosen: Packet, mode: str, user) -> IntakeRun:
    run = IntakeRun(
        patient_id=patient.id,
        packet_code=chosen.code,
        packet_title=chosen.title,
        steps=json.dumps(list(chosen.steps)),
        versions=json.dumps(
            {
                s: (painmap.VERSION if s == PAIN_DIAGRAM else get_definition(s).version)
                for s in chosen.steps
            },
            sort_keys=True,
        ),
        mode=mode,
        status="open",
        progress="{}",
        started_by_id=user.id,
        started_at=utcnow(),
    )
    db.session.add(run)
    db.session.flush()
    return run


def arm_tablet(run: IntakeRun, *, with_code: bool) -> tuple[str, str | None]:
    """Give ``run`` a fresh hand-over token (and optionally a short code)."""
    token, token_hash = new_token()
    run.token_hash = token_hash
    run.expires_at = utcnow() + token_lifetime()
    code = None
    if with_code:
        code, run.code_hash = new_code()
    return token, code


def upgrade_run(run: IntakeRun) -> list[str]:
    """Move an open run started on an older instrument version onto the current one.

    A stored response is never a mix of versions, but a packet left open across an
    upgrade must stay completable: each answer whose question still exists in the
    current version is kept (and checked against it), so only the new questions are
    still to answer -- the review page lists them with links to their pages.  Consent
    answers are dropped when the consent text changed: the patient agrees to the text
    shown now.  Returns the steps moved (empty when the run is already current).
    """
    versions = run.version_map()
    progress = run.answers()
    moved = []
    for step in run.step_ids:
        current = painmap.VERSION if step == PAIN_DIAGRAM else get_definition(step).version
        if versions.get(step, current) == current:
            continue
        moved.append(step)
        versions[step] = current
        if step == PAIN_DIAGRAM or step not in progress:
            continue
        defn = get_definition(step)
        known = {item.id for item in defn.items}
        kept = (
            {}
            if defn.kind == "consent"
            else {k: v for k, v in progress[step].items() if k in known}
        )
        try:
            progress[step] = json.loads(
                to_json(validate(step, kept, version=current, partial=True))
            )
        except ResponseError:
            progress[step] = {}  # answers the new version cannot read are asked again
    if moved:
        run.versions = json.dumps(versions, sort_keys=True)
        run.set_answers(progress)
    return moved


def save_page(run: IntakeRun, page: Page, raw: dict[str, Any]) -> None:
    """Validate one page's answers together with the rest of its step and store them.

    Raises :class:`ResponseError` or :class:`painmap.PainDiagramError`; nothing is
    changed then.
    """
    upgrade_run(run)
    progress = run.answers()
    if page.step == PAIN_DIAGRAM:
        progress[PAIN_DIAGRAM] = painmap.clean_ratings(raw)
    else:
        page_ids = {item.id for item in page.items}
        merged = {k: v for k, v in progress.get(page.step, {}).items() if k not in page_ids}
        merged.update(raw)
        cleaned = validate(
            page.step, merged, version=run.version_map().get(page.step), partial=True
        )
        progress[page.step] = json.loads(to_json(cleaned))
    run.set_answers(progress)
    if run.mode == "tablet":
        run.expires_at = utcnow() + token_lifetime()


def confirm_questions(run: IntakeRun, page: Page, raw: dict[str, Any]) -> list[str]:
    """Contradictions in the step's answers with this page's ``raw`` answers merged in, for
    the patient to confirm (raises :class:`ResponseError` for invalid answers)."""
    if page.step == PAIN_DIAGRAM:
        return []
    upgrade_run(run)
    page_ids = {item.id for item in page.items}
    merged = {k: v for k, v in run.answers().get(page.step, {}).items() if k not in page_ids}
    merged.update(raw)
    typed = validate(page.step, merged, version=run.version_map().get(page.step), partial=True)
    return consistency.questions(page.step, typed)


# The signature drawn with a finger travels as a PNG data URL from the consent page
# and waits in the run's progress under this key until the packet is submitted.
DRAWING_KEY = "_consent_drawing"
DRAWING_PREFIX = "data:image/png;base64,"
MAX_DRAWING_BYTES = 300_000
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class DrawingError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.errors = {"consent.signature": message}


def decode_drawing(data_url: str) -> bytes:
    """The PNG bytes of a drawn signature, or :class:`DrawingError`."""
    if not data_url.startswith(DRAWING_PREFIX):
        raise DrawingError("The drawn signature could not be read; please draw it again.")
    encoded = data_url[len(DRAWING_PREFIX) :]
    if len(encoded) > MAX_DRAWING_BYTES * 4 // 3 + 4:
        raise DrawingError("The drawn signature is too large; clear it and draw it again.")
    try:
        png = base64.b64decode(encoded, validate=True)
    except (ValueError, binascii.Error):
        raise DrawingError("The drawn signature could not be read; please draw it again.") from None
    if not png.startswith(PNG_MAGIC):
        raise DrawingError("The drawn signature could not be read; please draw it again.")
    return png


def keep_drawing(run: IntakeRun, data_url: str) -> None:
    """Keep (or, when ``data_url`` is empty, forget) the drawn signature of a run."""
    progress = run.answers()
    if data_url:
        decode_drawing(data_url)
        progress[DRAWING_KEY] = data_url
    else:
        progress.pop(DRAWING_KEY, None)
    run.set_answers(progress)


def drawing_of(run: IntakeRun) -> str:
    return str(run.answers().get(DRAWING_KEY) or "")


def add_consent_record(response: IntakeResponse, run: IntakeRun, answers: dict[str, Any]) -> None:
    """Store the exact consent text agreed to, with the typed name and any drawing."""
    defn = get_definition(response.instrument_id)
    text = defn.description
    drawing = drawing_of(run)
    db.session.add(
        IntakeConsentRecord(
            response_id=response.id,
            patient_id=response.patient_id,
            consent_version=defn.version,
            consent_text=text,
            text_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
            typed_name=str(answers.get("consent.signature") or "").strip(),
            signed_on=dt.date.fromisoformat(str(answers["consent.date"]))
            if answers.get("consent.date")
            else to_local(response.entered_at).date(),
            signature_png=decode_drawing(drawing) if drawing else None,
        )
    )


def page_gaps(run: IntakeRun, page: Page) -> dict[str, str]:
    """What must still be answered on this page before moving on (by item id).

    Checked when the patient goes forward, so consent cannot be left for the end; the
    answers given so far are kept either way.
    """
    if page.step == PAIN_DIAGRAM:
        return {}
    defn = get_definition(page.step)
    answers = run.answers().get(page.step, {})
    on_page = {item.id for item in page.items}
    gaps = {
        item.id: "Please answer this question."
        for item in visible_items(defn, answers)
        if item.id in on_page and item.required and answers.get(item.id) in (None, "", [])
    }
    if defn.kind == "consent":
        gaps.update({k: v for k, v in consent_gaps(answers).items() if k in on_page})
    return gaps


@dataclass
class Submission:
    problems: dict[str, dict[str, str]] = field(default_factory=dict)
    responses: list[IntakeResponse] = field(default_factory=list)
    # True when an answer raised an emergency: the patient is asked to go to the desk now.
    emergency: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


def check_run(run: IntakeRun) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, str]]]:
    """Validate every step completely.  Returns (cleaned answers, problems by step)."""
    cleaned: dict[str, dict[str, Any]] = {}
    problems: dict[str, dict[str, str]] = {}
    upgrade_run(run)
    progress = run.answers()
    for step in run.step_ids:
        answers = progress.get(step, {})
        if step == PAIN_DIAGRAM:
            try:
                cleaned[step] = painmap.clean_ratings(answers)
            except painmap.PainDiagramError as exc:
                problems[step] = exc.errors
            continue
        defn = get_definition(step)
        try:
            cleaned[step] = validate(
                step, answers, version=run.version_map().get(step), partial=False
            )
        except ResponseError as exc:
            problems[step] = dict(exc.errors) or {"": str(exc)}
            continue
        if defn.tick_boxes and not cleaned[step]:
            problems[step] = {
                "": 'Not answered: tick the statements that apply today, or tick "None of '
                'these apply to me today".'
            }
            continue
        if defn.kind == "consent":
            consent_problems = consent_gaps(cleaned[step])
            if consent_problems:
                problems[step] = consent_problems
    return cleaned, problems


def consent_gaps(answers: dict[str, Any]) -> dict[str, str]:
    """The consent counts only when agreed and signed with a typed name and a date."""
    gaps = {}
    if answers.get("consent.agree") is not True:
        gaps["consent.agree"] = "The consent must be agreed to before the packet is complete."
    if not str(answers.get("consent.signature") or "").strip():
        gaps["consent.signature"] = "Type your full name to sign."
    if not answers.get("consent.date"):
        gaps["consent.date"] = "Give today's date."
    return gaps


def submit_run(run: IntakeRun, patient, *, entered_by_kind: str, user=None) -> Submission:
    """Store every step of ``run`` as a response, score it, raise findings, close the run.

    All or nothing: when any step is incomplete, nothing is added and the problems
    are returned.  The caller commits.
    """
    # Lock the run row (PostgreSQL) so two submissions at once cannot both store it.
    db.session.execute(select(IntakeRun.id).where(IntakeRun.id == run.id).with_for_update())
    db.session.refresh(run)
    if run.status != "open":
        return Submission(problems={"": {"": "This packet was already submitted or cancelled."}})
    cleaned, problems = check_run(run)
    if problems:
        return Submission(problems=problems)
    now = utcnow()
    submission = Submission()
    for step in run.step_ids:
        answers = cleaned[step]
        response = IntakeResponse(
            patient_id=patient.id,
            run_id=run.id,
            instrument_id=step,
            entered_by_kind=entered_by_kind,
            entered_by_id=user.id if user is not None else None,
            entered_at=now,
            answers=to_json(answers),
        )
        if step == PAIN_DIAGRAM:
            response.instrument_version = painmap.VERSION
        else:
            defn = get_definition(step)
            response.instrument_version = defn.version
            pack_row = active_pack_row(step) if defn.requires_wording_pack else None
            response.wording_pack_version = pack_row.pack_version if pack_row else None
            if defn.kind == "scored":
                apply_score(response, step, answers)
        db.session.add(response)
        db.session.flush()
        if step == "history":
            added = add_findings(response, patient, answers, clinic_today())
            submission.emergency = any(f.emergency for f in added)
        elif step != PAIN_DIAGRAM and get_definition(step).kind == "consent":
            add_consent_record(response, run, answers)
        submission.responses.append(response)
    run.status = "complete"
    run.finished_at = now
    run.code_hash = None
    return submission


def apply_score(response: IntakeResponse, step: str, answers: dict[str, Any]) -> None:
    try:
        result = score(step, answers)
    except (ScoringError, ResponseError) as exc:
        # Stored unscored (e.g. too many ODI sections left blank); the reason is kept.
        response.score_note = f"Not scored: {exc}"
        return
    response.total = result.total
    response.percent = result.percent
    response.band = result.band
    response.risk = result.risk
    response.subscales = to_json(dict(result.subscales))
    response.missing = to_json(list(result.missing))


def screening_thresholds() -> Thresholds:
    """The clinic's screening settings (docs/clinical-rules.md, "Settings")."""
    return Thresholds(
        red_flag_age_under=int(setting("red_flag_age_under")),
        red_flag_age_over=int(setting("red_flag_age_over")),
        surgery_clearance_weeks=int(setting("surgery_clearance_weeks")),
        pregnancy_supine_weeks=int(setting("pregnancy_supine_weeks")),
    )


def add_findings(
    response: IntakeResponse, patient, answers: dict[str, Any], today
) -> list[IntakeFinding]:
    findings = evaluate(answers, age=patient.age_on(today), thresholds=screening_thresholds())
    rows = []
    for finding in findings:
        rows.append(
            IntakeFinding(
                response_id=response.id,
                patient_id=patient.id,
                code=finding.code,
                kind=finding.kind,
                title=finding.title,
                message=finding.message,
                advice=finding.advice,
                regions=json.dumps(list(finding.regions)),
                item_ids=json.dumps(list(finding.item_ids)),
                emergency=bool(finding.emergency),
            )
        )
    db.session.add_all(rows)
    return rows


def audit(event_type: str, run: IntakeRun | None = None, **kwargs) -> None:
    if run is not None:
        kwargs.setdefault("patient_id", run.patient_id)
        kwargs.setdefault("object_type", "intake_run")
        kwargs.setdefault("object_id", run.id)
    record(event_type, **kwargs)
