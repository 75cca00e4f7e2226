"""The bundled ICD-10-CM back, neck and hip pain codes, searchable by code or words.

Shared by every plugin through ``clinic.api.icd10`` (treatment plans and insurance
coding read the same file).

The data file holds official code titles (public, from the CMS ICD-10-CM tabular
list) for the diagnoses a back-pain massage clinic plans for.  Codes that are only
category headers since a fiscal-year update (e.g. M54.5 since 1 October 2021, domain
section 6.4) are listed with ``billable: false`` so a search still finds them and the
plan form can say why they are refused.  Replace the file when CMS publishes a new
fiscal year (effective 1 October).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "icd10cm_back_pain.json"
_CODE_RE = re.compile(r"^[A-TV-Z][0-9]([0-9A-Z](\.?[0-9A-Z]{0,4})?)?$", re.IGNORECASE)


@dataclass(frozen=True)
class Diagnosis:
    """One code.  ``hint`` says when the code is right to use (e.g. M54.51 needs
    imaging-confirmed endplate changes); ``unusual_for_massage`` says why a payer is
    unlikely to accept it on a massage claim (e.g. the M99.0- segmental codes of
    chiropractic and osteopathic manipulation).  Both are optional fields of the data
    file, written by the project, and shown wherever the code is chosen."""

    code: str
    title: str
    billable: bool
    hint: str = ""
    unusual_for_massage: str = ""

    @property
    def display(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def notes(self) -> tuple[str, ...]:
        """The coding notes to show beside the code (empty for most codes)."""
        return tuple(n for n in (self.hint, self.unusual_for_massage) if n)


def _compact(code: str) -> str:
    return code.replace(".", "").strip().upper()


@cache
def load() -> tuple[Diagnosis, ...]:
    """Every bundled code, in code order."""
    rows = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    out = []
    for row in rows:
        out.append(
            Diagnosis(
                str(row["code"]),
                str(row["title"]),
                bool(row["billable"]),
                hint=str(row.get("hint", "")),
                unusual_for_massage=str(row.get("unusual_for_massage", "")),
            )
        )
    compacts = [_compact(d.code) for d in out]
    if len(set(compacts)) != len(compacts):
        raise ValueError(f"{DATA_FILE.name} lists a code twice")
    return tuple(sorted(out, key=lambda d: _compact(d.code)))


@cache
def _by_compact() -> dict[str, Diagnosis]:
    return {_compact(d.code): d for d in load()}


def lookup(code: str) -> Diagnosis | None:
    """The diagnosis for ``code`` (any case, with or without the dot), or None."""
    if not isinstance(code, str):
        return None
    return _by_compact().get(_compact(code))


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _looks_like_code(token: str) -> bool:
    # A lone letter is the start of a code being typed, not a useful title word.
    if len(token) == 1 and token.isalpha():
        return True
    return bool(_CODE_RE.match(token)) and any(ch.isdigit() for ch in token)


def search(query: str, limit: int = 20) -> list[Diagnosis]:
    """Codes matching every term of ``query``.

    A term shaped like a code ("m54", "M54.5", "m545", or a lone letter) matches codes
    starting with it, dot or not; any other term must begin a word of the title ("sciat" finds
    "sciatica").  An exact code comes first, then code order.  Empty query: no results.
    """
    terms = (query or "").split()
    if not terms or limit <= 0:
        return []
    code_terms = [_compact(t) for t in terms if _looks_like_code(t)]
    word_terms = [w for t in terms if not _looks_like_code(t) for w in _words(t)]
    if not code_terms and not word_terms:
        return []
    hits: list[Diagnosis] = []
    for diagnosis in load():
        compact = _compact(diagnosis.code)
        if not all(compact.startswith(term) for term in code_terms):
            continue
        title_words = _words(diagnosis.title)
        if not all(any(w.startswith(term) for w in title_words) for term in word_terms):
            continue
        hits.append(diagnosis)
    exact = set(code_terms)
    hits.sort(key=lambda d: (_compact(d.code) not in exact, _compact(d.code)))
    return hits[:limit]


def validate_codes(codes: Iterable[str]) -> list[Diagnosis]:
    """The diagnoses for ``codes`` (duplicates dropped, order kept).

    :raises ValueError: naming every unknown code and every code that is not billable
        (a category header such as M54.5, which needs a more specific code).
    """
    found: list[Diagnosis] = []
    unknown: list[str] = []
    not_billable: list[Diagnosis] = []
    for code in codes:
        text = str(code).strip()
        if not text:
            continue
        diagnosis = lookup(text)
        if diagnosis is None:
            unknown.append(text)
        elif not diagnosis.billable:
            not_billable.append(diagnosis)
        elif diagnosis not in found:
            found.append(diagnosis)
    problems: list[str] = []
    if unknown:
        problems.append("Unknown diagnosis code(s): " + ", ".join(unknown) + ".")
    for diagnosis in not_billable:
        more = [d.code for d in load() if d.billable and d.code.startswith(diagnosis.code)]
        hint = f" Use a more specific code ({', '.join(more)})." if more else ""
        problems.append(f"{diagnosis.code} ({diagnosis.title}) is not a billable code.{hint}")
    if problems:
        raise ValueError(" ".join(problems))
    return found
