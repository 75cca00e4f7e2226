"""Medicines, pregnancy, allergies and the patient's comfort requests: how to treat
safely rather than whether to (docs/clinical-rules.md, "Contraindications").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .common import (
    ABDOMEN,
    Finding,
    Thresholds,
    firm_note,
    ids,
    long_term_steroids,
    medications,
    said_yes,
    yes,
)


def medicines(answers: Mapping[str, Any]) -> list[Finding]:
    found: list[Finding] = []
    meds = medications(answers)
    if "anticoagulant" in meds:
        found.append(
            Finding(
                "anticoagulant",
                "pressure",
                "Blood thinner: no deep pressure",
                "Takes blood thinners (anticoagulants)." + firm_note(answers),
                "No deep or forceful pressure: anticoagulant (bruising and bleeding risk). Ask "
                "the prescriber if unsure.",
                item_ids=ids("medications"),
            )
        )
    if long_term_steroids(answers):
        found.append(
            Finding(
                "long_term_steroids",
                "pressure",
                "Long-term steroids: gentle pressure",
                "Takes steroid medicine for 3 months or longer." + firm_note(answers),
                "No deep or forceful pressure: long-term steroids weaken skin, tissue and bone.",
                item_ids=ids("medications", "steroid_duration"),
            )
        )
    if meds & {"painkiller", "anti_inflammatory", "muscle_relaxant"}:
        found.append(
            Finding(
                "pain_feedback",
                "relative",
                "Medicines that can dull pain feedback",
                "Takes painkillers, anti-inflammatories or muscle relaxants.",
                "The patient may not feel when pressure is too much: use moderate pressure and "
                "check in often.",
                item_ids=ids("medications"),
            )
        )
    return found


def pregnancy(answers: Mapping[str, Any], thresholds: Thresholds) -> list[Finding]:
    if not yes(answers, "pregnant"):
        return []
    supine = thresholds.pregnancy_supine_weeks
    weeks = answers.get("history.pregnancy_weeks")
    item_ids = ["history.pregnant"] + (["history.pregnancy_weeks"] if weeks is not None else [])
    stage = f" ({weeks} weeks)" if weeks is not None else ""
    position = "Use side-lying positioning"
    if weeks is None or weeks >= supine:
        position += (
            "; do not have the patient lie flat on their back (from about "
            f"{supine} weeks, or when the weeks are not known)"
        )
    found = []
    if yes(answers, "pregnancy_complications"):
        item_ids.append("history.pregnancy_complications")
        found.append(
            Finding(
                "pregnancy_high_risk",
                "precaution",
                "Pregnancy with complications: clearance needed",
                f"Pregnant{stage}. " + said_yes(["pregnancy_complications"]) + ".",
                "Get written clearance from the midwife or obstetrician before treatment. "
                + position
                + ".",
                item_ids=tuple(item_ids),
            )
        )
    else:
        found.append(
            Finding(
                "pregnancy",
                "precaution",
                "Pregnancy: check clearance and positioning",
                f"Pregnant or may be pregnant{stage}.",
                "A precaution, not a block: check whether the midwife or doctor has any "
                "concerns. " + position + ".",
                item_ids=tuple(item_ids),
            )
        )
    found.append(
        Finding(
            "pregnancy_heat",
            "heat",
            "No heat over the abdomen: pregnancy",
            f"Pregnant or may be pregnant{stage}.",
            "No heat over the abdomen: pregnancy.",
            regions=ABDOMEN,
            item_ids=("history.pregnant",),
        )
    )
    return found


def allergy(answers: Mapping[str, Any]) -> list[Finding]:
    if not yes(answers, "oil_allergy"):
        return []
    details = answers.get("history.oil_allergy_details")
    item_ids = ids("oil_allergy", "oil_allergy_details") if details else ids("oil_allergy")
    return [
        Finding(
            "product_allergy",
            "precaution",
            "Allergy to oils, lotions or scents",
            "Allergic or sensitive to: " + (details or "not specified") + ".",
            "Check every oil, lotion and cream against the allergy before use; if unsure use "
            "none. Nut allergy: no nut-based oils (for example almond).",
            item_ids=item_ids,
        )
    ]


def comfort(answers: Mapping[str, Any]) -> list[Finding]:
    notes = answers.get("history.comfort_notes")
    if not notes:
        return []
    return [
        Finding(
            "comfort_request",
            "precaution",
            "Patient's request about touch and comfort",
            f"The patient wrote: {notes}",
            "Read and respect the request; ask before working near any area the patient named.",
            item_ids=ids("comfort_notes"),
        )
    ]
