"""Building a personalised handout: choosing content, the final HTML, the cached PDF.

The cache key is the SHA-256 of the exact final HTML plus the PDF options, so a
reprint with the same inputs (same patient, versions, options, instructions, day and
printer) is served from stored bytes, and any change at all renders afresh.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

from sqlalchemy import delete, select

from clinic.api import (
    HandoutSection,
    Patient,
    clinic_today,
    collect,
    db,
    render_html,
    render_pdf_html,
    setting,
)
from plugins.handouts.library import LANGUAGES, language_for, sort_key
from plugins.handouts.markdown import render
from plugins.handouts.models import Handout, HandoutVersion, RenderCache, load_current

# Words of the page frame and of our own parts of the PDF, per language.
LABELS = {
    "en": {
        "frame": {
            "born": "Born",
            "chart": "Chart",
            "printed": "Printed",
            "by": "by",
            "page": "Page",
            "of": "of",
            "confidential": "Confidential health information",
        },
        "title": "Your aftercare",
        "for": "For",
        "date": "Visit date",
        "therapist": "Therapist",
        "instructions": "Your therapist's instructions for home",
        "next": "Next appointment",
        "help_title": "When to get help",
        "help_emergency": (
            "Go to an emergency department today if you have numbness between the legs or "
            "around the genitals or back passage, new trouble passing or holding urine, loss "
            "of bowel control, or weakness or numbness in both legs."
        ),
        "help_doctor": (
            "Call your doctor if pain is getting worse instead of better, if you have fever "
            "with back pain, or if a leg is getting weaker."
        ),
        "clinic_call": "Questions about your treatment? Call us",
    },
    "es": {
        "frame": {
            "born": "Nacimiento",
            "chart": "Expediente",
            "printed": "Impreso el",
            "by": "por",
            "page": "Página",
            "of": "de",
            "confidential": "Información de salud confidencial",
        },
        "title": "Sus cuidados en casa",
        "for": "Para",
        "date": "Fecha de la visita",
        "therapist": "Terapeuta",
        "instructions": "Indicaciones de su terapeuta para casa",
        "next": "Próxima cita",
        "help_title": "Cuándo buscar ayuda",
        "help_emergency": (
            "Vaya hoy mismo a urgencias si tiene adormecimiento entre las piernas o alrededor "
            "de los genitales o del ano, dificultad nueva para orinar o para aguantar la "
            "orina, pérdida del control de los intestinos, o debilidad o adormecimiento en "
            "ambas piernas."
        ),
        "help_doctor": (
            "Llame a su médico si el dolor empeora en lugar de mejorar, si tiene fiebre con "
            "dolor de espalda o si una pierna se debilita."
        ),
        "clinic_call": "¿Preguntas sobre su tratamiento? Llámenos",
    },
}


class HandoutInputError(ValueError):
    """The request names something that cannot be printed (unknown handout, etc.)."""


@dataclass
class PrintInputs:
    patient: Patient
    versions: list[HandoutVersion]
    language: str = "en"
    large_print: bool = False
    no_diagnosis: bool = False
    instructions: str = ""
    next_visit: str = ""
    on_date: dt.date = field(default_factory=clinic_today)
    printed_by: str = ""

    @property
    def options(self) -> dict:
        return {"large_print": self.large_print, "no_diagnosis": self.no_diagnosis}


def sections_for(patient: Patient, on_date: dt.date, language: str, no_diagnosis: bool):
    """What other plugins add to the printout (today's session, red flags ...)."""
    found = collect(
        "handout_sections",
        patient=patient,
        context={
            "purpose": "print",
            "on_date": on_date,
            "language": language,
            "no_diagnosis": no_diagnosis,
        },
    )
    return sorted(
        (s for s in found if isinstance(s, HandoutSection) and not s.id.startswith("handouts:")),
        key=lambda s: (s.order, s.id),
    )


def library(language: str) -> list[Handout]:
    rows = db.session.scalars(
        select(Handout).where(Handout.language == language, Handout.active.is_(True))
    ).all()
    return load_current(sorted(rows, key=sort_key))


def preselected(handouts: list[Handout], sections: list[HandoutSection]) -> set[int]:
    """Handouts to tick by default: those the session's modalities or the therapist's
    home-care advice point to, learned from the sections other plugins sent."""
    modalities: set[str] = set()
    advised: set[str] = set()
    for s in sections:
        modalities.update(s.context.get("modalities_keys", ()))
        advised.update(str(a).removeprefix("handouts:") for a in s.context.get("home_care", ()))
    chosen = set()
    for h in handouts:
        tags = set(h.current.tags)
        if h.slug in advised or (modalities and (tags & modalities or "*" in tags)):
            chosen.add(h.id)
    return chosen


def versions_for(ids: list[int], language: str | None = None) -> list[HandoutVersion]:
    """Current versions of the handouts with these ids, refusing unknown ones."""
    if not ids:
        return []
    rows = db.session.scalars(
        select(Handout).where(Handout.id.in_(ids), Handout.active.is_(True))
    ).all()
    if len(rows) != len(set(ids)):
        raise HandoutInputError("One of the chosen handouts does not exist in this clinic.")
    return [h.current for h in load_current(sorted(rows, key=sort_key))]


def build_html(inputs: PrintInputs, *, therapist: str = "") -> str:
    language = inputs.language if inputs.language in LANGUAGES else "en"
    labels = LABELS[language]
    sections = sections_for(inputs.patient, inputs.on_date, language, inputs.no_diagnosis)
    if not therapist:
        therapist = next((s.context.get("therapist", "") for s in sections if s.context), "")
    next_visit = inputs.next_visit or next(
        (s.context.get("next_visit", "") for s in sections if s.context.get("next_visit")), ""
    )
    return render_pdf_html(
        "handouts/pdf.html",
        patient=inputs.patient,
        lang=language,
        labels=labels,
        frame_labels=labels["frame"],
        body_class="large-print" if inputs.large_print else "",
        sections=sections,
        handouts=[(v, render(v.body)) for v in inputs.versions],
        inputs=inputs,
        therapist=therapist,
        next_visit=next_visit,
        printed_by=inputs.printed_by,
        printed_on=inputs.on_date.isoformat(),
    )


PDF_OPTIONS = {"pdf_variant": "pdf/ua-1"}


def cache_key(html: str) -> str:
    payload = json.dumps(PDF_OPTIONS, sort_keys=True) + "\n" + html
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def cached(key: str) -> bytes | None:
    row = db.session.get(RenderCache, key)
    return row.pdf if row is not None else None


def store(key: str, pdf: bytes) -> None:
    if db.session.get(RenderCache, key) is None:
        db.session.add(RenderCache(key=key, pdf=pdf))
        db.session.flush()
    keep = int(setting("handouts.cache_entries") or 300)
    stale = db.session.scalars(
        select(RenderCache.key).order_by(RenderCache.created_at.desc()).offset(keep)
    ).all()
    if stale:
        db.session.execute(delete(RenderCache).where(RenderCache.key.in_(stale)))


def render_cached(html: str) -> tuple[str, bytes, bool]:
    """(key, PDF bytes, whether they came from the cache).  Raises PdfError."""
    key = cache_key(html)
    pdf = cached(key)
    if pdf is not None:
        return key, pdf, True
    pdf = render_html(html, pdf_options=PDF_OPTIONS)
    store(key, pdf)
    return key, pdf, False


def language_default(patient: Patient) -> str:
    return language_for(patient.preferred_language)
