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


def region_label(code: str) -> str:
    region = REGIONS_BY_CODE.get(code)
    return region.label if region else code
