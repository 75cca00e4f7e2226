"""The vocabulary every questionnaire definition is written in.

A definition is data, not code: item ids, our own construct labels, answer options with their
scores, skip logic, bands, MCID and the rules in words.  The arithmetic that turns answers into a
score lives in :mod:`plugins.intake.scoring`; validation lives in
:mod:`plugins.intake.instruments.engine`.  Nothing here imports Flask.
"""

from __future__ import annotations

from dataclasses import dataclass

ITEM_TYPES = frozenset({"choice", "integer", "boolean", "text", "date", "signature", "multichoice"})
KINDS = frozenset({"scored", "screen", "consent"})


class UnknownInstrument(ValueError):
    """Raised when an instrument id is not one of the bundled definitions."""


@dataclass(frozen=True)
class Option:
    """One answer option.  ``value`` is what is stored; ``score`` what it adds to a total."""

    value: int | str
    label: str
    score: float | None = None


@dataclass(frozen=True)
class Item:
    id: str
    # Our construct label for licensed instruments ("ODI section 1: pain intensity"); for the
    # instruments the project wrote, the full question text shown to the patient.
    label: str
    type: str
    options: tuple[Option, ...] = ()
    required: bool = True
    min: int | None = None
    max: int | None = None
    max_length: int | None = None
    # Skip logic: (item_id, allowed values).  The item is asked only when that item is itself
    # shown and its answer is one of the values (for a multichoice answer: any chosen value).
    show_if: tuple[str, tuple] | None = None
    page: str = ""
    help: str = ""
    # A boolean item that must be answered "yes" (the consent box).
    must_be_true: bool = False

    def option(self, value: int | str) -> Option | None:
        for opt in self.options:
            if opt.value == value:
                return opt
        return None

    @property
    def option_values(self) -> tuple[int | str, ...]:
        return tuple(o.value for o in self.options)


@dataclass(frozen=True)
class Band:
    """An interpretation band; ``upper`` is inclusive, the last band may use ``float("inf")``."""

    label: str
    upper: float


@dataclass(frozen=True)
class Subscale:
    id: str
    label: str
    item_ids: tuple[str, ...]


@dataclass(frozen=True)
class InstrumentDefinition:
    id: str
    version: str
    title: str
    short_title: str
    kind: str
    items: tuple[Item, ...]
    licence_note: str
    requires_wording_pack: bool
    mcid_points: float | None = None
    mcid_percent: float | None = None
    higher_is_worse: bool = True
    unit: str = ""
    score_label: str = ""
    missing_rule: str = ""
    bands: tuple[Band, ...] = ()
    # Added beyond the first published interface (additive only):
    scoring_rule: str = ""  # the scoring rule in words, shown beside the score
    subscales: tuple[Subscale, ...] = ()
    band_note: str = ""  # where the bands come from; says so when they are a project choice
    mcid_note: str = ""
    # "higher": a choice item may carry two marks and the higher one counts (ODI rule).
    double_mark_rule: str = ""
    score_min: float | None = None
    score_max: float | None = None
    description: str = ""  # text shown above the items (the consent wording, for example)
    # True: each statement is one tick box (ticked = the first option, unticked = the
    # second); a page with nothing ticked must say "none of these apply" (RMDQ).
    tick_boxes: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.id}: unknown kind {self.kind!r}")
        seen: set[str] = set()
        for item in self.items:
            if item.type not in ITEM_TYPES:
                raise ValueError(f"{item.id}: unknown item type {item.type!r}")
            if item.id in seen:
                raise ValueError(f"{self.id}: duplicate item id {item.id!r}")
            if not item.id.startswith(self.id + "."):
                raise ValueError(f"{item.id}: item ids must start with {self.id + '.'!r}")
            if item.show_if is not None and item.show_if[0] not in seen:
                # Skip logic may only look back, so one pass in item order decides visibility.
                raise ValueError(f"{item.id}: show_if must refer to an earlier item")
            seen.add(item.id)

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(f"{self.id} has no item {item_id!r}")

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.items)

    def pages(self) -> list[tuple[str, list[Item]]]:
        """Items grouped by ``page`` title, pages in the order they first appear."""
        order: list[str] = []
        groups: dict[str, list[Item]] = {}
        for item in self.items:
            if item.page not in groups:
                order.append(item.page)
                groups[item.page] = []
            groups[item.page].append(item)
        return [(title, groups[title]) for title in order]

    def band_for(self, value: float | None) -> str | None:
        if value is None:
            return None
        for band in self.bands:
            if value <= band.upper:
                return band.label
        return None
