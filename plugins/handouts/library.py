"""The bundled handouts (``library/<language>/<slug>.md``) and their first versions.

A bundled file starts with ``tags: ...`` (modality keys whose sessions preselect it,
``*`` for every session), a blank line, then ``# Title`` and the Markdown body.  The
files are version 1; a clinic's edits are later versions in the database, so updating
the files never overwrites what a clinic wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from clinic.api import db
from plugins.handouts.markdown import split_title
from plugins.handouts.models import Handout, HandoutVersion

LIBRARY = Path(__file__).parent / "library"
LANGUAGES = {"en": "English", "es": "Español"}
# Order in which bundled handouts are offered and printed.
ORDER = (
    "after-nmt",
    "after-prt",
    "heat-at-home",
    "staying-active",
    "what-to-expect",
    "when-to-call",
    "finding-a-therapist",
)


@dataclass(frozen=True)
class Bundled:
    slug: str
    language: str
    title: str
    body: str
    tags: tuple[str, ...]


@lru_cache(maxsize=1)
def bundled() -> tuple[Bundled, ...]:
    """The bundled files, read once per process (they ship with the code)."""
    items = []
    for language in LANGUAGES:
        for slug in ORDER:
            text = (LIBRARY / language / f"{slug}.md").read_text(encoding="utf-8")
            head, _, rest = text.partition("\n")
            tags = tuple(t.strip() for t in head.removeprefix("tags:").split(",") if t.strip())
            title, body = split_title(rest)
            items.append(Bundled(slug, language, title, body.strip() + "\n", tags))
    return tuple(items)


def ensure_library() -> None:
    """Insert any bundled handout the database does not have yet (idempotent)."""
    have = {
        (r.slug, r.language) for r in db.session.execute(select(Handout.slug, Handout.language))
    }
    missing = [b for b in bundled() if (b.slug, b.language) not in have]
    if not missing:
        return
    try:
        for b in missing:
            handout = Handout(slug=b.slug, language=b.language, bundled=True)
            db.session.add(handout)
            db.session.flush()
            db.session.add(
                HandoutVersion(
                    handout_id=handout.id, number=1, title=b.title, body=b.body, tags=list(b.tags)
                )
            )
        db.session.commit()
    except IntegrityError:
        # Another worker seeded the same rows first; theirs are identical.
        db.session.rollback()


def language_for(preferred: str) -> str:
    """The handout language for a patient's free-text preferred language."""
    text = (preferred or "").strip().lower()
    return "es" if text.startswith(("es", "span")) else "en"


def sort_key(handout: Handout) -> tuple[int, str]:
    return (ORDER.index(handout.slug) if handout.slug in ORDER else len(ORDER), handout.slug)
