"""PEG three-item pain scale: definition only; wording from a pack."""

from __future__ import annotations

from .types import Band, InstrumentDefinition, Item, Option

CONSTRUCTS = (
    ("peg.1", "PEG item 1: average pain in the past week", "no pain", "worst imaginable"),
    ("peg.2", "PEG item 2: pain interfering with enjoyment of life", "none", "complete"),
    ("peg.3", "PEG item 3: pain interfering with general activity", "none", "complete"),
)


def _scale(low: str, high: str) -> tuple[Option, ...]:
    labels = {0: f"0 ({low})", 10: f"10 ({high})"}
    return tuple(Option(n, labels.get(n, str(n)), float(n)) for n in range(11))


DEFINITION = InstrumentDefinition(
    id="peg",
    version="1.0",
    title="PEG pain intensity and interference scale",
    short_title="PEG",
    kind="scored",
    items=tuple(
        Item(item_id, label, "choice", _scale(low, high), page="PEG")
        for item_id, label, low, high in CONSTRUCTS
    ),
    licence_note=(
        "PEG is derived from the Brief Pain Inventory, whose copyright holder claims its "
        "derivatives; the licence terms are unconfirmed. The project ships no PEG wording: "
        "the clinic loads it as a wording pack after confirming its licence."
    ),
    requires_wording_pack=True,
    higher_is_worse=True,
    score_label="Mean score (0-10)",
    missing_rule="All 3 items must be answered; no score otherwise.",
    scoring_rule="Score = mean of the 3 items, rounded half-up to 1 decimal.",
    bands=(Band("mild", 3.9), Band("moderate", 6.9), Band("severe", 10)),
    band_note=(
        "PROJECT CHOICE, UNVERIFIED: no official PEG bands were traced to the source paper; "
        "the project uses 0-3.9 mild, 4-6.9 moderate, 7-10 severe."
    ),
    mcid_note="No MCID default: none verified for PEG.",
    score_min=0,
    score_max=10,
)
