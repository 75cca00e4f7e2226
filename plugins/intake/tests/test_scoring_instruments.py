"""Scoring of the five bundled instruments against worked examples and band edges."""

from __future__ import annotations

import pytest

from plugins.intake.instruments import ResponseError, UnknownInstrument
from plugins.intake.scoring import ScoringError, change, mcid_reached, round_half_up, score


def odi(*values):
    """ODI answers for sections 1..n; None leaves a section out."""
    return {f"odi.{n}": v for n, v in enumerate(values, start=1) if v is not None}


def odi_summing_to(total, sections=10):
    """Section answers (0-5) over ``sections`` sections adding up to ``total``."""
    values = []
    for _ in range(sections):
        step = min(5, total)
        values.append(step)
        total -= step
    assert total == 0
    return values


def sbst(agree=(), item9=0):
    answers = {f"sbst.{n}": (1 if n in agree else 0) for n in range(1, 9)}
    answers["sbst.9"] = item9
    return answers


# --- ODI -----------------------------------------------------------------------------------


def test_odi_worked_example_16_of_50_is_32_percent():
    result = score("odi", odi(*odi_summing_to(16)))
    assert result.total == 32.0
    assert result.percent == 32.0
    assert result.raw == 16 and result.raw_max == 50
    assert result.band == "moderate"
    assert result.missing == ()


def test_odi_one_section_missing_16_of_45_rounds_half_up_to_35_6():
    values = odi_summing_to(16, sections=9)
    result = score("odi", odi(*values[:7], None, *values[7:]))
    # 16 / 45 = 35.555...; the printed 35.5 on scoring sheets is a truncation (domain C3).
    assert result.total == 35.6
    assert result.missing == ("odi.8",)
    assert result.raw_max == 45


def test_rounding_is_half_up_not_bankers_or_binary():
    assert round_half_up(35.55) == 35.6
    assert round_half_up(0.25) == 0.3
    assert round_half_up(2.45) == 2.5


@pytest.mark.parametrize(
    ("total", "sections", "expected_percent", "band"),
    [
        (0, 10, 0.0, "minimal"),
        (10, 10, 20.0, "minimal"),
        (11, 10, 22.0, "moderate"),
        (20, 10, 40.0, "moderate"),
        (21, 10, 42.0, "severe"),
        (30, 10, 60.0, "severe"),
        (40, 10, 80.0, "crippled"),
        (41, 10, 82.0, "bed-bound"),
        (50, 10, 100.0, "bed-bound"),
        # Fractional scores either side of the edges (9 sections answered, max 45):
        (9, 9, 20.0, "minimal"),  # 9/45 = 20.0 exactly
        (18, 9, 40.0, "moderate"),  # 18/45 = 40.0
        (27, 9, 60.0, "severe"),  # 27/45 = 60.0
        (36, 9, 80.0, "crippled"),  # 36/45 = 80.0
        (37, 9, 82.2, "bed-bound"),  # 82.22 -> 82.2
        (19, 9, 42.2, "severe"),  # 42.22
        # 8 sections (max 40): 8/40 = 20.0, 9/40 = 22.5
        (8, 8, 20.0, "minimal"),
        (9, 8, 22.5, "moderate"),
    ],
)
def test_odi_band_edges_apply_to_the_rounded_score(total, sections, expected_percent, band):
    values = odi_summing_to(total, sections)
    result = score("odi", odi(*values))
    assert result.total == expected_percent
    assert result.band == band


def test_odi_band_edge_20_point_0_versus_20_point_1():
    # 20.04 cannot arise from whole-number sections, so check the band function directly too.
    from plugins.intake.instruments import get

    defn = get("odi")
    assert defn.band_for(20.0) == "minimal"
    assert defn.band_for(20.1) == "moderate"
    assert defn.band_for(40.1) == "severe"
    assert defn.band_for(60.1) == "crippled"
    assert defn.band_for(80.1) == "bed-bound"


def test_odi_two_sections_missing_still_scores():
    result = score("odi", odi(5, 5, 5, 5, 5, 5, 5, 5, None, None))
    assert result.total == 100.0
    assert result.missing == ("odi.9", "odi.10")


def test_odi_three_sections_missing_has_no_score():
    with pytest.raises(ScoringError, match="3 sections are missing") as info:
        score("odi", odi(1, 1, 1, 1, 1, 1, 1, None, None, None))
    assert info.value.missing == ("odi.8", "odi.9", "odi.10")


def test_odi_empty_response_has_no_score():
    with pytest.raises(ScoringError):
        score("odi", {})


def test_odi_two_marks_in_one_section_keep_the_higher():
    answers = odi(*odi_summing_to(16))
    answers["odi.1"] = [answers["odi.1"], 0]  # 5 and 0 marked: 5 counts
    assert score("odi", answers).total == 32.0
    answers["odi.10"] = ["4", "1"]  # section 10 was 0; now 4 and 1 marked: 4 counts
    assert score("odi", answers).raw == 20


def test_odi_accepts_form_strings():
    result = score("odi", {f"odi.{n}": "2" for n in range(1, 11)})
    assert result.total == 40.0


# --- STarT Back ----------------------------------------------------------------------------


def test_sbst_all_disagree_is_low_risk():
    result = score("sbst", sbst())
    assert (result.total, result.subscales, result.band, result.risk) == (
        0,
        {"psychosocial": 0},
        "low",
        "low",
    )


def test_sbst_total_3_is_low_even_with_psychosocial_items():
    result = score("sbst", sbst(agree=(5, 6, 7)))
    assert result.total == 3 and result.subscales["psychosocial"] == 3
    assert result.risk == "low"


def test_sbst_total_4_with_psychosocial_3_is_medium():
    result = score("sbst", sbst(agree=(1, 5, 6, 7)))
    assert result.total == 4 and result.subscales["psychosocial"] == 3
    assert result.risk == "medium"


def test_sbst_psychosocial_4_is_high():
    result = score("sbst", sbst(agree=(5, 6, 7, 8)))
    assert result.total == 4 and result.subscales["psychosocial"] == 4
    assert result.band == "high" and result.risk == "high"


def test_sbst_physical_items_alone_never_reach_high():
    result = score("sbst", sbst(agree=(1, 2, 3, 4, 5, 6, 7), item9=2))
    assert result.total == 7 and result.subscales["psychosocial"] == 3
    assert result.risk == "medium"


@pytest.mark.parametrize(("item9", "points"), [(0, 0), (1, 0), (2, 0), (3, 1), (4, 1)])
def test_sbst_item_9_scores_only_very_much_and_extremely(item9, points):
    result = score("sbst", sbst(item9=item9))
    assert result.total == points
    assert result.subscales["psychosocial"] == points


def test_sbst_item_9_tips_medium_to_high():
    assert score("sbst", sbst(agree=(1, 5, 6, 7), item9=2)).risk == "medium"
    assert score("sbst", sbst(agree=(1, 5, 6, 7), item9=3)).risk == "high"


def test_sbst_uses_keele_order_items_1_to_4_are_not_psychosocial():
    result = score("sbst", sbst(agree=(1, 2, 3, 4)))
    assert result.total == 4 and result.subscales["psychosocial"] == 0
    assert result.risk == "medium"


def test_sbst_with_a_missing_item_has_no_score():
    answers = sbst()
    del answers["sbst.9"]
    with pytest.raises(ScoringError, match="sbst.9"):
        score("sbst", answers)


def test_sbst_item_1_refuses_the_item_9_scale():
    with pytest.raises(ResponseError) as info:
        score("sbst", {**sbst(), "sbst.1": 3})
    assert "sbst.1" in info.value.errors


# --- RMDQ ----------------------------------------------------------------------------------


def test_rmdq_counts_marked_statements():
    answers = {f"rmdq.{n}": 1 for n in (1, 4, 9, 17, 24)}
    answers.update({f"rmdq.{n}": 0 for n in (2, 3)})
    result = score("rmdq", answers)
    assert result.total == 5
    assert result.percent is None
    assert result.band is None


def test_rmdq_unanswered_statements_count_as_not_marked():
    result = score("rmdq", {"rmdq.3": 1})
    assert result.total == 1
    assert len(result.missing) == 23 and "rmdq.3" not in result.missing


def test_rmdq_range_is_0_to_24():
    assert score("rmdq", {"rmdq.1": 0}).total == 0
    assert score("rmdq", {f"rmdq.{n}": "1" for n in range(1, 25)}).total == 24


# --- PEG -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "mean", "band"),
    [
        ((0, 0, 0), 0.0, "mild"),
        ((4, 4, 3), 3.7, "mild"),  # 11/3 = 3.67
        ((4, 4, 4), 4.0, "moderate"),
        ((7, 7, 6), 6.7, "moderate"),  # 20/3 = 6.67
        ((7, 7, 7), 7.0, "severe"),
        ((10, 10, 10), 10.0, "severe"),
        ((1, 0, 0), 0.3, "mild"),  # 0.333
        ((2, 0, 0), 0.7, "mild"),  # 0.667 rounds up
        ((5, 5, 4), 4.7, "moderate"),
    ],
)
def test_peg_is_the_mean_to_one_decimal(values, mean, band):
    result = score("peg", dict(zip(("peg.1", "peg.2", "peg.3"), values, strict=True)))
    assert result.total == mean
    assert result.band == band
    assert result.percent is None


def test_peg_needs_all_three_items():
    with pytest.raises(ScoringError, match="peg.3"):
        score("peg", {"peg.1": 5, "peg.2": 5})


def test_peg_refuses_eleven():
    with pytest.raises(ResponseError, match="out of range"):
        score("peg", {"peg.1": 11, "peg.2": 5, "peg.3": 5})


# --- NPRS ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "band"),
    [
        (0, "none"),
        (1, "mild"),
        (3, "mild"),
        (4, "moderate"),
        (6, "moderate"),
        (7, "severe"),
        (10, "severe"),
    ],
)
def test_nprs_band_is_the_severity_of_pain_now(now, band):
    result = score("nprs", {"nprs.now": now})
    assert result.total == now
    assert result.band == band
    assert result.subscales == {}
    assert result.missing == ("nprs.best", "nprs.worst")


def test_nprs_reports_best_and_worst_as_subscales():
    result = score("nprs", {"nprs.now": "5", "nprs.best": "2", "nprs.worst": "8"})
    assert result.total == 5
    assert result.subscales == {"best": 2, "worst": 8}
    assert result.missing == ()


def test_nprs_without_pain_now_has_no_score():
    with pytest.raises(ScoringError, match="pain now"):
        score("nprs", {"nprs.best": 2, "nprs.worst": 8})


# --- errors and MCID -----------------------------------------------------------------------


def test_unknown_instrument_is_refused():
    with pytest.raises(UnknownInstrument, match="known instruments"):
        score("phq9", {})


def test_screens_and_consent_are_not_scored():
    with pytest.raises(ScoringError, match="not a scored instrument"):
        score("history", {})
    with pytest.raises(ScoringError, match="not a scored instrument"):
        score("consent", {})


def test_score_refuses_another_version():
    with pytest.raises(ResponseError, match="version 2.0"):
        score("odi", odi(*odi_summing_to(16)), version="2.0")


def test_errors_are_value_errors():
    assert issubclass(ScoringError, ValueError)
    assert issubclass(ResponseError, ValueError)
    assert issubclass(UnknownInstrument, ValueError)


@pytest.mark.parametrize(
    ("instrument", "baseline", "current", "reached"),
    [
        ("nprs", 6, 4, True),  # 2 points
        ("nprs", 6, 5, False),  # 1 point, 16.7 %
        ("nprs", 3, 2, True),  # 1 point but 33 % of baseline
        ("nprs", 10, 8.5, False),  # 1.5 points, 15 %
        ("odi", 40.0, 30.0, True),  # 10 points
        ("odi", 40.0, 30.1, False),  # 9.9 points, 24.75 %
        ("odi", 30.0, 21.0, True),  # 9 points = 30 % of 30 exactly
        ("odi", 30.0, 21.1, False),
        ("rmdq", 12, 7, True),
        ("rmdq", 12, 8, True),  # 4 points, but 4/12 = 33.3 % of baseline beats 30 %
        ("rmdq", 20, 16, False),  # 4 points, 20 %
        ("odi", 20.0, 40.0, False),  # got worse
        ("nprs", 0, 0, False),
    ],
)
def test_mcid_by_points_or_percent_of_baseline(instrument, baseline, current, reached):
    assert mcid_reached(instrument, baseline, current) is reached


def test_mcid_thresholds_can_be_overridden_by_settings():
    assert mcid_reached("odi", 40, 32, points=8) is True
    assert mcid_reached("odi", 40, 32, points=12, percent=50) is False


def test_mcid_needs_a_threshold():
    with pytest.raises(ScoringError):
        mcid_reached("sbst", 6, 2)
    assert mcid_reached("sbst", 6, 2, points=3) is True


def test_change_reports_points_and_percent():
    assert change("odi", 40.0, 30.0) == (10.0, 25.0)
    assert change("nprs", 0, 2) == (-2.0, None)


def test_rmdq_with_nothing_answered_is_not_scored():
    with pytest.raises(ScoringError, match="no statement was answered") as info:
        score("rmdq", {"rmdq.1": ""})
    assert len(info.value.missing) == 24


def test_odi_matches_an_exact_fraction_reference_on_random_responses():
    import random
    from fractions import Fraction

    rng = random.Random(20260301)
    for _ in range(500):
        answers = {f"odi.{n}": rng.randint(0, 5) for n in range(1, 11)}
        for dropped in rng.sample(range(1, 11), rng.randint(0, 2)):
            del answers[f"odi.{dropped}"]
        exact = Fraction(sum(answers.values()) * 100, 5 * len(answers))
        # Half-up to one decimal, done on the exact fraction.
        tenths = (exact * 10 * 2 + 1) // 2
        expected = float(Fraction(tenths, 10))
        result = score("odi", answers)
        assert result.total == expected, answers
        assert 0 <= result.total <= 100


def test_sbst_risk_matches_the_keele_rule_on_every_response():
    import itertools

    for agrees in itertools.product((0, 1), repeat=8):
        for item9 in range(5):
            answers = {f"sbst.{n}": v for n, v in enumerate(agrees, start=1)} | {"sbst.9": item9}
            total = sum(agrees) + (item9 >= 3)
            psychosocial = sum(agrees[4:]) + (item9 >= 3)
            expected = "low" if total <= 3 else ("high" if psychosocial >= 4 else "medium")
            result = score("sbst", answers)
            assert (result.total, result.subscales["psychosocial"], result.risk) == (
                total,
                psychosocial,
                expected,
            )


def test_reported_subscales_are_the_declared_ones():
    from plugins.intake.instruments import get

    nprs = score("nprs", {"nprs.now": 5, "nprs.best": 2, "nprs.worst": 8})
    assert set(nprs.subscales) == {s.id for s in get("nprs").subscales}
    sbst = score("sbst", {f"sbst.{n}": 0 for n in range(1, 10)})
    assert set(sbst.subscales) == {s.id for s in get("sbst").subscales}
