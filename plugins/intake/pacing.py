"""How a questionnaire's pages are paced for the patient: easy questions first, the
sensitive ones later, each sensitive page opened by a sentence saying why it is asked.

Presentation only: item ids, the questions and the screening rules stay in the
instrument definitions.  Pages are matched by title; a page this table does not name
keeps its place after the named ones, so a new page is never lost.  Pure: no Flask.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

# "Your health" stays after "Warning signs": two of its questions follow up an answer
# given there (a cancer history).
PAGE_ORDER: dict[str, tuple[str, ...]] = {
    "history": (
        "Allergies and preferences",
        "Medicines",
        "Areas of your body",
        "Operations and pregnancy",
        "Warning signs",
        "Your health",
    ),
}

PAGE_INTROS: dict[tuple[str, str], str] = {
    ("history", "Warning signs"): (
        "The next questions are about rare but serious problems that can come with back "
        "pain. We ask everyone, so that anyone who needs a doctor first is seen by one. "
        "Most people answer “No” to all of them. If you answer “Yes”, your therapist will "
        "talk with you about it before any treatment."
    ),
    ("history", "Your health"): (
        "These questions are about your general health. Some conditions change what "
        "treatment is safe for you, so please answer as fully as you can. Your answers "
        "are private and only your therapist sees them."
    ),
    ("history", "Operations and pregnancy"): (
        "Recent operations and pregnancy change which positions and how much pressure are "
        "safe, so we ask about them here. Your answers are private."
    ),
}


def ordered_pages(step: str, pages: Sequence[tuple[str, T]]) -> list[tuple[str, T]]:
    """``pages`` (title, content) in the paced order for ``step``."""
    order = PAGE_ORDER.get(step)
    if not order:
        return list(pages)
    rank = {title: n for n, title in enumerate(order)}
    return sorted(pages, key=lambda page: rank.get(page[0], len(order)))


def page_intro(step: str, title: str) -> str:
    return PAGE_INTROS.get((step, title), "")
