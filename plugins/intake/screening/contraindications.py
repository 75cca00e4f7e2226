"""Contraindications and precautions: what not to do, or to do differently, and where
(docs/clinical-rules.md, "Contraindications", "Heat" and "Pressure").

Kinds: ``absolute`` (no massage today; clearance), ``local`` (avoid the area; empty
regions = whole body), ``relative`` (modify), ``heat`` (no heat on the regions; empty =
anywhere), ``heat_check`` (heat only after a documented sensation test), ``pressure``
(no deep or forceful pressure) and ``precaution`` (check before treating).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .common import (
    Finding,
    Thresholds,
    firm_note,
    ids,
    regions_of,
    said_yes,
    where,
    yes,
)
from .precautions import allergy, comfort, medicines, pregnancy


@dataclass(frozen=True)
class _YesRule:
    """A "yes" to one question raises one finding for the whole body."""

    name: str
    code: str
    kind: str
    title: str
    advice: str


_YES_RULES = (
    _YesRule(
        "fever",
        "fever",
        "absolute",
        "Fever or chills",
        "No massage or heat today; rebook once the fever has gone, and ask the patient to see "
        "their doctor if it continues.",
    ),
    _YesRule(
        "fever",
        "fever_heat",
        "heat",
        "No heat: fever",
        "No heat anywhere while the patient has a fever.",
    ),
    _YesRule(
        "contagious_illness",
        "contagious",
        "absolute",
        "Contagious illness",
        "No massage today; rebook when the patient is well.",
    ),
    _YesRule(
        "high_blood_pressure",
        "uncontrolled_bp",
        "absolute",
        "Very high blood pressure, not controlled",
        "No massage until the patient's doctor confirms it is safe.",
    ),
    _YesRule(
        "bleeding_disorder",
        "bleeding_risk",
        "pressure",
        "Easy bruising or bleeding: no deep pressure",
        "No deep or forceful pressure: bleeding disorder or low platelets.",
    ),
    _YesRule(
        "osteoporosis",
        "osteoporosis",
        "pressure",
        "Thin or weak bones: gentle pressure",
        "No forceful pressure or joint manipulation: osteoporosis (fracture risk).",
    ),
    _YesRule(
        "bone_cancer",
        "bone_metastasis",
        "pressure",
        "Cancer in the bones: very gentle pressure only",
        "No pressure over affected bones and no deep work anywhere without the oncologist's "
        "agreement: fracture risk.",
    ),
    _YesRule(
        "bone_cancer",
        "bone_metastasis_heat",
        "heat",
        "No heat: cancer in the bones",
        "No heat: cancer has spread to the bones and where is not recorded here.",
    ),
    _YesRule(
        "cancer_treatment",
        "cancer_treatment",
        "relative",
        "Cancer treatment now or in the last year",
        "Ask the oncologist before deep pressure; never press over a tumour.",
    ),
    _YesRule(
        "cancer_treatment",
        "cancer_treatment_heat",
        "heat",
        "No heat: cancer treatment now or in the last year",
        "No heat until the oncologist agrees: current or recent cancer treatment.",
    ),
    _YesRule(
        "heart_condition",
        "heart_condition",
        "relative",
        "Heart condition",
        "Check with the patient's doctor if unsure; keep heat short and mild and watch how the "
        "patient feels.",
    ),
    _YesRule(
        "diabetes",
        "diabetes",
        "relative",
        "Diabetes",
        "Check skin and feeling before work on the feet and legs; use gentle pressure on "
        "fragile skin.",
    ),
    _YesRule(
        "fragile_skin",
        "fragile_skin",
        "relative",
        "Fragile skin",
        "Light pressure and plenty of lubricant; avoid friction techniques.",
    ),
)


def yes_rules(answers: Mapping[str, Any]) -> list[Finding]:
    found = []
    for rule in _YES_RULES:
        if yes(answers, rule.name):
            note = firm_note(answers) if rule.kind == "pressure" else ""
            found.append(
                Finding(
                    rule.code,
                    rule.kind,
                    rule.title,
                    said_yes([rule.name]) + "." + note,
                    rule.advice,
                    item_ids=ids(rule.name),
                )
            )
    return found


def sensation_test(answers: Mapping[str, Any]) -> list[Finding]:
    """Diabetes or nerve damage: heat only after a documented sensation test."""
    reasons = [n for n in ("diabetes", "numbness") if yes(answers, n)]
    if not reasons:
        return []
    return [
        Finding(
            "sensation_test",
            "heat_check",
            "Sensation test before the first hot pack",
            said_yes(reasons) + ".",
            "Before the first hot pack, test and record that the patient feels warm and cold "
            "normally on the area to be heated; without a documented test, no heat.",
            item_ids=ids(*reasons),
        )
    ]


# (item, code, title, local advice or None, heat reason or None)
_AREA_RULES: tuple[tuple[str, str, str, str | None, str | None], ...] = (
    ("numbness", "reduced_sensation", "Reduced feeling", None, "reduced sensation"),
    ("poor_circulation", "poor_circulation", "Poor circulation", None, "poor circulation"),
    (
        "inflammation",
        "acute_inflammation",
        "New injury or swelling",
        "Avoid massage over the injured or swollen area; treat elsewhere.",
        "acute inflammation",
    ),
    (
        "skin_problem",
        "skin_problem",
        "Wound, burn, rash or skin infection",
        "Avoid the area; do not touch broken or infected skin.",
        "open skin or infection",
    ),
    (
        "lump",
        "lump_or_tumour",
        "Lump, swelling or tumour",
        "Never press on or massage the lump; avoid the area and ask the patient to have "
        "any unchecked lump seen by a doctor.",
        "possible malignancy in the area",
    ),
    (
        "radiation",
        "radiation_area",
        "Area of recent radiation treatment",
        "Avoid the treated area; the skin there is fragile.",
        "recent radiotherapy",
    ),
    (
        "healing_fracture",
        "healing_fracture",
        "Broken bone still healing",
        "Avoid the fracture site.",
        None,
    ),
    (
        "varicose_veins",
        "varicose_veins",
        "Varicose veins",
        "No pressure over the varicose veins; work around them lightly.",
        "varicose veins",
    ),
    (
        "aneurysm",
        "aneurysm",
        "Aneurysm",
        "No pressure over the aneurysm; no deep work on the abdomen if it is there.",
        None,
    ),
)


def local_and_heat(answers: Mapping[str, Any]) -> list[Finding]:
    found: list[Finding] = []
    for name, code, title, local_advice, heat_reason in _AREA_RULES:
        if not yes(answers, name):
            continue
        regions = regions_of(answers, name)
        area = where(regions)
        item_ids = ids(name, f"{name}_regions") if regions else ids(name)
        message = said_yes([name]) + f". Area: {area}."
        if local_advice:
            found.append(
                Finding(
                    code,
                    "local",
                    f"{title}: avoid the area",
                    message,
                    local_advice,
                    regions=regions,
                    item_ids=item_ids,
                )
            )
        if heat_reason:
            found.append(
                Finding(
                    f"{code}_heat",
                    "heat",
                    f"No heat: {title.lower()}",
                    message,
                    f"No heat over {area}: {heat_reason}.",
                    regions=regions,
                    item_ids=item_ids,
                )
            )
    return found


def surgery(answers: Mapping[str, Any], thresholds: Thresholds) -> list[Finding]:
    if not yes(answers, "recent_surgery"):
        return []
    limit = thresholds.surgery_clearance_weeks
    weeks = answers.get("history.surgery_weeks")
    regions = regions_of(answers, "recent_surgery")
    area = where(regions)
    item_ids = ["history.recent_surgery"]
    if weeks is not None:
        item_ids.append("history.surgery_weeks")
    if regions:
        item_ids.append("history.recent_surgery_regions")
    details = answers.get("history.surgery_details")
    when = f"{weeks} weeks ago" if weeks is not None else "within 3 months (weeks not given)"
    message = f"Operation {when}. Area: {area}." + (f" For: {details}." if details else "")
    if weeks is None or weeks < limit:
        return [
            Finding(
                "recent_surgery",
                "local",
                "Recent operation: avoid the surgical area",
                message,
                f"Avoid {area} and get the surgeon's clearance before any work near it "
                f"(less than {limit} weeks or not known).",
                regions=regions,
                item_ids=tuple(item_ids),
            )
        ]
    return [
        Finding(
            "surgery_site",
            "pressure",
            "Operation in the last 3 months: no deep pressure on the scar area",
            message,
            f"No deep pressure over {area}; ask how the healing is going.",
            regions=regions,
            item_ids=tuple(item_ids),
        )
    ]


def contraindications(answers: Mapping[str, Any], thresholds: Thresholds) -> list[Finding]:
    return (
        yes_rules(answers)
        + sensation_test(answers)
        + local_and_heat(answers)
        + surgery(answers, thresholds)
        + medicines(answers)
        + pregnancy(answers, thresholds)
        + allergy(answers)
        + comfort(answers)
    )
