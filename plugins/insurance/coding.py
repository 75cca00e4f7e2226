"""From a visit's signed services to proposed CPT lines.  Pure (no Flask, no database).

A visit is everything signed for one patient on one day: the CMS 8-minute rule counts
the day's total timed minutes, so services are grouped by date whatever note or entry
they came from (one ``BillableService`` per entry or one per modality gives the same
lines).  Steps, each a rule the README states:

1. map each service key to a CPT code (the clinic's table over ``DEFAULT_MAPPING``);
   a key with no mapping is listed in ``unmapped`` for the biller, never dropped; a key
   mapped to ``""`` is deliberately not billed;
2. add the minutes per code and turn them into units (``units.allocate``) with the
   payer's unit rule;
3. modifiers: GP on every line when the visit is under a therapy plan of care; for an
   NCCI pair in force that allows a bypass, the clinic's distinct-service modifier (59
   by default) on the column 2 code; a pair that allows none makes column 2 bundled;
4. 97010 is bundled (kept on the claim at no charge) for a payer that does not pay it;
5. diagnosis pointers: letters A–L for the plan's ICD-10 codes (item 21), at most four
   per line (item 24E);
6. charges: the payer's fee per unit, else the self-pay hourly rate for 15 minutes a
   unit — exact ``Decimal`` arithmetic, rounded half-up to the cent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from plugins.insurance.catalog import cpt_codes, edits_between
from plugins.insurance.units import UNIT_MINUTES, allocate

DEFAULT_MAPPING = {
    "treatment.nmt": "97140",
    "treatment.prt": "97140",
    "treatment.hot_pack": "97010",
}
POINTER_LETTERS = "ABCDEFGHIJKL"
MAX_POINTERS = 4
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Service:
    """What the coding needs from one ``BillableService``."""

    service: str
    description: str
    minutes: int
    timed: bool
    source_id: str
    provider_id: int | None = None


@dataclass
class Line:
    code: str
    description: str
    minutes: int
    units: int
    modifiers: list[str] = field(default_factory=list)
    pointers: str = ""
    charge: Decimal = Decimal("0.00")
    bundled: bool = False
    note: str = ""


@dataclass
class Proposal:
    service_date: dt.date
    lines: list[Line]
    unmapped: list[Service]
    not_billed: list[Service]
    ties: list[str]
    timed_minutes: int
    unit_rule: str
    source_ids: list[str]
    provider_id: int | None

    @property
    def billable_lines(self) -> list[Line]:
        return [line for line in self.lines if line.units > 0]

    @property
    def total_charge(self) -> Decimal:
        return sum((line.charge for line in self.lines), Decimal("0.00"))


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def pointer_letters(diagnoses: list[str]) -> str:
    return POINTER_LETTERS[: min(len(diagnoses), len(POINTER_LETTERS), MAX_POINTERS)]


def propose(
    service_date: dt.date,
    services: Iterable[Service],
    *,
    mapping: dict[str, str],
    unit_rule: str = "cms",
    pays_97010: bool = True,
    fee_for: Callable[[str], Decimal | None] = lambda code: None,
    self_pay_hourly: Decimal = Decimal("60.00"),
    plan_of_care: bool = False,
    diagnoses: list[str] | None = None,
    bypass_modifier: str = "59",
    choose: str | None = None,
) -> Proposal:
    """Proposed lines for one visit.  ``choose`` names the tied code that gets the unit."""
    services = list(services)
    known = cpt_codes()
    minutes: dict[str, int] = {}
    unmapped: list[Service] = []
    not_billed: list[Service] = []
    for svc in services:
        code = mapping.get(svc.service, DEFAULT_MAPPING.get(svc.service))
        if code is None or (code and code not in known):
            unmapped.append(svc)
        elif code == "":
            not_billed.append(svc)
        else:
            minutes[code] = minutes.get(code, 0) + max(svc.minutes or 0, 0)
    result = allocate(minutes, rule=unit_rule)
    units = dict(result.units)
    if choose and result.ties and choose in result.ties:
        first = next(code for code in minutes if code in result.ties)
        if choose != first:
            units[first] -= 1
            units[choose] += 1
    pointers = pointer_letters(diagnoses or [])
    lines = [
        Line(
            code=code,
            description=known[code].short,
            minutes=minutes[code],
            units=units[code],
            modifiers=["GP"] if plan_of_care else [],
            pointers=pointers,
        )
        for code in minutes
    ]
    by_code = {line.code: line for line in lines}
    for edit in edits_between([c for c in minutes if units[c] > 0], service_date):
        second = by_code[edit.column2]
        if edit.modifier == 1:
            if bypass_modifier not in second.modifiers:
                second.modifiers.append(bypass_modifier)
            second.note = (
                f"NCCI pair with {edit.column1}: {bypass_modifier} only if done in a "
                "separate time block; document it."
            )
        else:
            second.bundled = True
            second.note = f"NCCI pair with {edit.column1}: not billed separately."
    per_unit_self_pay = money(Decimal(self_pay_hourly) * UNIT_MINUTES / 60)
    for line in lines:
        if line.code == "97010" and not pays_97010:
            line.bundled = True
            line.note = "Bundled: this payer does not pay 97010 separately; listed at no charge."
        if line.units == 0:
            line.note = line.note or "Under the minutes needed for a unit: not billed."
        if line.bundled or line.units == 0:
            line.charge = Decimal("0.00")
            continue
        fee = fee_for(line.code)
        line.charge = money((fee if fee is not None else per_unit_self_pay) * line.units)
    provider = next((s.provider_id for s in services if s.provider_id), None)
    return Proposal(
        service_date=service_date,
        lines=lines,
        unmapped=unmapped,
        not_billed=not_billed,
        ties=list(result.ties),
        timed_minutes=result.timed_minutes,
        unit_rule=unit_rule,
        source_ids=sorted({s.source_id for s in services}),
        provider_id=provider,
    )
