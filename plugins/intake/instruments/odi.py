"""Oswestry Disability Index v2.1a: definition only; the wording comes from a licensed pack."""

from __future__ import annotations

from .types import Band, InstrumentDefinition, Item, Option

SECTIONS = (
    "pain intensity",
    "personal care",
    "lifting",
    "walking",
    "sitting",
    "standing",
    "sleeping",
    "sex life (if applicable)",
    "social life",
    "travelling",
)

_OPTIONS = tuple(
    Option(
        n,
        {0: "Level 0 (least disability)", 5: "Level 5 (most disability)"}.get(n, f"Level {n}"),
        float(n),
    )
    for n in range(6)
)

DEFINITION = InstrumentDefinition(
    id="odi",
    version="2.1a",
    title="Oswestry Disability Index",
    short_title="ODI",
    kind="scored",
    items=tuple(
        Item(
            f"odi.{n}",
            f"ODI section {n}: {name}",
            "choice",
            _OPTIONS,
            # A section may be left out (sex life often is); the scoring rule decides when too
            # many are missing, so the form never forces an answer.
            required=False,
            page="Oswestry Disability Index",
        )
        for n, name in enumerate(SECTIONS, start=1)
    ),
    licence_note=(
        "ODI v2.1a wording is copyright of its authors and is distributed by Mapi Research "
        "Trust (ePROVIDE). Use is free for clinical practice by individual clinicians; fees may "
        "apply to healthcare organisations and commercial users. The project ships no ODI "
        "wording: the clinic loads its licensed text as a wording pack."
    ),
    requires_wording_pack=True,
    mcid_points=10.0,
    mcid_percent=30.0,
    mcid_note="Consensus (Ostelo 2008): 10 points or 30 % of baseline; a setting.",
    higher_is_worse=True,
    unit="%",
    score_label="Disability (%)",
    missing_rule=(
        "A skipped section lowers the maximum by 5. No score when more than 2 of the 10 "
        "sections are missing."
    ),
    scoring_rule=(
        "Each section scores 0-5. Score = sum / (5 x sections answered) x 100, rounded half-up "
        "to 1 decimal. If two statements are marked in one section the higher one counts."
    ),
    bands=(
        Band("minimal", 20.0),
        Band("moderate", 40.0),
        Band("severe", 60.0),
        Band("crippled", 80.0),
        Band("bed-bound", float("inf")),
    ),
    band_note=(
        "Developers' labels applied to the rounded score: up to 20.0 minimal, up to 40.0 "
        "moderate, up to 60.0 severe, up to 80.0 crippled, above 80.0 bed-bound "
        "(docs/clinical-rules.md)."
    ),
    double_mark_rule="higher",
    score_min=0,
    score_max=100,
)
