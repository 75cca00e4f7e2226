"""The pain diagram: which body regions hurt and how much (0-10).

Pure: no Flask.  Region codes are the shared :mod:`clinic.anatomy` codes; the SVG
shapes that draw them are here so the tablet page, the chart and the PDF use the same
outline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from clinic.api.pure import BODY_REGIONS, REGIONS_BY_CODE

VERSION = "1"
MAX_RATING = 10


class PainDiagramError(ValueError):
    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


def clean_ratings(raw: Mapping[str, Any]) -> dict[str, int]:
    """Turn ``{region code: rating}`` (form strings allowed) into checked integers.

    Empty values mean "not marked" and are dropped.  Unknown regions, non-numbers and
    ratings outside 0-10 are refused with one message per region.
    """
    cleaned: dict[str, int] = {}
    errors: dict[str, str] = {}
    for code, value in raw.items():
        if code not in REGIONS_BY_CODE:
            errors[code] = "This is not a body region on the diagram."
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if isinstance(value, bool):
            errors[code] = "Give a number from 0 to 10."
            continue
        try:
            number = int(str(value).strip())
        except ValueError:
            errors[code] = "Give a whole number from 0 to 10."
            continue
        if not 0 <= number <= MAX_RATING:
            errors[code] = "Give a number from 0 to 10."
            continue
        cleaned[code] = number
    if errors:
        raise PainDiagramError(errors)
    return cleaned


@dataclass(frozen=True)
class Shape:
    code: str
    label: str
    view: str
    x: float
    y: float
    w: float
    h: float


# The figure is drawn on a 200 x 440 canvas per view (the tablet draws it 340 px wide,
# 1.7 px per unit).  Every tap target is at least 28 units on each side, so at least
# 44 x 44 CSS px on the tablet (tested).  Left/right are the patient's own sides:
# on the front view the patient's left is on the viewer's right.  The rectangles
# below are the patient's right side (or the middle) of each view.
WIDTH, HEIGHT = 200, 440
MIN_TARGET = 28  # units; 28 x 1.7 = 47.6 px
TABLET_PX_PER_UNIT = 1.7

_FRONT = {
    "head": (72, 4, 56, 52),
    "neck_front": (72, 56, 28, 30),
    "shoulder_front": (36, 86, 36, 34),
    "chest": (72, 86, 28, 64),
    "arm_front": (6, 120, 30, 170),
    "abdomen": (72, 150, 28, 58),
    "hip_front": (62, 208, 38, 40),
    "thigh_front": (62, 248, 36, 72),
    "knee": (64, 320, 32, 30),
    "leg_front": (66, 350, 30, 58),
    "foot": (60, 408, 36, 28),
}
_BACK = {
    "neck": (72, 56, 28, 30),
    "shoulder": (36, 86, 36, 44),
    "upper_back": (72, 86, 28, 44),
    "mid_back": (72, 130, 28, 42),
    "lower_back": (72, 172, 28, 40),
    "buttock": (72, 212, 28, 48),
    "hip": (42, 196, 30, 64),
    "thigh": (62, 260, 36, 68),
    "calf": (64, 328, 32, 80),
    "heel": (60, 408, 36, 28),
}

# The silhouette under the regions: head, neck, torso, two arms and two legs,
# symmetric about x = 100.  Drawn once per view; the back view adds no face.
SILHOUETTE = (
    "M100 4 C84 4 72 16 72 31 C72 44 80 53 86 56 L86 62 C70 64 54 70 44 78 "
    "C34 86 30 96 30 110 L8 122 C4 160 4 240 6 286 C8 296 14 300 22 300 "
    "C30 300 36 294 36 286 L40 150 L62 140 L64 206 C58 220 58 236 60 250 "
    "L60 320 C60 336 62 344 64 352 L64 404 C56 410 56 436 70 438 L96 438 "
    "C100 436 100 420 98 408 L98 250 L100 246 L102 250 L102 408 C100 420 100 436 104 438 "
    "L130 438 C144 436 144 410 136 404 L136 352 C138 344 140 336 140 320 L140 250 "
    "C142 236 142 220 136 206 L138 140 L160 150 L164 286 C164 294 170 300 178 300 "
    "C186 300 192 296 194 286 C196 240 196 160 192 122 L170 110 C170 96 166 86 156 78 "
    "C146 70 130 64 114 62 L114 56 C120 53 128 44 128 31 C128 16 116 4 100 4 Z"
)


def _shape(region) -> Shape:
    table = _FRONT if region.view == "front" else _BACK
    if region.code in table:
        x, y, w, h = table[region.code]
        return Shape(region.code, region.label, region.view, x, y, w, h)
    base, side = region.code.rsplit("_", 1)
    x, y, w, h = table[base]
    # The table holds the viewer's left.  Back view: the patient's left is on the
    # viewer's left; front view: mirrored.
    on_viewer_left = (side == "l") == (region.view == "back")
    if not on_viewer_left:
        x = WIDTH - x - w
    return Shape(region.code, region.label, region.view, x, y, w, h)


SHAPES: tuple[Shape, ...] = tuple(_shape(r) for r in BODY_REGIONS)


def shapes(view: str) -> list[Shape]:
    return [s for s in SHAPES if s.view == view]


def intensity_class(rating: int | str | None) -> str:
    """A CSS class for a rating; the number is always printed beside it too.

    Form strings are accepted (a refused page is redrawn from what was typed); anything
    that is not a rating from 0 to 10 draws as unmarked.
    """
    if isinstance(rating, str):
        rating = int(rating) if rating.strip().isdigit() else None
    if rating is None or isinstance(rating, bool) or not 0 <= rating <= MAX_RATING:
        return "pain-none"
    if rating == 0:
        return "pain-0"
    if rating <= 3:
        return "pain-mild"
    if rating <= 6:
        return "pain-moderate"
    return "pain-severe"


FILLS = {
    "pain-none": "#e8eeec",
    "pain-0": "#e6f4ea",
    "pain-mild": "#ffe9a8",
    "pain-moderate": "#f6a04d",
    "pain-severe": "#c0392b",
}


def intensity_fill(rating: int | str | None) -> str:
    """Fill colour for a region; the rating is always written on it too (not colour alone)."""
    return FILLS[intensity_class(rating)]
