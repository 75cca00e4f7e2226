"""Patient search: one box that understands names, dates of birth and phone numbers.

Every word must match.  A word that is a date matches the date of birth; ``#94``
or a number of one or two digits is a chart number; a number of three or more
digits is a chart number, the start of a phone number or (from four digits) its
end, so "5551234" finds "(212) 555-1234"; any other word matches the start of the
first or last name.  Matching is case- and accent-insensitive and
uses only indexed prefix comparisons, so it stays fast on large clinics.

Order: patients whose last name starts with the first name word come first (by last
name, first name, chart number), then other ways of reading the words (the words as
first name then last name, or a first name alone).  Each of these is one index read
in order and cut after the page, so no search sorts or counts every match.
"""

from __future__ import annotations

import collections
import datetime as dt
import itertools
import re
from dataclasses import dataclass

from sqlalchemy import and_, literal, or_, select, union_all

from clinic.patients.models import Patient, digits, fold

PAGE_SIZE = 25
# Past this many matches a page says "more than 100" instead of counting them all: a
# count of every "a" among 100,000 patients costs more than the page itself.
COUNT_LIMIT = 100
_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m-%d-%Y", "%m.%d.%Y")
_MAX_WORDS = 6


@dataclass(frozen=True)
class SearchPage:
    patients: list[Patient]
    total: int  # exact, or COUNT_LIMIT when ``more``
    page: int
    pages: int  # 0 while the total is not known (``more``)
    more: bool = False  # more than ``total`` patients match
    has_next: bool = False

    @property
    def has_previous(self) -> bool:
        return self.page > 1


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


def _starts_with(column, text: str):
    """``column`` starts with ``text``, as a range on the column's index.

    Both engines compare these columns code point by code point (SQLite's BINARY,
    PostgreSQL's collation "C"), so the strings that start with "chen" are exactly
    those from "chen" up to, not including, "cheo".
    """
    last = ord(text[-1])
    if last >= 0x10FFFF:
        return column >= text
    return and_(column >= text, column < text[:-1] + chr(last + 1))


_PHONE_LIKE = re.compile(r"^\+?[\d\s().-]+$")
_CHART_NUMBER = re.compile(r"^#\s*(\d{1,9})$")
_MIN_SUFFIX = 4  # "the last four digits" is how callers often give a number


@dataclass(frozen=True)
class _Arm:
    """One way the typed words can match: a prefix of the last name and/or of the
    first name, plus the conditions every way shares.  Each arm is read in the order
    of one index, so a page needs only its first rows."""

    last: str | None
    first: str | None


def _words(query: str) -> list[str]:
    # A phone number is often typed with spaces: "(555) 300 12" is one phone term.
    if _PHONE_LIKE.match(query) and len(digits(query)) >= 3 and parse_date(query) is None:
        return [query]
    return [w for w in re.split(r"[\s,]+", query) if w][:_MAX_WORDS]


def _other_condition(word: str):
    """The condition for a date, chart number or phone word; None for a name word."""
    day = parse_date(word)
    if day is not None:
        return Patient.date_of_birth == day
    chart = _CHART_NUMBER.match(word)
    if chart or (word.isdigit() and len(word) <= 2):
        return Patient.id == int(chart.group(1) if chart else word)
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
        return or_(*either)
    return None


def _longest_chain(prefixes: tuple[str, ...]) -> str | None | bool:
    """The one prefix that implies all of ``prefixes`` (None for none), or False when
    no name can start with all of them ("chen" and "li")."""
    if not prefixes:
        return None
    longest = max(prefixes, key=len)
    return longest if all(longest.startswith(p) for p in prefixes) else False


def _arms(names: list[str]) -> list[_Arm]:
    """Every way of giving each name word to the last or the first name, most likely
    first: "garcia rosa" is last name Garcia, first name Rosa, then the other way round;
    "chen" is last name Chen, then first name Chen."""
    arms: list[_Arm] = []
    for sides in itertools.product((0, 1), repeat=len(names)):
        last = _longest_chain(tuple(w for w, side in zip(names, sides, strict=True) if side == 0))
        first = _longest_chain(tuple(w for w, side in zip(names, sides, strict=True) if side == 1))
        if last is not False and first is not False and _Arm(last, first) not in arms:
            arms.append(_Arm(last, first))
    return arms


def _plan(query: str) -> tuple[list, list[_Arm]] | None:
    """(conditions every match meets, arms), or None when nothing can match."""
    words = _words(query.strip())
    if not words:
        return None
    conditions, names = [], []
    for word in words:
        condition = _other_condition(word)
        if condition is not None:
            conditions.append(condition)
        elif folded := fold(word)[:80]:
            names.append(folded)
    arms = _arms(names) if names else [_Arm(None, None)]
    if not arms or not (conditions or names):
        return None
    return conditions, arms


def _arm_select(arm: _Arm, conditions: list, include_archived: bool, rank: int, limit: int):
    where = list(conditions)
    if arm.last is not None:
        where.append(_starts_with(Patient.last_name_folded, arm.last))
    if arm.first is not None:
        where.append(_starts_with(Patient.first_name_folded, arm.first))
    if not include_archived:
        where.append(Patient.archived_at.is_(None))
    # Read in the order of the index that holds the arm's range, so the database
    # stops after ``limit`` rows instead of sorting every match.
    if arm.last is not None:
        keys = (Patient.last_name_folded, Patient.first_name_folded)
    elif arm.first is not None:
        keys = (Patient.first_name_folded, Patient.last_name_folded)
    else:
        # A date, phone or chart number finds few patients through its own index; sort
        # those.  (Sorting by the bare columns would tempt the database to walk the whole
        # name index in order and test every patient's phone.)
        keys = (Patient.last_name_folded.concat(""), Patient.first_name_folded.concat(""))
    stmt = (
        select(
            literal(rank).label("arm"),
            keys[0].label("key1"),
            keys[1].label("key2"),
            Patient.id.label("id"),
        )
        .where(*where)
        .order_by(*keys, Patient.id)
        .limit(limit)
    )
    return select(stmt.subquery())


def build_query(query: str, include_archived: bool = False, limit: int = COUNT_LIMIT + 1):
    """One statement giving ``(arm, key1, key2, id)`` rows: each arm's first ``limit``
    matches, arm by arm in display order (a patient may appear in several arms)."""
    plan = _plan(query)
    if plan is None:
        return None
    conditions, arms = plan
    parts = [_arm_select(arm, conditions, include_archived, n, limit) for n, arm in enumerate(arms)]
    merged = (parts[0] if len(parts) == 1 else union_all(*parts)).subquery()
    return select(merged).order_by(merged.c.arm, merged.c.key1, merged.c.key2, merged.c.id)


def search(session, query: str, page: int = 1, include_archived: bool = False) -> SearchPage:
    """A page of matches in two statements, however many patients match.

    The total is counted exactly up to COUNT_LIMIT; beyond that the page says "more"
    and offers the next page as long as there is one.
    """
    page = max(1, page)
    limit = max(COUNT_LIMIT, page * PAGE_SIZE) + 1
    stmt = build_query(query, include_archived, limit)
    if stmt is None:
        return SearchPage([], 0, 1, 0)
    rows = session.execute(stmt).all()
    per_arm = collections.Counter(row.arm for row in rows)
    complete = all(n < limit for n in per_arm.values())
    ids = list(dict.fromkeys(row.id for row in rows))  # first arm wins, order kept
    if complete and len(ids) <= COUNT_LIMIT:
        total, more = len(ids), False
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(page, pages)
    else:
        total, more, pages = COUNT_LIMIT, True, 0
        if complete:  # a page past the end of a long list: show its last page
            page = min(page, -(-len(ids) // PAGE_SIZE))
    wanted = ids[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    found = {p.id: p for p in session.scalars(select(Patient).where(Patient.id.in_(wanted)))}
    return SearchPage(
        [found[i] for i in wanted if i in found],
        total,
        page,
        pages,
        more=more,
        has_next=len(ids) > page * PAGE_SIZE,
    )


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
