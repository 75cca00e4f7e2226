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


# Simple rectangles on a 120 x 300 outline per view; left/right are the patient's own
# sides, so on the front view the patient's left is on the viewer's right.
_FRONT = {
    "head": (45, 5, 30, 30),
    "neck_front": (50, 35, 10, 12),
    "shoulder_front": (24, 48, 18, 14),
    "chest": (43, 50, 17, 30),
    "arm_front": (12, 64, 14, 70),
    "abdomen": (43, 82, 17, 40),
    "hip_front": (38, 124, 22, 20),
    "thigh_front": (38, 146, 21, 52),
    "knee": (40, 200, 18, 16),
    "leg_front": (41, 218, 16, 52),
    "foot": (40, 272, 18, 16),
}
_BACK = {
    "neck": (50, 34, 10, 14),
    "shoulder": (22, 50, 18, 14),
    "upper_back": (42, 50, 18, 16),
    "mid_back": (42, 68, 18, 24),
    "lower_back": (42, 94, 18, 26),
    "buttock": (40, 122, 20, 22),
    "hip": (24, 118, 14, 26),
    "thigh": (38, 146, 21, 56),
    "calf": (41, 206, 16, 62),
    "heel": (40, 272, 18, 16),
}


def _shape(region) -> Shape:
    table = _FRONT if region.view == "front" else _BACK
    if region.code in table:
        x, y, w, h = table[region.code]
        return Shape(region.code, region.label, region.view, x, y, w, h)
    base, side = region.code.rsplit("_", 1)
    x, y, w, h = table[base]
    # Back view: the patient's left is on the viewer's left; front view: mirrored.
    on_viewer_left = (side == "l") == (region.view == "back")
    if not on_viewer_left:
        x = 120 - x - w
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
    "pain-none": "#f4f6f5",
    "pain-0": "#e6f4ea",
    "pain-mild": "#ffe9a8",
    "pain-moderate": "#f6a04d",
    "pain-severe": "#c0392b",
}


def intensity_fill(rating: int | str | None) -> str:
    """Fill colour for a region; the rating is always written on it too (not colour alone)."""
    return FILLS[intensity_class(rating)]
