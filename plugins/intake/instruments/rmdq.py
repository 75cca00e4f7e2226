"""Roland-Morris Disability Questionnaire (24 items): definition only; wording from a pack."""

from __future__ import annotations

from .types import InstrumentDefinition, Item, Option

# Our own short construct labels, one per statement, in the published order.
CONSTRUCTS = (
    "staying at home",
    "changing position often",
    "walking more slowly",
    "not doing usual jobs at home",
    "using a handrail on stairs",
    "lying down to rest more often",
    "holding on to get out of a chair",
    "asking others to do things",
    "dressing more slowly",
    "standing only for short periods",
    "avoiding bending or kneeling",
    "difficulty getting up from a chair",
    "pain almost all the time",
    "difficulty turning over in bed",
    "appetite affected",
    "difficulty putting on socks or stockings",
    "walking only short distances",
    "sleeping less well",
    "getting dressed with help",
    "sitting down for most of the day",
    "avoiding heavy jobs",
    "more irritable with people",
    "going upstairs more slowly",
    "staying in bed most of the time",
)

_OPTIONS = (
    Option(1, "Marked: applies to me today", 1.0),
    Option(0, "Not marked", 0.0),
)

DEFINITION = InstrumentDefinition(
    id="rmdq",
    version="24",
    title="Roland-Morris Disability Questionnaire",
    short_title="RMDQ",
    kind="scored",
    items=tuple(
        Item(
            f"rmdq.{n}",
            f"RMDQ statement {n}: {construct}",
            "choice",
            _OPTIONS,
            required=False,
            page="Roland-Morris Disability Questionnaire",
        )
        for n, construct in enumerate(CONSTRUCTS, start=1)
    ),
    licence_note=(
        "RMDQ wording is copyright of its authors; it is free for clinicians through the RMDQ "
        "website, and terms for software redistribution are unconfirmed. The project ships no "
        "RMDQ wording: the clinic loads it as a wording pack."
    ),
    requires_wording_pack=True,
    tick_boxes=True,
    mcid_points=5.0,
    mcid_percent=30.0,
    mcid_note="Consensus (Ostelo 2008): 5 points or 30 % of baseline; a setting.",
    higher_is_worse=True,
    unit="",
    score_label="Statements marked (0-24)",
    missing_rule=(
        "The patient ticks the statements that apply today; an unticked statement counts as "
        "not marked (0). A form with nothing ticked is refused unless the patient ticks "
        "'none of these apply to me today'."
    ),
    scoring_rule="Score = number of statements marked, 0-24. Higher means more disability.",
    bands=(),
    band_note=(
        "No interpretation bands: the published instrument defines none, so the project shows "
        "the raw score and change only (band is None)."
    ),
    score_min=0,
    score_max=24,
)
