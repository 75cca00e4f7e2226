"""Red flags: answers that send the patient to a physician before any treatment, and
the emergencies among them (docs/clinical-rules.md, "Red flags" and "Emergencies").

Each function returns findings of kind ``red_flag``; an emergency also has
``emergency=True``.  They route to a clinician and never name a diagnosis as fact.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .common import (
    LOWER_BACK,
    Finding,
    Thresholds,
    ids,
    long_term_steroids,
    no,
    said_yes,
    yes,
)

# Signs of pressure on the nerves at the base of the spine.  "both_legs" counts only when
# it is new or getting worse (asked by "both_legs_new"), so long-standing symptoms in both
# legs from narrowing of the spinal canal do not raise an emergency every visit.
CAUDA_EQUINA_ITEMS = (
    "saddle_numbness",
    "wiping_feeling",
    "bladder_change",
    "bowel_control",
    "genital_sensation",
    "both_legs",
)

# New nerve or bladder/bowel signs that, with a history of cancer, can mean pressure on
# the spinal cord.
CORD_SIGNS = (
    "leg_weakness",
    "new_numbness",
    "saddle_numbness",
    "bladder_change",
    "bowel_control",
)

_SAME_DAY = (
    "Do not treat. Tell the patient to go to an emergency department today, and tell the "
    "supervising clinician now."
)


def _both_legs_counts(answers: Mapping[str, Any]) -> bool:
    # Unanswered follow-up (a partial staff entry): count it, the safe side.
    return yes(answers, "both_legs") and not no(answers, "both_legs_new")


def cauda_equina(answers: Mapping[str, Any]) -> list[Finding]:
    signs = [
        n
        for n in CAUDA_EQUINA_ITEMS
        if yes(answers, n) and (n != "both_legs" or _both_legs_counts(answers))
    ]
    found: list[Finding] = []
    if signs:
        item_ids = list(ids(*signs))
        if "both_legs" in signs and yes(answers, "both_legs_new"):
            item_ids.append("history.both_legs_new")
        found.append(
            Finding(
                "cauda_equina",
                "red_flag",
                "EMERGENCY: possible cauda equina signs",
                said_yes(signs) + ".",
                "These answers can be signs of pressure on the nerves at the base of the spine, "
                "which needs same-day emergency medical care. " + _SAME_DAY,
                emergency=True,
                item_ids=tuple(item_ids),
            )
        )
    elif yes(answers, "both_legs"):
        found.append(
            Finding(
                "both_legs_longstanding",
                "precaution",
                "Long-standing symptoms in both legs",
                said_yes(["both_legs"]) + ", and said it is not new and not getting worse.",
                "Ask at every visit whether anything has changed: symptoms in both legs that are "
                "new or getting worse are an emergency (same-day care).",
                item_ids=ids("both_legs", "both_legs_new"),
            )
        )
    return found


def cord_compression(answers: Mapping[str, Any]) -> list[Finding]:
    signs = [n for n in CORD_SIGNS if yes(answers, n)]
    if not (yes(answers, "cancer_history") and signs):
        return []
    return [
        Finding(
            "cord_compression",
            "red_flag",
            "EMERGENCY: history of cancer with new nerve or bladder/bowel signs",
            said_yes(["cancer_history", *signs]) + ".",
            "Cancer in the past together with new weakness, numbness or bladder or bowel "
            "changes can mean pressure on the spinal cord, which needs same-day emergency "
            "care. " + _SAME_DAY,
            emergency=True,
            item_ids=ids("cancer_history", *signs),
        )
    ]


def aneurysm_pain(answers: Mapping[str, Any]) -> list[Finding]:
    # Unanswered follow-up counts as new pain (the safe side).
    if not yes(answers, "aneurysm") or no(answers, "aneurysm_new_pain"):
        return []
    asked = ["aneurysm"] + (["aneurysm_new_pain"] if yes(answers, "aneurysm_new_pain") else [])
    return [
        Finding(
            "aneurysm_pain",
            "red_flag",
            "EMERGENCY: known aneurysm with new back or abdominal pain",
            said_yes(asked) + ".",
            "New or changed back or tummy pain in someone with an aneurysm can mean the "
            "aneurysm is changing, which needs same-day emergency care. " + _SAME_DAY,
            emergency=True,
            item_ids=ids(*asked),
        )
    ]


def neuro_deficit(answers: Mapping[str, Any]) -> list[Finding]:
    if not yes(answers, "leg_weakness"):
        return []
    return [
        Finding(
            "neuro_deficit",
            "red_flag",
            "Red flag: leg weakness getting worse",
            said_yes(["leg_weakness"]) + ".",
            "Do not treat until a physician has assessed the weakness; ask the patient to "
            "see their doctor promptly, the same day if it is getting worse quickly.",
            item_ids=ids("leg_weakness"),
        )
    ]


def thoracic_pain(answers: Mapping[str, Any]) -> list[Finding]:
    if not yes(answers, "thoracic_pain"):
        return []
    return [
        Finding(
            "thoracic_pain",
            "red_flag",
            "Red flag: pain in the middle or upper back",
            said_yes(["thoracic_pain"]) + ".",
            "Pain in the middle or upper back is less often muscular than low back pain. "
            "Clinician to review before treatment and refer the patient to their physician if "
            "it has not been assessed.",
            item_ids=ids("thoracic_pain"),
        )
    ]


def spinal_procedure(answers: Mapping[str, Any]) -> list[Finding]:
    if not yes(answers, "spinal_procedure"):
        return []
    return [
        Finding(
            "spinal_procedure",
            "red_flag",
            "Red flag: injection or procedure on the spine in the last 6 weeks",
            said_yes(["spinal_procedure"]) + ".",
            "Clinician to review before treatment: ask what was done and by whom, and about "
            "fever or new pain since. Refer to the doctor who did the procedure if either is "
            "present; no pressure over the injection or operation site.",
            item_ids=ids("spinal_procedure"),
        )
    ]


def cancer_signs(answers: Mapping[str, Any]) -> list[Finding]:
    cancer = [
        n
        for n in ("cancer_history", "weight_loss", "night_pain", "not_improving")
        if yes(answers, n)
    ]
    if not cancer:
        return []
    return [
        Finding(
            "cancer_signs",
            "red_flag",
            "Red flag: signs that need a doctor's review (history of cancer, weight loss, "
            "night pain or no improvement)",
            said_yes(cancer) + ".",
            "Clinician to review before treatment and refer the patient to their physician "
            "if the back pain has not been assessed for these signs.",
            item_ids=ids(*cancer),
        )
    ]


def infection_signs(answers: Mapping[str, Any]) -> list[Finding]:
    infection = [
        n for n in ("fever", "recent_infection", "injected_drugs", "weak_immune") if yes(answers, n)
    ]
    infection_ids = list(ids(*infection))
    infection_text = [said_yes(infection)] if infection else []
    if long_term_steroids(answers) and "weak_immune" not in infection:
        infection_ids.append("history.steroid_duration")
        infection_text.append("takes steroid medicine for 3 months or longer")
    if not infection_ids:
        return []
    return [
        Finding(
            "infection_signs",
            "red_flag",
            "Red flag: possible infection risk with back pain",
            "; ".join(infection_text) + ".",
            "Clinician to review before treatment and refer the patient to their physician "
            "if the back pain has not been assessed with these answers in mind.",
            item_ids=tuple(infection_ids),
        )
    ]


def fracture_signs(answers: Mapping[str, Any], age: int | None, over: int) -> list[Finding]:
    fracture_ids: list[str] = []
    fracture_text: list[str] = []
    if yes(answers, "major_trauma"):
        fracture_ids.append("history.major_trauma")
        fracture_text.append(said_yes(["major_trauma"]))
    if yes(answers, "minor_trauma"):
        # Minor trauma or lifting matters with fragile bones: older age, osteoporosis or
        # long-term steroids (docs/clinical-rules.md, "Possible broken bone").
        risks = []
        if yes(answers, "osteoporosis"):
            risks.append("has thin or weak bones (osteoporosis)")
            fracture_ids.append("history.osteoporosis")
        if long_term_steroids(answers):
            risks.append("takes steroid medicine for 3 months or longer")
            fracture_ids.append("history.steroid_duration")
        if age is not None and age > over:
            risks.append(f"is aged {age} (over {over})")
        if risks:
            fracture_ids.insert(0, "history.minor_trauma")
            fracture_text.append(
                said_yes(["minor_trauma"]) + ", and the patient " + " and ".join(risks)
            )
    if not fracture_ids:
        return []
    return [
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
    ]


def age_flag(age: int | None, under: int, over: int) -> list[Finding]:
    if age is None or under <= age <= over:
        return []
    side = f"under {under}" if age < under else f"over {over}"
    return [
        Finding(
            "age",
            "red_flag",
            f"Red flag: age {side} with back pain",
            f"The patient is aged {age}, which is {side}.",
            "Age alone is a weak sign. Clinician to review it together with the other "
            "answers and refer to a physician if the pain is new or other red flags are "
            "present.",
        )
    ]


def red_flags(answers: Mapping[str, Any], age: int | None, thresholds: Thresholds) -> list[Finding]:
    return (
        cauda_equina(answers)
        + cord_compression(answers)
        + aneurysm_pain(answers)
        + neuro_deficit(answers)
        + thoracic_pain(answers)
        + spinal_procedure(answers)
        + cancer_signs(answers)
        + infection_signs(answers)
        + fracture_signs(answers, age, thresholds.red_flag_age_over)
        + age_flag(age, thresholds.red_flag_age_under, thresholds.red_flag_age_over)
    )
