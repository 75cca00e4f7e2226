"""The rules issue #8 added: heat limits, clots and veins, escalations to an emergency and
the follow-up questions that keep long-standing symptoms from raising one."""

from __future__ import annotations

import pytest

from plugins.intake.instruments import get, validate
from plugins.intake.screening import Thresholds, evaluate
from plugins.intake.screening.common import LIMBS


def history(**answers):
    return validate("history", {f"history.{k}": v for k, v in answers.items()}, partial=True)


def by_code(findings):
    return {f.code: f for f in findings}


# --- heat (point 5) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "code"),
    [
        ({"blood_clot": True}, "blood_clot_heat"),
        ({"leg_swelling": True}, "suspected_dvt_heat"),
        ({"fever": True}, "fever_heat"),
        ({"cancer_history": True, "bone_cancer": True}, "bone_metastasis_heat"),
        ({"cancer_history": True, "cancer_treatment": True}, "cancer_treatment_heat"),
    ],
)
def test_clots_fever_bone_metastases_and_cancer_treatment_forbid_heat_everywhere(answers, code):
    finding = by_code(evaluate(history(**answers), age=35))[code]
    assert finding.kind == "heat"
    assert finding.regions == ()  # empty = anywhere


@pytest.mark.parametrize("name", ["diabetes", "numbness"])
def test_diabetes_or_neuropathy_asks_for_a_sensation_test_before_heat(name):
    finding = by_code(evaluate(history(**{name: True}), age=35))["sensation_test"]
    assert finding.kind == "heat_check"
    assert "sensation test" in finding.title.lower()
    assert "no heat" in finding.advice.lower()


def test_diabetes_and_neuropathy_together_make_one_sensation_test_finding():
    findings = evaluate(history(diabetes=True, numbness=True), age=35)
    assert [f.code for f in findings].count("sensation_test") == 1


# --- veins and clots (point 6) ----------------------------------------------------------------


def test_sore_vein_blocks_massage_of_the_whole_limb_and_refers():
    findings = by_code(evaluate(history(sore_vein=True, sore_vein_regions=["calf_l"]), age=35))
    local = findings["suspected_thrombophlebitis_local"]
    assert local.kind == "local"
    assert set(local.regions) == set(LIMBS["leg_l"])
    assert "thigh_front_l" in local.regions and "calf_r" not in local.regions
    assert "treat around" not in local.advice.lower()
    referral = findings["suspected_thrombophlebitis"]
    assert referral.kind == "red_flag" and not referral.emergency
    assert "physician" in referral.advice
    assert findings["suspected_thrombophlebitis_heat"].kind == "heat"


def test_sore_vein_without_a_marked_area_applies_to_the_whole_body():
    local = by_code(evaluate(history(sore_vein=True), age=35))["suspected_thrombophlebitis_local"]
    assert local.regions == ()


def test_varicose_veins_alone_are_not_a_suspected_clot():
    findings = by_code(evaluate(history(varicose_veins=True), age=35))
    assert "suspected_thrombophlebitis" not in findings
    assert findings["varicose_veins"].kind == "local"


def test_one_newly_swollen_leg_is_a_referral_and_a_block_until_cleared():
    findings = by_code(evaluate(history(leg_swelling=True, clot_risk=True), age=35))
    assert findings["suspected_dvt"].kind == "red_flag"
    assert "today" in findings["suspected_dvt"].advice
    assert "more likely" in findings["suspected_dvt"].advice
    assert findings["suspected_dvt_clearance"].kind == "absolute"
    assert findings["suspected_dvt"].item_ids == ("history.leg_swelling", "history.clot_risk")


def test_dvt_questions_are_asked_and_the_risk_question_only_after_a_yes():
    defn = get("history")
    assert defn.item("history.clot_risk").show_if == ("history.leg_swelling", (True,))
    label = defn.item("history.clot_risk").label.lower()
    assert "operation" in label and "travelled" in label and "bed" in label


# --- escalations (point 7) --------------------------------------------------------------------


@pytest.mark.parametrize(
    "sign", ["leg_weakness", "new_numbness", "bladder_change", "bowel_control"]
)
def test_cancer_history_with_new_nerve_or_bladder_signs_is_an_emergency(sign):
    findings = by_code(evaluate(history(cancer_history=True, **{sign: True}), age=35))
    finding = findings["cord_compression"]
    assert finding.emergency and finding.kind == "red_flag"
    assert "same-day" in finding.advice
    assert "history.cancer_history" in finding.item_ids
    assert findings  # the cancer red flag is still there too
    assert "cancer_signs" in findings


def test_new_weakness_without_cancer_is_not_a_cord_emergency():
    assert "cord_compression" not in by_code(evaluate(history(leg_weakness=True), age=35))


@pytest.mark.parametrize(("new_pain", "emergency"), [(True, True), (False, False), (None, True)])
def test_aneurysm_with_new_back_or_belly_pain_is_an_emergency(new_pain, emergency):
    answers = {"aneurysm": True}
    if new_pain is not None:
        answers["aneurysm_new_pain"] = new_pain
    findings = by_code(evaluate(history(**answers), age=35))
    assert ("aneurysm_pain" in findings) is emergency
    assert "aneurysm" in findings  # the local "no pressure over it" stays either way


def test_long_standing_symptoms_in_both_legs_do_not_cry_wolf():
    findings = by_code(evaluate(history(both_legs=True, both_legs_new=False), age=35))
    assert "cauda_equina" not in findings
    assert findings["both_legs_longstanding"].kind == "precaution"
    assert not any(f.emergency for f in findings.values())


def test_new_or_worsening_symptoms_in_both_legs_are_the_cauda_equina_emergency():
    finding = by_code(evaluate(history(both_legs=True, both_legs_new=True), age=35))["cauda_equina"]
    assert finding.emergency
    assert finding.item_ids == ("history.both_legs", "history.both_legs_new")


def test_both_legs_follow_up_must_be_answered_on_a_full_submission():
    from plugins.intake.instruments import ResponseError

    everything_no = {
        i.id: False for i in get("history").items if i.type == "boolean" and not i.show_if
    }
    with pytest.raises(ResponseError) as refused:
        validate("history", {**everything_no, "history.both_legs": True})
    assert "history.both_legs_new" in refused.value.errors


@pytest.mark.parametrize(
    ("name", "code"), [("thoracic_pain", "thoracic_pain"), ("spinal_procedure", "spinal_procedure")]
)
def test_thoracic_pain_and_recent_spinal_procedure_are_red_flags(name, code):
    finding = by_code(evaluate(history(**{name: True}), age=35))[code]
    assert finding.kind == "red_flag" and not finding.emergency


def test_surgery_weeks_are_limited_to_the_three_months_the_question_asks():
    from plugins.intake.instruments import ResponseError

    validate("history", {"history.recent_surgery": True, "history.surgery_weeks": 13}, partial=True)
    with pytest.raises(ResponseError) as refused:
        validate(
            "history", {"history.recent_surgery": True, "history.surgery_weeks": 30}, partial=True
        )
    assert "history.surgery_weeks" in refused.value.errors


def test_surgery_and_pregnancy_limits_are_thresholds():
    answers = history(recent_surgery=True, surgery_weeks=7, pregnant=True, pregnancy_weeks=16)
    default = by_code(evaluate(answers, age=35))
    assert "surgery_site" in default and "lie flat" not in default["pregnancy"].advice
    stricter = by_code(
        evaluate(
            answers,
            age=35,
            thresholds=Thresholds(surgery_clearance_weeks=8, pregnancy_supine_weeks=16),
        )
    )
    assert "recent_surgery" in stricter and "8 weeks" in stricter["recent_surgery"].advice
    assert "lie flat" in stricter["pregnancy"].advice
