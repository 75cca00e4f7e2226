"""Shared body-region vocabulary.

Intake's pain diagram, treatment notes and handouts all speak of the same regions,
so their codes live in the core: a plugin can be disabled without the others losing
the words they share.  Codes are a stable interface (stored in the database).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BodyRegion:
    code: str
    label: str
    view: str  # "front" or "back": the outline it is drawn on


def _pair(code: str, label: str, view: str) -> tuple[BodyRegion, BodyRegion]:
    return (
        BodyRegion(f"{code}_l", f"{label}, left", view),
        BodyRegion(f"{code}_r", f"{label}, right", view),
    )


BODY_REGIONS: tuple[BodyRegion, ...] = (
    BodyRegion("head", "Head", "front"),
    *_pair("neck_front", "Front of neck", "front"),
    *_pair("shoulder_front", "Front of shoulder", "front"),
    *_pair("chest", "Chest", "front"),
    *_pair("arm_front", "Arm (front)", "front"),
    *_pair("abdomen", "Abdomen", "front"),
    *_pair("hip_front", "Hip and groin", "front"),
    *_pair("thigh_front", "Thigh (front)", "front"),
    *_pair("knee", "Knee", "front"),
    *_pair("leg_front", "Shin", "front"),
    *_pair("foot", "Foot", "front"),
    *_pair("neck", "Neck", "back"),
    *_pair("shoulder", "Shoulder blade", "back"),
    *_pair("upper_back", "Upper back", "back"),
    *_pair("mid_back", "Mid back", "back"),
    *_pair("lower_back", "Lower back", "back"),
    *_pair("buttock", "Buttock", "back"),
    *_pair("hip", "Hip (side and back)", "back"),
    *_pair("thigh", "Thigh (back)", "back"),
    *_pair("calf", "Calf", "back"),
    *_pair("heel", "Heel and sole", "back"),
)

REGIONS_BY_CODE: dict[str, BodyRegion] = {r.code: r for r in BODY_REGIONS}

# The same regions in Spanish, for what patients read (handouts): written for plain
# speech, not anatomical Latin.  Keyed by the code without its side; the side is said
# as "lado izquierdo/derecho" so no adjective has to agree with the region's gender.
_SPANISH = {
    "head": "Cabeza",
    "neck_front": "Parte delantera del cuello",
    "shoulder_front": "Parte delantera del hombro",
    "chest": "Pecho",
    "arm_front": "Brazo (parte delantera)",
    "abdomen": "Abdomen",
    "hip_front": "Cadera e ingle",
    "thigh_front": "Muslo (parte delantera)",
    "knee": "Rodilla",
    "leg_front": "Espinilla",
    "foot": "Pie",
    "neck": "Nuca",
    "shoulder": "Omóplato",
    "upper_back": "Parte alta de la espalda",
    "mid_back": "Parte media de la espalda",
    "lower_back": "Zona lumbar",
    "buttock": "Glúteo",
    "hip": "Cadera (lado y parte de atrás)",
    "thigh": "Muslo (parte de atrás)",
    "calf": "Pantorrilla",
    "heel": "Talón y planta del pie",
}
_SPANISH_SIDES = {"_l": "lado izquierdo", "_r": "lado derecho"}


def region_label(code: str, language: str = "en") -> str:
    """The region's name in ``language`` ("en" or "es"; anything else gives English).
    An unknown code comes back unchanged."""
    region = REGIONS_BY_CODE.get(code)
    if region is None:
        return code
    if language == "es":
        base, side = code[:-2], code[-2:]
        if side in _SPANISH_SIDES and base in _SPANISH:
            return f"{_SPANISH[base]}, {_SPANISH_SIDES[side]}"
        if code in _SPANISH:
            return _SPANISH[code]
    return region.label
