"""Clots and veins: a known or suspected clot, the DVT questions and a sore, hard or red
vein (docs/clinical-rules.md, "Clots and veins").

Massage could move a clot, and heat is unsafe over impaired circulation, so each of
these raises a referral or a block together with a "no heat" finding.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .common import Finding, ids, regions_of, said_yes, where, whole_limbs, yes


def known_clot(answers: Mapping[str, Any]) -> list[Finding]:
    if not yes(answers, "blood_clot"):
        return []
    message = said_yes(["blood_clot"]) + "."
    return [
        Finding(
            "blood_clot",
            "absolute",
            "Known or suspected blood clot (DVT or lung)",
            message,
            "No massage until a physician has cleared it in writing: massage could move a clot.",
            item_ids=ids("blood_clot"),
        ),
        Finding(
            "blood_clot_heat",
            "heat",
            "No heat: blood clot",
            message,
            "No heat anywhere until a physician has cleared treatment: clot (DVT).",
            item_ids=ids("blood_clot"),
        ),
    ]


def suspected_dvt(answers: Mapping[str, Any]) -> list[Finding]:
    if not yes(answers, "leg_swelling"):
        return []
    asked = ["leg_swelling"] + (["clot_risk"] if yes(answers, "clot_risk") else [])
    message = said_yes(asked) + "."
    risk = (
        " The patient also had an operation, was hardly moving or travelled a long way "
        "recently, which makes a clot more likely."
        if yes(answers, "clot_risk")
        else ""
    )
    return [
        Finding(
            "suspected_dvt",
            "red_flag",
            "Red flag: one leg newly swollen, warm or painful (possible clot)",
            message,
            "A leg that is newly swollen, warm or painful on one side can be a blood clot "
            "(DVT). Refer the patient to a physician today." + risk,
            item_ids=ids(*asked),
        ),
        Finding(
            "suspected_dvt_clearance",
            "absolute",
            "Possible clot: no massage until a physician has cleared it",
            message,
            "No massage anywhere until a physician has ruled out a clot and cleared treatment: "
            "massage could move a clot.",
            item_ids=ids(*asked),
        ),
        Finding(
            "suspected_dvt_heat",
            "heat",
            "No heat: possible clot",
            message,
            "No heat anywhere until a physician has ruled out a clot.",
            item_ids=ids(*asked),
        ),
    ]


def sore_vein(answers: Mapping[str, Any]) -> list[Finding]:
    if not yes(answers, "sore_vein"):
        return []
    marked = regions_of(answers, "sore_vein")
    limbs = whole_limbs(marked)
    area = where(limbs)
    item_ids = ids("sore_vein", "sore_vein_regions") if marked else ids("sore_vein")
    message = said_yes(["sore_vein"]) + f". Area: {where(marked)}."
    return [
        Finding(
            "suspected_thrombophlebitis",
            "red_flag",
            "Red flag: swollen, hard, red or sore vein (possible inflamed vein with a clot)",
            message,
            "A vein that is swollen, hard, red or sore can be inflamed with a clot "
            "(thrombophlebitis). Refer the patient to a physician before treatment.",
            regions=limbs,
            item_ids=item_ids,
        ),
        Finding(
            "suspected_thrombophlebitis_local",
            "local",
            "Sore or swollen vein: no massage of that limb",
            message,
            f"No massage of {area} (the whole limb, not only around the vein) until a "
            "physician has assessed the vein.",
            regions=limbs,
            item_ids=item_ids,
        ),
        Finding(
            "suspected_thrombophlebitis_heat",
            "heat",
            "No heat: sore or swollen vein",
            message,
            f"No heat over {area}: possible inflamed vein with a clot.",
            regions=limbs,
            item_ids=item_ids,
        ),
    ]


def veins(answers: Mapping[str, Any]) -> list[Finding]:
    return known_clot(answers) + suspected_dvt(answers) + sore_vein(answers)
