"""Billing units from minutes: the CMS 8-minute rule and the per-code midpoint rule.

Pure (no Flask).  The public contract::

    allocate(minutes_by_code, rule="cms") -> Allocation

``minutes_by_code`` maps CPT codes (from ``data/cpt.json``) to whole minutes of direct
one-on-one time; its order matters only to break ties.  The result's ``units`` maps
every code given to its units, and ``ties`` lists the codes between which the
clinician must choose (empty when none).  On a tie ``units`` gives the unit to the
first tied code in input order, so a caller can always bill it as proposed.

Rules (written down in ``plugins/insurance/README.md``, "Units"; project decision 8):

* ``"cms"`` (default): the total of all *timed* minutes sets the number of timed units —
  0 below 8 minutes, then one unit per 15 minutes counting from the 8th
  (8–22 → 1, 23–37 → 2, 38–52 → 3 …), i.e. ``(total + 7) // 15``.  Each timed code first
  gets one unit per full 15 minutes; the units left over go one each to the codes with
  the most leftover minutes (minutes mod 15).  Codes whose leftover minutes equal those
  of the last code served, where not all of them could be served, are a tie.
* ``"midpoint"``: some commercial payers apply CPT's per-code rule instead: each timed
  code on its own gets ``(minutes + 7) // 15`` units (a unit once past its midpoint).
* Untimed codes (e.g. 97010 hot pack, the evaluations) are one unit each, whatever the
  minutes, and their minutes never count toward the timed total.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from plugins.insurance.catalog import cpt_codes

RULES = ("cms", "midpoint")
UNIT_MINUTES = 15
MIN_MINUTES = 8  # below this, no timed unit at all (the "8-minute" in the rule's name)


class UnitsError(ValueError):
    """The minutes cannot be turned into units (unknown code, bad minutes, unknown rule)."""


@dataclass(frozen=True)
class Allocation:
    units: dict[str, int]
    ties: list[str] = field(default_factory=list)
    rule: str = "cms"
    timed_minutes: int = 0

    @property
    def total_units(self) -> int:
        return sum(self.units.values())


def units_for_minutes(minutes: int) -> int:
    """Units that ``minutes`` of timed service allow: the CMS table (and the per-code rule)."""
    if minutes < MIN_MINUTES:
        return 0
    return (minutes + MIN_MINUTES - 1) // UNIT_MINUTES


def _checked(minutes_by_code: Mapping[str, int]) -> dict[str, int]:
    if not isinstance(minutes_by_code, Mapping):
        raise UnitsError("minutes_by_code must map CPT codes to minutes")
    known = cpt_codes()
    checked: dict[str, int] = {}
    for code, minutes in minutes_by_code.items():
        if code not in known:
            raise UnitsError(f"unknown CPT code {code!r}")
        if isinstance(minutes, bool) or not isinstance(minutes, int):
            raise UnitsError(f"minutes for {code} must be a whole number")
        if minutes < 0:
            raise UnitsError(f"minutes for {code} cannot be negative")
        checked[code] = minutes
    return checked


def allocate(minutes_by_code: Mapping[str, int], rule: str = "cms") -> Allocation:
    if rule not in RULES:
        raise UnitsError(f"unknown unit rule {rule!r} (use one of {', '.join(RULES)})")
    minutes = _checked(minutes_by_code)
    known = cpt_codes()
    timed = [code for code in minutes if known[code].timed]
    units = {code: (0 if code in timed else 1) for code in minutes}
    total = sum(minutes[code] for code in timed)
    if rule == "midpoint":
        for code in timed:
            units[code] = units_for_minutes(minutes[code])
        return Allocation(units, [], rule, total)

    for code in timed:
        units[code] = minutes[code] // UNIT_MINUTES
    remaining = units_for_minutes(total) - sum(units[code] for code in timed)
    # Most leftover minutes first; among equals, input order (sorted() is stable).
    by_leftover = sorted(timed, key=lambda code: -(minutes[code] % UNIT_MINUTES))
    served, unserved = by_leftover[:remaining], by_leftover[remaining:]
    for code in served:
        units[code] += 1
    ties: list[str] = []
    if served and unserved:
        cut = minutes[served[-1]] % UNIT_MINUTES
        level = [code for code in by_leftover if minutes[code] % UNIT_MINUTES == cut]
        if any(code in unserved for code in level):
            ties = level
    return Allocation(units, ties, rule, total)
