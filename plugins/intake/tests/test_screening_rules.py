"""Each health-history rule fires on its answer, says why, and advises a clinician."""

from __future__ import annotations

import datetime as dt

import pytest

from clinic.api import REGIONS_BY_CODE
from plugins.intake.instruments import ResponseError, get, validate
from plugins.intake.screening import KINDS, Finding, age_in_years, evaluate


def history(**answers):
    """Validated history answers from keyword shorthands (history.<name>=value)."""
    return validate("history", {f"history.{k}": v for k, v in answers.items()}, partial=True)


def codes(findings):
    return [f.code for f in findings]


def by_code(findings, code) -> Finding:
    matches = [f for f in findings if f.code == code]
    assert len(matches) == 1, codes(findings)
    return matches[0]


def test_no_answers_and_a_mid_age_give_no_findings():
    assert evaluate({}, age=35) == []
    assert evaluate(history(fever="no", pregnant="no"), age=35) == []


# --- red flags -----------------------------------------------------------------------------

CAUDA_EQUINA = [
    "saddle_numbness",
    "wiping_feeling",
    "bladder_change",
    "bowel_control",
    "genital_sensation",
    "both_legs",
]


@pytest.mark.parametrize("name", CAUDA_EQUINA)
def test_each_cauda_equina_sign_is_an_emergency(name):
    findings = evaluate(history(**{name: "yes"}), age=35)
    finding = by_code(findings, "cauda_equina")
    assert finding.kind == "red_flag"
    assert finding.emergency is True
    assert "same-day" in finding.advice and "emergency department" in finding.advice
    assert finding.item_ids == (f"history.{name}",)
    assert get("history").item(f"history.{name}").label in finding.message
    assert findings[0] is finding  # emergencies come first


def test_several_cauda_equina_signs_make_one_alert_naming_each_answer():
    findings = evaluate(history(bladder_change=True, saddle_numbness=True), age=35)
    finding = by_code(findings, "cauda_equina")
    assert finding.item_ids == ("history.saddle_numbness", "history.bladder_change")


def test_only_the_three_escalations_are_emergencies():
    everything = {i.id: True for i in get("history").items if i.type == "boolean"}
    answers = validate("history", everything, partial=True)
    findings = evaluate(answers, age=70)
    assert {f.code for f in findings if f.emergency} == {
        "cauda_equina",
        "cord_compression",
        "aneurysm_pain",
    }
    assert all(f.kind in KINDS for f in findings)
    assert all(f.message and f.advice and f.title for f in findings)


def test_worsening_leg_weakness_is_a_red_flag_not_an_emergency():
    finding = by_code(evaluate(history(leg_weakness=True), age=35), "neuro_deficit")
    assert finding.kind == "red_flag" and not finding.emergency


@pytest.mark.parametrize("name", ["cancer_history", "weight_loss", "night_pain", "not_improving"])
def test_cancer_signs(name):
    finding = by_code(evaluate(history(**{name: True}), age=35), "cancer_signs")
    assert finding.kind == "red_flag"
    assert finding.item_ids == (f"history.{name}",)
    assert "physician" in finding.advice
    assert "cancer" not in finding.advice.lower()  # advice routes to a doctor, no diagnosis


@pytest.mark.parametrize("name", ["fever", "recent_infection", "injected_drugs", "weak_immune"])
def test_infection_signs(name):
    finding = by_code(evaluate(history(**{name: True}), age=35), "infection_signs")
    assert finding.kind == "red_flag" and f"history.{name}" in finding.item_ids


def test_long_term_steroids_count_as_an_infection_sign():
    answers = history(medications=["steroid"], steroid_duration="3_months_or_more")
    finding = by_code(evaluate(answers, age=35), "infection_signs")
    assert finding.item_ids == ("history.steroid_duration",)
    short = history(medications=["steroid"], steroid_duration="under_3_months")
    assert "infection_signs" not in codes(evaluate(short, age=35))


def test_major_trauma_is_a_fracture_red_flag():
    finding = by_code(evaluate(history(major_trauma=True), age=30), "fracture_signs")
    assert finding.kind == "red_flag" and finding.item_ids == ("history.major_trauma",)


def test_minor_trauma_alone_in_a_young_patient_is_not_a_fracture_flag():
    assert "fracture_signs" not in codes(evaluate(history(minor_trauma=True), age=30))


@pytest.mark.parametrize(
    ("answers", "age", "extra_id"),
    [
        ({"minor_trauma": True, "osteoporosis": True}, 30, "history.osteoporosis"),
        (
            {
                "minor_trauma": True,
                "medications": ["steroid"],
                "steroid_duration": "3_months_or_more",
            },
            30,
            "history.steroid_duration",
        ),
        ({"minor_trauma": True}, 51, None),
    ],
)
def test_minor_trauma_with_fragile_bones_is_a_fracture_flag(answers, age, extra_id):
    finding = by_code(evaluate(history(**answers), age=age), "fracture_signs")
    assert finding.item_ids[0] == "history.minor_trauma"
    if extra_id:
        assert extra_id in finding.item_ids
    else:
        assert f"aged {age}" in finding.message


@pytest.mark.parametrize(
    ("age", "flagged"),
    [(None, False), (19, True), (20, False), (35, False), (50, False), (51, True), (90, True)],
)
def test_age_red_flag_defaults_under_20_or_over_50(age, flagged):
    assert ("age" in codes(evaluate({}, age=age))) is flagged


@pytest.mark.parametrize(("age", "flagged"), [(17, True), (18, False), (65, False), (66, True)])
def test_age_thresholds_are_parameters(age, flagged):
    findings = evaluate({}, age=age, red_flag_age_under=18, red_flag_age_over=65)
    assert ("age" in codes(findings)) is flagged


def test_age_finding_says_which_threshold():
    finding = by_code(evaluate({}, age=19), "age")
    assert "under 20" in finding.title and "19" in finding.message


# --- absolute contraindications -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("fever", "fever"),
        ("blood_clot", "blood_clot"),
        ("contagious_illness", "contagious"),
        ("high_blood_pressure", "uncontrolled_bp"),
    ],
)
def test_absolute_contraindications(name, code):
    finding = by_code(evaluate(history(**{name: True}), age=35), code)
    assert finding.kind == "absolute"
    assert finding.advice.startswith("No massage")
    assert finding.item_ids == (f"history.{name}",)


# --- local and heat ------------------------------------------------------------------------


def test_reduced_sensation_over_the_lower_back_means_no_heat_there():
    answers = history(numbness=True, numbness_regions=["lower_back_l", "lower_back_r"])
    finding = by_code(evaluate(answers, age=35), "reduced_sensation_heat")
    assert finding.kind == "heat"
    assert finding.regions == ("lower_back_l", "lower_back_r")
    assert finding.advice == "No heat over the lower back (both sides): reduced sensation."
    assert finding.item_ids == ("history.numbness", "history.numbness_regions")


def test_one_sided_region_is_named_with_its_side():
    answers = history(poor_circulation=True, poor_circulation_regions=["calf_l"])
    finding = by_code(evaluate(answers, age=35), "poor_circulation_heat")
    assert finding.advice == "No heat over the calf, left: poor circulation."


def test_heat_finding_without_marked_regions_still_warns():
    finding = by_code(evaluate(history(numbness=True), age=35), "reduced_sensation_heat")
    assert finding.regions == ()
    assert "did not mark where" in finding.advice


@pytest.mark.parametrize(
    ("name", "local", "heat"),
    [
        ("numbness", None, "reduced_sensation_heat"),
        ("poor_circulation", None, "poor_circulation_heat"),
        ("inflammation", "acute_inflammation", "acute_inflammation_heat"),
        ("skin_problem", "skin_problem", "skin_problem_heat"),
        ("lump", "lump_or_tumour", "lump_or_tumour_heat"),
        ("radiation", "radiation_area", "radiation_area_heat"),
        ("healing_fracture", "healing_fracture", None),
        ("varicose_veins", "varicose_veins", "varicose_veins_heat"),
    ],
)
def test_area_problems_raise_local_and_heat_findings_with_regions(name, local, heat):
    answers = history(**{name: True, f"{name}_regions": ["thigh_r"]})
    findings = evaluate(answers, age=35)
    expected = {c for c in (local, heat) if c}
    if name == "numbness":  # nerve damage also asks for a sensation test before heat
        expected.add("sensation_test")
    assert set(codes(findings)) == expected
    for f in findings:
        if f.code == "sensation_test":
            continue
        assert f.regions == ("thigh_r",)
        assert f.kind == ("local" if f.code == local else "heat")
        assert "thigh" in f.message.lower()


def test_lump_advice_never_presses_on_it():
    finding = by_code(evaluate(history(lump=True), age=35), "lump_or_tumour")
    assert "Never press" in finding.advice


def test_all_region_options_are_core_anatomy_codes():
    item = get("history").item("history.numbness_regions")
    assert set(item.option_values) == set(REGIONS_BY_CODE)


# --- surgery -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weeks", "code", "kind"),
    [
        (0, "recent_surgery", "local"),
        (5, "recent_surgery", "local"),
        (6, "surgery_site", "pressure"),
        (12, "surgery_site", "pressure"),
        (None, "recent_surgery", "local"),
    ],
)
def test_recent_surgery_avoids_the_site_for_six_weeks(weeks, code, kind):
    raw = {"recent_surgery": True, "recent_surgery_regions": ["abdomen_l"]}
    if weeks is not None:
        raw["surgery_weeks"] = weeks
    finding = by_code(evaluate(history(**raw), age=35), code)
    assert finding.kind == kind
    assert finding.regions == ("abdomen_l",)
    assert "history.recent_surgery" in finding.item_ids


def test_surgery_details_are_quoted():
    answers = history(recent_surgery=True, surgery_weeks=2, surgery_details="knee repair")
    assert "knee repair" in by_code(evaluate(answers, age=35), "recent_surgery").message


# --- medicines and pressure ---------------------------------------------------------------


def test_anticoagulant_means_no_deep_pressure():
    finding = by_code(evaluate(history(medications=["anticoagulant"]), age=35), "anticoagulant")
    assert finding.kind == "pressure"
    assert finding.advice.startswith("No deep or forceful pressure: anticoagulant")
    assert finding.item_ids == ("history.medications",)


def test_firm_pressure_preference_is_mentioned_beside_a_pressure_limit():
    answers = history(medications=["anticoagulant"], pressure_preference="firm")
    assert "prefers firm" in by_code(evaluate(answers, age=35), "anticoagulant").message
    answers = history(medications=["anticoagulant"], pressure_preference="light")
    assert "prefers" not in by_code(evaluate(answers, age=35), "anticoagulant").message


def test_pressure_preference_alone_is_not_a_finding():
    assert evaluate(history(pressure_preference="firm"), age=35) == []


@pytest.mark.parametrize(
    ("answers", "code", "kind"),
    [
        ({"bleeding_disorder": True}, "bleeding_risk", "pressure"),
        ({"osteoporosis": True}, "osteoporosis", "pressure"),
        (
            {"medications": ["steroid"], "steroid_duration": "3_months_or_more"},
            "long_term_steroids",
            "pressure",
        ),
        ({"cancer_history": True, "bone_cancer": True}, "bone_metastasis", "pressure"),
        ({"cancer_history": True, "cancer_treatment": True}, "cancer_treatment", "relative"),
        ({"medications": ["painkiller"]}, "pain_feedback", "relative"),
        ({"medications": ["muscle_relaxant"]}, "pain_feedback", "relative"),
        ({"heart_condition": True}, "heart_condition", "relative"),
        ({"diabetes": True}, "diabetes", "relative"),
        ({"fragile_skin": True}, "fragile_skin", "relative"),
    ],
)
def test_relative_and_pressure_rules(answers, code, kind):
    assert by_code(evaluate(history(**answers), age=35), code).kind == kind


def test_other_medicines_alone_raise_nothing():
    assert evaluate(history(medications=["other"], medication_list="vitamin D"), age=35) == []


# --- pregnancy -----------------------------------------------------------------------------


def test_pregnancy_is_a_precaution_needing_clearance_not_a_block():
    findings = evaluate(history(pregnant=True, pregnancy_weeks=12), age=30)
    finding = by_code(findings, "pregnancy")
    assert finding.kind == "precaution"
    assert "not a block" in finding.advice
    assert "lie flat" not in finding.advice  # 12 weeks: lying on the back is still fine
    assert all(f.kind not in ("absolute", "red_flag") for f in findings)


def test_later_pregnancy_avoids_lying_flat():
    finding = by_code(evaluate(history(pregnant=True, pregnancy_weeks=24), age=30), "pregnancy")
    assert "lie flat" in finding.advice


def test_pregnancy_means_no_heat_over_the_abdomen():
    finding = by_code(evaluate(history(pregnant=True), age=30), "pregnancy_heat")
    assert finding.kind == "heat" and finding.regions == ("abdomen_l", "abdomen_r")
    assert finding.advice == "No heat over the abdomen: pregnancy."


def test_pregnancy_with_complications_needs_written_clearance():
    answers = history(pregnant=True, pregnancy_complications=True)
    findings = evaluate(answers, age=30)
    finding = by_code(findings, "pregnancy_high_risk")
    assert finding.kind == "precaution" and "written clearance" in finding.advice
    assert "pregnancy" not in codes(findings)


# --- allergies -----------------------------------------------------------------------------


def test_oil_allergy_names_the_allergen():
    finding = by_code(
        evaluate(history(oil_allergy=True, oil_allergy_details="almond oil"), age=35),
        "product_allergy",
    )
    assert finding.kind == "precaution" and "almond oil" in finding.message
    assert finding.item_ids == ("history.oil_allergy", "history.oil_allergy_details")


def test_findings_are_sorted_emergency_first_then_by_kind():
    answers = history(oil_allergy=True, fever=True, both_legs=True, numbness=True)
    findings = evaluate(answers, age=35)
    assert findings[0].code == "cauda_equina"
    kinds = [KINDS.index(f.kind) for f in findings[1:]]
    assert kinds == sorted(kinds)


def test_aneurysm_means_no_pressure_over_it():
    answers = history(aneurysm=True, aneurysm_regions=["abdomen_l"])
    finding = by_code(evaluate(answers, age=60), "aneurysm")
    assert finding.kind == "local" and finding.regions == ("abdomen_l",)
    assert "No pressure over the aneurysm" in finding.advice


def test_comfort_request_is_passed_to_the_therapist():
    finding = by_code(
        evaluate(history(comfort_notes="No work on my feet"), age=35), "comfort_request"
    )
    assert finding.kind == "precaution" and "No work on my feet" in finding.message


# --- robustness ----------------------------------------------------------------------------


def test_raw_form_answers_are_validated_so_a_string_yes_still_fires():
    findings = evaluate({"history.bowel_control": "yes"}, age=35)
    assert by_code(findings, "cauda_equina").emergency


def test_invalid_answers_are_refused_not_ignored():
    with pytest.raises(ResponseError):
        evaluate({"history.bowel_control": "perhaps"}, age=35)
    with pytest.raises(ResponseError):
        evaluate({"odi.1": 3}, age=35)


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (dt.date(1976, 3, 2), dt.date(2026, 3, 1), 49),
        (dt.date(1976, 3, 2), dt.date(2026, 3, 2), 50),
        (dt.date(2004, 2, 29), dt.date(2026, 2, 28), 21),
        (dt.date(2004, 2, 29), dt.date(2026, 3, 1), 22),
    ],
)
def test_age_in_years(born, on, age):
    assert age_in_years(born, on) == age
