"""Safety rules for the health-history screen (pure Python, no Flask).

:func:`evaluate` turns validated ``history`` answers into :class:`Finding`\\ s.  Findings are
prompts for a clinician to review (project decision 5): they say which answer triggered them
and what to do or avoid, and never name a diagnosis as fact.

Kinds: ``red_flag`` (refer to a physician; cauda equina signs are an ``emergency``),
``absolute`` (no massage today; medical clearance), ``local`` (avoid the area, treat elsewhere),
``relative`` (modify the treatment), ``heat`` (no heat there), ``pressure`` (no deep or forceful
pressure) and ``precaution`` (check before treating; e.g. pregnancy needs clearance, not a block).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from clinic.api.pure import region_label
from plugins.intake.instruments import ResponseError, get, validate

__all__ = ["KINDS", "Finding", "ResponseError", "age_in_years", "evaluate"]

KINDS = ("red_flag", "absolute", "local", "relative", "heat", "pressure", "precaution")

# Project choice, after the common rule of about 6 weeks or surgeon clearance (domain §3).
SURGERY_CLEARANCE_WEEKS = 6
# Lying flat on the back is avoided from about 20-22 weeks of pregnancy (domain §3).
PREGNANCY_SUPINE_WEEKS = 20

ABDOMEN = ("abdomen_l", "abdomen_r")
LOWER_BACK = ("lower_back_l", "lower_back_r")


@dataclass(frozen=True)
class Finding:
    code: str
    kind: str
    title: str
    message: str  # which answer(s) triggered it
    advice: str  # the advised action, or what to avoid and why
    regions: tuple[str, ...] = ()
    emergency: bool = False
    item_ids: tuple[str, ...] = ()


def _yes(answers: Mapping[str, Any], name: str) -> bool:
    return answers.get(f"history.{name}") is True


def _question(name: str) -> str:
    return get("history").item(f"history.{name}").label


def _said_yes(names: list[str]) -> str:
    quoted = "; ".join(f'"{_question(n)}"' for n in names)
    return f"Answered yes to: {quoted}"


def _regions(answers: Mapping[str, Any], name: str) -> tuple[str, ...]:
    value = answers.get(f"history.{name}_regions") or []
    return tuple(value)


def _where(regions: tuple[str, ...]) -> str:
    """Regions in words, a left/right pair said once: "the lower back (both sides)"."""
    if not regions:
        return "the affected area (the patient did not mark where)"
    words: list[str] = []
    chosen = set(regions)
    for code in regions:
        base, _, side = code.rpartition("_")
        if side in ("l", "r") and {f"{base}_l", f"{base}_r"} <= chosen:
            if side == "r":
                continue
            words.append(region_label(code).rsplit(", ", 1)[0].lower() + " (both sides)")
        else:
            words.append(region_label(code).lower())
    return "the " + ", ".join(words)


def _ids(*names: str) -> tuple[str, ...]:
    return tuple(f"history.{n}" for n in names)


def _medications(answers: Mapping[str, Any]) -> set[str]:
    return set(answers.get("history.medications") or [])


def _long_term_steroids(answers: Mapping[str, Any]) -> bool:
    return (
        "steroid" in _medications(answers)
        and answers.get("history.steroid_duration") == "3_months_or_more"
    )


# --- red flags ---------------------------------------------------------------------------

CAUDA_EQUINA_ITEMS = (
    "saddle_numbness",
    "wiping_feeling",
    "bladder_change",
    "bowel_control",
    "genital_sensation",
    "both_legs",
)


def _red_flags(answers: Mapping[str, Any], age: int | None, under: int, over: int) -> list[Finding]:
    found: list[Finding] = []
    ces = [n for n in CAUDA_EQUINA_ITEMS if _yes(answers, n)]
    if ces:
        found.append(
            Finding(
                "cauda_equina",
                "red_flag",
                "EMERGENCY: possible cauda equina signs",
                _said_yes(ces) + ".",
                "Do not treat. These answers can be signs of pressure on the nerves at the base "
                "of the spine, which needs same-day emergency medical care: tell the patient to "
                "go to an emergency department today, and tell the supervising clinician now.",
                emergency=True,
                item_ids=_ids(*ces),
            )
        )
    if _yes(answers, "leg_weakness"):
        found.append(
            Finding(
                "neuro_deficit",
                "red_flag",
                "Red flag: leg weakness getting worse",
                _said_yes(["leg_weakness"]) + ".",
                "Do not treat until a physician has assessed the weakness; ask the patient to "
                "see their doctor promptly, the same day if it is getting worse quickly.",
                item_ids=_ids("leg_weakness"),
            )
        )
    cancer = [
        n
        for n in ("cancer_history", "weight_loss", "night_pain", "not_improving")
        if _yes(answers, n)
    ]
    if cancer:
        found.append(
            Finding(
                "cancer_signs",
                "red_flag",
                "Red flag: signs that need a doctor's review (history of cancer, weight loss, "
                "night pain or no improvement)",
                _said_yes(cancer) + ".",
                "Clinician to review before treatment and refer the patient to their physician "
                "if the back pain has not been assessed for these signs.",
                item_ids=_ids(*cancer),
            )
        )
    infection = [
        n
        for n in ("fever", "recent_infection", "injected_drugs", "weak_immune")
        if _yes(answers, n)
    ]
    infection_ids = list(_ids(*infection))
    infection_text = [_said_yes(infection)] if infection else []
    if _long_term_steroids(answers) and "weak_immune" not in infection:
        infection_ids.append("history.steroid_duration")
        infection_text.append("takes steroid medicine for 3 months or longer")
    if infection_ids:
        found.append(
            Finding(
                "infection_signs",
                "red_flag",
                "Red flag: possible infection risk with back pain",
                "; ".join(infection_text) + ".",
                "Clinician to review before treatment and refer the patient to their physician "
                "if the back pain has not been assessed with these answers in mind.",
                item_ids=tuple(infection_ids),
            )
        )
    fracture_ids: list[str] = []
    fracture_text: list[str] = []
    if _yes(answers, "major_trauma"):
        fracture_ids.append("history.major_trauma")
        fracture_text.append(_said_yes(["major_trauma"]))
    if _yes(answers, "minor_trauma"):
        # Minor trauma or lifting matters with fragile bones: older age, osteoporosis or
        # long-term steroids (domain §2).
        risks = []
        if _yes(answers, "osteoporosis"):
            risks.append("has thin or weak bones (osteoporosis)")
            fracture_ids.append("history.osteoporosis")
        if _long_term_steroids(answers):
            risks.append("takes steroid medicine for 3 months or longer")
            fracture_ids.append("history.steroid_duration")
        if age is not None and age > over:
            risks.append(f"is aged {age} (over {over})")
        if risks:
            fracture_ids.insert(0, "history.minor_trauma")
            fracture_text.append(
                _said_yes(["minor_trauma"]) + ", and the patient " + " and ".join(risks)
            )
    if fracture_ids:
        found.append(
            Finding(
                "fracture_signs",
                "red_flag",
                "Red flag: pain after an injury with a risk of a broken bone",
                "; ".join(fracture_text) + ".",
                "No treatment of the back until a physician has ruled out a fracture; refer "
                "the patient to their physician.",
                regions=LOWER_BACK,
                item_ids=tuple(dict.fromkeys(fracture_ids)),
            )
        )
    if age is not None and (age < under or age > over):
        side = f"under {under}" if age < under else f"over {over}"
        found.append(
            Finding(
                "age",
                "red_flag",
                f"Red flag: age {side} with back pain",
                f"The patient is aged {age}, which is {side}.",
                "Age alone is a weak sign. Clinician to review it together with the other "
                "answers and refer to a physician if the pain is new or other red flags are "
                "present.",
            )
        )
    return found


# --- contraindications -------------------------------------------------------------------


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
        "blood_clot",
        "blood_clot",
        "absolute",
        "Known or suspected blood clot (DVT or lung)",
        "No massage until a physician has cleared it in writing: massage could move a clot.",
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
        "cancer_treatment",
        "cancer_treatment",
        "relative",
        "Cancer treatment now or in the last year",
        "Ask the oncologist before deep pressure; never press over a tumour.",
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
        "fragile skin; take care with heat where feeling is reduced.",
    ),
    _YesRule(
        "fragile_skin",
        "fragile_skin",
        "relative",
        "Fragile skin",
        "Light pressure and plenty of lubricant; avoid friction techniques.",
    ),
)


def _firm_note(answers: Mapping[str, Any]) -> str:
    if answers.get("history.pressure_preference") == "firm":
        return " The patient prefers firm pressure: explain why it is lighter."
    return ""


def _yes_rules(answers: Mapping[str, Any]) -> list[Finding]:
    found = []
    for rule in _YES_RULES:
        if _yes(answers, rule.name):
            note = _firm_note(answers) if rule.kind == "pressure" else ""
            found.append(
                Finding(
                    rule.code,
                    rule.kind,
                    rule.title,
                    _said_yes([rule.name]) + "." + note,
                    rule.advice,
                    item_ids=_ids(rule.name),
                )
            )
    return found


def _local_and_heat(answers: Mapping[str, Any]) -> list[Finding]:
    found: list[Finding] = []
    # (item, code, local advice or None, heat reason or None)
    rules: tuple[tuple[str, str, str, str | None, str | None], ...] = (
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
            "Varicose or inflamed veins",
            "No pressure over the affected veins; treat around them lightly.",
            "inflamed veins",
        ),
        (
            "aneurysm",
            "aneurysm",
            "Aneurysm",
            "No pressure over the aneurysm; no deep work on the abdomen if it is there.",
            None,
        ),
    )
    for name, code, title, local_advice, heat_reason in rules:
        if not _yes(answers, name):
            continue
        regions = _regions(answers, name)
        where = _where(regions)
        ids = _ids(name, f"{name}_regions") if regions else _ids(name)
        message = _said_yes([name]) + f". Area: {where}."
        if local_advice:
            found.append(
                Finding(
                    code,
                    "local",
                    f"{title}: avoid the area",
                    message,
                    local_advice,
                    regions=regions,
                    item_ids=ids,
                )
            )
        if heat_reason:
            found.append(
                Finding(
                    f"{code}_heat",
                    "heat",
                    f"No heat: {title.lower()}",
                    message,
                    f"No heat over {where}: {heat_reason}.",
                    regions=regions,
                    item_ids=ids,
                )
            )
    return found


def _surgery(answers: Mapping[str, Any]) -> list[Finding]:
    if not _yes(answers, "recent_surgery"):
        return []
    weeks = answers.get("history.surgery_weeks")
    regions = _regions(answers, "recent_surgery")
    where = _where(regions)
    ids = ["history.recent_surgery"]
    if weeks is not None:
        ids.append("history.surgery_weeks")
    if regions:
        ids.append("history.recent_surgery_regions")
    details = answers.get("history.surgery_details")
    when = f"{weeks} weeks ago" if weeks is not None else "within 3 months (weeks not given)"
    message = f"Operation {when}. Area: {where}." + (f" For: {details}." if details else "")
    if weeks is None or weeks < SURGERY_CLEARANCE_WEEKS:
        return [
            Finding(
                "recent_surgery",
                "local",
                "Recent operation: avoid the surgical area",
                message,
                f"Avoid {where} and get the surgeon's clearance before any work near it "
                f"(less than {SURGERY_CLEARANCE_WEEKS} weeks or not known).",
                regions=regions,
                item_ids=tuple(ids),
            )
        ]
    return [
        Finding(
            "surgery_site",
            "pressure",
            "Operation in the last 3 months: no deep pressure on the scar area",
            message,
            f"No deep pressure over {where}; ask how the healing is going.",
            regions=regions,
            item_ids=tuple(ids),
        )
    ]


def _medicines(answers: Mapping[str, Any]) -> list[Finding]:
    found: list[Finding] = []
    meds = _medications(answers)
    if "anticoagulant" in meds:
        found.append(
            Finding(
                "anticoagulant",
                "pressure",
                "Blood thinner: no deep pressure",
                "Takes blood thinners (anticoagulants)." + _firm_note(answers),
                "No deep or forceful pressure: anticoagulant (bruising and bleeding risk). Ask "
                "the prescriber if unsure.",
                item_ids=_ids("medications"),
            )
        )
    if _long_term_steroids(answers):
        found.append(
            Finding(
                "long_term_steroids",
                "pressure",
                "Long-term steroids: gentle pressure",
                "Takes steroid medicine for 3 months or longer." + _firm_note(answers),
                "No deep or forceful pressure: long-term steroids weaken skin, tissue and bone.",
                item_ids=_ids("medications", "steroid_duration"),
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
                item_ids=_ids("medications"),
            )
        )
    return found


def _pregnancy(answers: Mapping[str, Any]) -> list[Finding]:
    if not _yes(answers, "pregnant"):
        return []
    weeks = answers.get("history.pregnancy_weeks")
    ids = ["history.pregnant"] + (["history.pregnancy_weeks"] if weeks is not None else [])
    stage = f" ({weeks} weeks)" if weeks is not None else ""
    position = "Use side-lying positioning"
    if weeks is None or weeks >= PREGNANCY_SUPINE_WEEKS:
        position += (
            "; do not have the patient lie flat on their back (from about "
            f"{PREGNANCY_SUPINE_WEEKS} weeks, or when the weeks are not known)"
        )
    found = []
    if _yes(answers, "pregnancy_complications"):
        ids.append("history.pregnancy_complications")
        found.append(
            Finding(
                "pregnancy_high_risk",
                "precaution",
                "Pregnancy with complications: clearance needed",
                f"Pregnant{stage}. " + _said_yes(["pregnancy_complications"]) + ".",
                "Get written clearance from the midwife or obstetrician before treatment. "
                + position
                + ".",
                item_ids=tuple(ids),
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
                item_ids=tuple(ids),
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


def _allergy(answers: Mapping[str, Any]) -> list[Finding]:
    if not _yes(answers, "oil_allergy"):
        return []
    details = answers.get("history.oil_allergy_details")
    ids = _ids("oil_allergy", "oil_allergy_details") if details else _ids("oil_allergy")
    return [
        Finding(
            "product_allergy",
            "precaution",
            "Allergy to oils, lotions or scents",
            "Allergic or sensitive to: " + (details or "not specified") + ".",
            "Check every oil, lotion and cream against the allergy before use; if unsure use "
            "none. Nut allergy: no nut-based oils (for example almond).",
            item_ids=ids,
        )
    ]


def _comfort(answers: Mapping[str, Any]) -> list[Finding]:
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
            item_ids=_ids("comfort_notes"),
        )
    ]


def age_in_years(born: dt.date, on: dt.date) -> int:
    """Whole years of age on ``on`` (a birthday on 29 February counts from 1 March)."""
    years = on.year - born.year
    if (on.month, on.day) < (born.month, born.day):
        years -= 1
    return years


def evaluate(
    answers: Mapping[str, Any],
    *,
    age: int | None,
    red_flag_age_under: int = 20,
    red_flag_age_over: int = 50,
) -> list[Finding]:
    """Findings for validated ``history`` answers, emergencies first, then by kind.

    ``age`` is the patient's age in whole years (None if unknown).  The age thresholds are
    clinic settings (project decision 5, default under 20 or over 50).
    Raw form answers are accepted too: they are validated first (a partial response is fine),
    so a "yes" typed as a string can never slip past a rule.  Invalid answers raise
    :class:`ResponseError`.
    """
    answers = validate("history", answers, partial=True)
    found = (
        _red_flags(answers, age, red_flag_age_under, red_flag_age_over)
        + _yes_rules(answers)
        + _local_and_heat(answers)
        + _surgery(answers)
        + _medicines(answers)
        + _pregnancy(answers)
        + _allergy(answers)
        + _comfort(answers)
    )
    order = {kind: n for n, kind in enumerate(KINDS)}
    return sorted(found, key=lambda f: (not f.emergency, order[f.kind]))
