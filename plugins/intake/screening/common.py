"""What the red-flag and contraindication rules share: the finding, the thresholds and
small readers of validated ``history`` answers (pure Python, no Flask).

Every rule is written down for a clinician in ``docs/clinical-rules.md``; a comment
that names a rule points there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from clinic.api.pure import REGIONS_BY_CODE, region_label
from plugins.intake.instruments import get

KINDS = (
    "red_flag",
    "absolute",
    "local",
    "relative",
    "heat",
    "heat_check",
    "pressure",
    "precaution",
)

ABDOMEN = ("abdomen_l", "abdomen_r")
LOWER_BACK = ("lower_back_l", "lower_back_r")

# The regions that make up one limb on one side, for "no massage of that limb"
# (docs/clinical-rules.md, "Sore, hard or red vein").
_LEG = ("hip_front", "thigh_front", "knee", "leg_front", "foot", "thigh", "calf", "heel")
_ARM = ("shoulder_front", "arm_front")
LIMBS: dict[str, tuple[str, ...]] = {
    f"{limb}_{side}": tuple(f"{base}_{side}" for base in bases)
    for limb, bases in (("leg", _LEG), ("arm", _ARM))
    for side in ("l", "r")
}


@dataclass(frozen=True)
class Thresholds:
    """The numbers the rules use; each is a clinic setting (``intake.<name>``)."""

    red_flag_age_under: int = 20
    red_flag_age_over: int = 50
    surgery_clearance_weeks: int = 6
    pregnancy_supine_weeks: int = 20


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


def yes(answers: Mapping[str, Any], name: str) -> bool:
    return answers.get(f"history.{name}") is True


def no(answers: Mapping[str, Any], name: str) -> bool:
    return answers.get(f"history.{name}") is False


def question(name: str) -> str:
    return get("history").item(f"history.{name}").label


def said_yes(names: list[str] | tuple[str, ...]) -> str:
    quoted = "; ".join(f'"{question(n)}"' for n in names)
    return f"Answered yes to: {quoted}"


def regions_of(answers: Mapping[str, Any], name: str) -> tuple[str, ...]:
    return tuple(answers.get(f"history.{name}_regions") or [])


def whole_limbs(regions: tuple[str, ...]) -> tuple[str, ...]:
    """``regions`` with every limb they touch filled in completely, in body order."""
    chosen = set(regions)
    for limb in LIMBS.values():
        if chosen & set(limb):
            chosen |= set(limb)
    return tuple(code for code in REGIONS_BY_CODE if code in chosen)


def where(regions: tuple[str, ...]) -> str:
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


def ids(*names: str) -> tuple[str, ...]:
    return tuple(f"history.{n}" for n in names)


def medications(answers: Mapping[str, Any]) -> set[str]:
    return set(answers.get("history.medications") or [])


def long_term_steroids(answers: Mapping[str, Any]) -> bool:
    return (
        "steroid" in medications(answers)
        and answers.get("history.steroid_duration") == "3_months_or_more"
    )


def firm_note(answers: Mapping[str, Any]) -> str:
    if answers.get("history.pressure_preference") == "firm":
        return " The patient prefers firm pressure: explain why it is lighter."
    return ""
