"""The bundled coding data: this clinic's CPT codes and the NCCI procedure-to-procedure pairs.

Pure (no Flask).  ``data/cpt.json`` carries our own short descriptions (CPT descriptors
are the AMA's copyright) and whether each code is timed.  ``data/ncci_ptp.csv`` is shaped
like CMS's quarterly practitioner PTP table (same column order and headings), so a clinic
can drop in the current CMS file; rows with a deletion date in the past are ignored.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class CptCode:
    code: str
    short: str
    timed: bool


@dataclass(frozen=True)
class PtpEdit:
    """Column 1 pays; column 2 pays only with a bypass modifier when ``modifier`` is 1."""

    column1: str
    column2: str
    effective: dt.date
    deleted: dt.date | None
    modifier: int  # 0 = never bypass, 1 = bypass with 59/X{EPSU}, 9 = not applicable
    rationale: str

    def active_on(self, day: dt.date) -> bool:
        return self.effective <= day and (self.deleted is None or day <= self.deleted)


@cache
def cpt_codes() -> dict[str, CptCode]:
    raw = json.loads((DATA / "cpt.json").read_text(encoding="utf-8"))
    return {c["code"]: CptCode(c["code"], c["short"], bool(c["timed"])) for c in raw["codes"]}


def is_timed(code: str) -> bool:
    """Whether ``code`` is billed in 15-minute units; KeyError for a code we do not know."""
    return cpt_codes()[code].timed


def _date(text: str) -> dt.date | None:
    text = text.strip()
    if not text or text == "*":
        return None
    return dt.datetime.strptime(text, "%Y%m%d").date()


def parse_ptp(text: str) -> tuple[PtpEdit, ...]:
    """Read a PTP table in CMS's column order; the first row is the heading."""
    rows = list(csv.reader(text.splitlines()))
    edits = []
    for row in rows[1:]:
        if len(row) < 6 or not row[0].strip():
            continue
        effective = _date(row[3])
        edits.append(
            PtpEdit(
                column1=row[0].strip(),
                column2=row[1].strip(),
                effective=effective or dt.date.min,
                deleted=_date(row[4]),
                modifier=int(row[5].strip() or 9),
                rationale=row[6].strip() if len(row) > 6 else "",
            )
        )
    return tuple(edits)


@cache
def ptp_edits() -> tuple[PtpEdit, ...]:
    return parse_ptp((DATA / "ncci_ptp.csv").read_text(encoding="utf-8"))


def edits_between(codes, day: dt.date, edits=None) -> list[PtpEdit]:
    """The PTP edits in force on ``day`` whose two codes are both in ``codes``."""
    present = set(codes)
    return [
        e
        for e in (ptp_edits() if edits is None else edits)
        if e.column1 in present and e.column2 in present and e.active_on(day)
    ]


def npi_is_valid(npi: str) -> bool:
    """Ten digits whose last is the Luhn check digit over "80840" + the first nine.

    The 80840 prefix is the health-industry issuer number the NPI standard uses.
    """
    if len(npi) != 10 or not npi.isdigit():
        return False
    digits = [int(d) for d in "80840" + npi[:9]]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10 == int(npi[9])
