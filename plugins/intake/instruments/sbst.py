"""Keele STarT Back Screening Tool (9 items): definition only; wording from a pack.

Item order follows the Keele form (docs/clinical-rules.md, "Questionnaire scoring"): the
psychosocial subscale is items 5-9.
"""

from __future__ import annotations

from .types import InstrumentDefinition, Item, Option, Subscale

CONSTRUCTS = (
    "leg pain in the last 2 weeks",
    "shoulder or neck pain in the last 2 weeks",
    "walked only short distances",
    "dressed more slowly",
    "not safe to be physically active",
    "worrying thoughts",
    "pain feels terrible and will never get better",
    "not enjoyed usual things",
    "overall bothersomeness",
)

_AGREE = (Option(0, "Disagree", 0.0), Option(1, "Agree", 1.0))
# Item 9 has five options; only the top two count towards the score.
_BOTHER = (
    Option(0, "Not at all", 0.0),
    Option(1, "Slightly", 0.0),
    Option(2, "Moderately", 0.0),
    Option(3, "Very much", 1.0),
    Option(4, "Extremely", 1.0),
)

PSYCHOSOCIAL = tuple(f"sbst.{n}" for n in range(5, 10))

DEFINITION = InstrumentDefinition(
    id="sbst",
    version="keele-9",
    title="Keele STarT Back Screening Tool",
    short_title="STarT Back",
    kind="scored",
    items=tuple(
        Item(
            f"sbst.{n}",
            f"STarT Back item {n}: {construct}",
            "choice",
            _BOTHER if n == 9 else _AGREE,
            page="STarT Back",
        )
        for n, construct in enumerate(CONSTRUCTS, start=1)
    ),
    licence_note=(
        "STarT Back is copyright Keele University. Non-commercial use needs no licence; Keele "
        "asks to be contacted before it is put in commercial products and does not endorse "
        "modified versions. The project ships no STarT Back wording: the clinic loads it as a "
        "wording pack and keeps Keele's copyright statement."
    ),
    requires_wording_pack=True,
    higher_is_worse=True,
    score_label="Total (0-9)",
    missing_rule="All 9 items must be answered; there is no score with any item missing.",
    scoring_rule=(
        "Items 1-8 score 1 for agree. Item 9 scores 1 for 'very much' or 'extremely'. Total = "
        "sum of 9 (0-9); psychosocial subscale = items 5-9 (0-5). Risk: total 3 or less is "
        "low; otherwise psychosocial 4 or more is high, else medium."
    ),
    subscales=(Subscale("psychosocial", "Psychosocial subscale (items 5-9)", PSYCHOSOCIAL),),
    # The total alone cannot tell medium from high risk, so there are no total-only bands; the
    # scorer applies the rule in scoring_rule and reports the group as band and risk.
    bands=(),
    band_note="Keele risk groups: low, medium, high (see scoring rule).",
    score_min=0,
    score_max=9,
)
