"""Patient search: one box that understands names, dates of birth and phone numbers.

Every word must match.  A word that is a date matches the date of birth; ``#94``
or a number of one or two digits is a chart number; a number of three or more
digits is a chart number, the start of a phone number or (from four digits) its
end, so "5551234" finds "(212) 555-1234"; any other word matches the start of the
first or last name.  Matching is case- and accent-insensitive and
uses only indexed prefix comparisons, so it stays fast on large clinics.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import Select, and_, func, or_, select

from clinic.patients.models import Patient, digits, fold

PAGE_SIZE = 25
_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m-%d-%Y", "%m.%d.%Y")


@dataclass(frozen=True)
class SearchPage:
    patients: list[Patient]
    total: int
    page: int
    pages: int


def parse_date(word: str) -> dt.date | None:
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(word, fmt).date()
        except ValueError:
            continue
    return None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _prefix(column, text: str):
    return column.like(_escape_like(text) + "%", escape="\\")


_PHONE_LIKE = re.compile(r"^\+?[\d\s().-]+$")
_CHART_NUMBER = re.compile(r"^#\s*(\d{1,9})$")
_MIN_SUFFIX = 4  # "the last four digits" is how callers often give a number


def build_query(query: str, include_archived: bool = False) -> Select | None:
    query = query.strip()
    # A phone number is often typed with spaces: "(555) 300 12" is one phone term.
    if _PHONE_LIKE.match(query) and len(digits(query)) >= 3 and parse_date(query) is None:
        words = [query]
    else:
        words = [w for w in re.split(r"[\s,]+", query) if w]
    if not words:
        return None
    conditions = []
    for word in words[:6]:
        day = parse_date(word)
        if day is not None:
            conditions.append(Patient.date_of_birth == day)
            continue
        chart = _CHART_NUMBER.match(word)
        if chart or (word.isdigit() and len(word) <= 2):
            conditions.append(Patient.id == int(chart.group(1) if chart else word))
            continue
        number = digits(word)
        if len(number) >= 3 and _PHONE_LIKE.match(word):
            # US numbers are often typed with a leading country code.
            if len(number) == 11 and number.startswith("1"):
                number = number[1:]
            # Each alternative is an indexed lookup (primary key or a prefix on an
            # index), so the OR stays a bitmap of index scans, never a table scan.
            either = [_prefix(Patient.phone_digits, number)]
            if len(number) >= _MIN_SUFFIX:
                either.append(_prefix(Patient.phone_digits_reversed, number[::-1]))
            if word.isdigit() and len(number) <= 9:
                either.append(Patient.id == int(number))
            conditions.append(or_(*either))
            continue
        folded = fold(word)[:80]
        conditions.append(
            or_(
                _prefix(Patient.last_name_folded, folded),
                _prefix(Patient.first_name_folded, folded),
            )
        )
    stmt = select(Patient).where(and_(*conditions))
    if not include_archived:
        stmt = stmt.where(Patient.archived_at.is_(None))
    return stmt


def search(session, query: str, page: int = 1, include_archived: bool = False) -> SearchPage:
    stmt = build_query(query, include_archived)
    if stmt is None:
        return SearchPage([], 0, 1, 0)
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = session.scalars(
        stmt.order_by(Patient.last_name_folded, Patient.first_name_folded, Patient.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return SearchPage(list(rows), total, page, pages)


def likely_duplicates(
    session,
    first_name: str,
    last_name: str,
    date_of_birth: dt.date | None,
    phone: str,
    exclude_id: int | None = None,
) -> list[Patient]:
    """Patients with the same name and date of birth, or the same phone number."""
    clauses = []
    if date_of_birth:
        clauses.append(
            and_(
                Patient.first_name_folded == fold(first_name),
                Patient.last_name_folded == fold(last_name),
                Patient.date_of_birth == date_of_birth,
            )
        )
    number = digits(phone)
    if len(number) >= 7:
        clauses.append(Patient.phone_digits == number)
    if not clauses:
        return []
    stmt = select(Patient).where(or_(*clauses)).order_by(Patient.id).limit(10)
    if exclude_id is not None:
        stmt = stmt.where(Patient.id != exclude_id)
    return list(session.scalars(stmt))
