"""NMT, PRT and hot-pack entries: what is refused, what warns, at the edges."""

from __future__ import annotations

import pytest

from plugins.treatment.domain import vocab
from plugins.treatment.domain.builtin import BUILTIN, HOT_PACK, NMT, PRT, SETTINGS_DEFAULTS
from plugins.treatment.domain.modalities import EntryError, validate_entry

NMT_OK = {
    "muscle": "quadratus_lumborum",
    "side": "left",
    "regions": "lower_back_l",
    "trigger_point": "active",
    "referral_seen": "on",
    "pressure": "7",
    "hold_seconds": "60",
    "twitch_response": "",
    "tenderness_before": "7",
    "tenderness_after": "3",
    "minutes": "15",
}
PRT_OK = {
    "tender_point": "pl5",
    "side": "right",
    "regions": "buttock_r",
    "tenderness_scale": "rating",
    "tenderness_before": "8",
    "flexion_extension": "extension",
    "side_bending": "right",
    "rotation": "none",
    "hold_seconds": "90",
    "percent_reduction": "80",
    "tenderness_after": "2",
    "minutes": "10",
}
HOT_OK = {
    "region": "lower_back_l",
    "tank_temp_c": "72",
    "towel_layers": "7",
    "minutes": "15",
    "skin_checks": "5: even pink\n10: even pink\n15: even redness",
    "skin_response": "normal_redness",
    "screen_confirmed": "on",
}


def refused(spec, raw, **kw) -> dict[str, str]:
    with pytest.raises(EntryError) as info:
        validate_entry(spec, raw, **kw)
    return info.value.errors


def warnings(spec, raw, **kw) -> tuple[str, ...]:
    return validate_entry(spec, raw, **kw).warnings


def test_settings_defaults_follow_the_domain_brief():
    assert SETTINGS_DEFAULTS == {
        "hot_pack_tank_temp_min": 70,
        "hot_pack_tank_temp_max": 75,
        "hot_pack_towel_layers_min": 6,
        "hot_pack_towel_layers_max": 8,
        "hot_pack_minutes_min": 15,
        "hot_pack_minutes_max": 20,
        "hot_pack_tank_temp_default": 72,
        "hot_pack_towel_layers_default": 7,
        "hot_pack_minutes_default": 15,
        "hot_pack_first_skin_check_minute": 5,
        "hot_pack_skin_check_every": 5,
        "prt_hold_seconds_default": 90,
        "prt_target_reduction_percent": 70,
        "override_reason_min_chars": 10,
        "unsigned_note_hours": 24,
        "reeval_every_visits": 10,
        "plan_end_warning_days": 7,
    }


def test_every_setting_a_field_names_has_a_default():
    for spec in BUILTIN:
        for field in (*spec.fields, *spec.plan_fields):
            for key in (field.setting_key, field.warn_min_setting, field.warn_max_setting):
                assert key is None or key in SETTINGS_DEFAULTS, (spec.key, field.name, key)


def test_builtin_keys_services_and_timing():
    assert [(m.key, m.service_key, m.timed, m.applies_heat) for m in BUILTIN] == [
        ("nmt", "treatment.nmt", True, False),
        ("prt", "treatment.prt", True, False),
        ("hot_pack", "treatment.hot_pack", False, True),
    ]


def test_vocabularies_have_unique_codes_and_labels():
    for choices in (vocab.MUSCLES, vocab.TENDER_POINTS, vocab.SIDES):
        codes = [c for c, _ in choices]
        labels = [label for _, label in choices]
        assert len(set(codes)) == len(codes)
        assert len(set(labels)) == len(labels)
        assert all(label.strip() for label in labels)
    assert vocab.SIDES == (("left", "Left"), ("right", "Right"), ("bilateral", "Both sides"))
    assert ("quadratus_lumborum", "Quadratus lumborum") in vocab.MUSCLES
    assert vocab.label_for(vocab.SIDES, "bilateral") == "Both sides"
    assert vocab.label_for(vocab.SIDES, "up") == "up"


# -- NMT -----------------------------------------------------------------------------


def test_a_routine_nmt_entry_is_accepted_typed():
    result = validate_entry(NMT, NMT_OK)
    assert result.warnings == ()
    assert result.values == {
        "muscle": "quadratus_lumborum",
        "side": "left",
        "regions": ["lower_back_l"],
        "trigger_point": "active",
        "referral_seen": True,
        "pressure": 7,
        "hold_seconds": 60,
        "twitch_response": False,
        "tenderness_before": 7,
        "tenderness_after": 3,
        "minutes": 15,
    }


@pytest.mark.parametrize(
    "field, value, ok",
    [
        ("hold_seconds", "0", False),
        ("hold_seconds", "1", True),
        ("hold_seconds", "600", True),
        ("hold_seconds", "601", False),
        ("hold_seconds", "7200", False),
        ("pressure", "-1", False),
        ("pressure", "0", True),
        ("pressure", "10", True),
        ("pressure", "11", False),
        ("tenderness_before", "11", False),
        ("tenderness_after", "-1", False),
        ("minutes", "0", False),
        ("minutes", "1", True),
        ("minutes", "121", False),
        ("muscle", "biceps", False),
        ("side", "both", False),
        ("trigger_point", "maybe", False),
    ],
)
def test_nmt_impossible_values_are_refused_at_the_edges(field, value, ok):
    raw = {**NMT_OK, field: value, "minutes": NMT_OK["minutes"] if field != "minutes" else value}
    if ok:
        validate_entry(NMT, raw)
    else:
        assert field in refused(NMT, raw)


def test_nmt_minutes_up_to_120_are_possible():
    validate_entry(NMT, {**NMT_OK, "minutes": "120"})


def test_nmt_hold_longer_than_the_minutes_recorded_is_refused():
    assert "hold_seconds" in refused(NMT, {**NMT_OK, "hold_seconds": "61", "minutes": "1"})
    validate_entry(NMT, {**NMT_OK, "hold_seconds": "60", "minutes": "1"})


@pytest.mark.parametrize(
    "field, value, warns",
    [
        ("pressure", "8", False),
        ("pressure", "9", True),
        ("hold_seconds", "120", False),
        ("hold_seconds", "121", True),
        ("hold_seconds", "5", False),
        ("hold_seconds", "4", True),
        ("tenderness_after", "7", False),
        ("tenderness_after", "8", True),
    ],
)
def test_nmt_unusual_values_warn_at_the_edges(field, value, warns):
    assert bool(warnings(NMT, {**NMT_OK, field: value})) is warns


# -- PRT -----------------------------------------------------------------------------


def test_a_routine_prt_entry_is_accepted_typed():
    result = validate_entry(PRT, PRT_OK)
    assert result.warnings == ()
    assert result.values["hold_seconds"] == 90
    assert result.values["position_notes"] == ""
    assert result.values["percent_reduction"] == 80


def test_prt_hold_defaults_to_90_seconds_or_the_setting():
    field = PRT.field("hold_seconds")
    assert field.default == 90 and field.setting_key == "prt_hold_seconds_default"


@pytest.mark.parametrize(
    "field, value, ok",
    [
        ("hold_seconds", "0", False),
        ("hold_seconds", "601", False),
        ("percent_reduction", "-1", False),
        ("percent_reduction", "0", True),
        ("percent_reduction", "100", True),
        ("percent_reduction", "101", False),
        ("tenderness_before", "11", False),
        ("tender_point", "l9", False),
        ("flexion_extension", "twist", False),
        ("side_bending", "up", False),
        ("rotation", "spin", False),
        ("tenderness_scale", "vas", False),
    ],
)
def test_prt_impossible_values_are_refused_at_the_edges(field, value, ok):
    raw = {**PRT_OK, field: value}
    if ok:
        validate_entry(PRT, raw)
    else:
        assert field in refused(PRT, raw)


@pytest.mark.parametrize(
    "hold, warns", [("59", True), ("60", False), ("180", False), ("181", True)]
)
def test_prt_hold_outside_the_usual_range_warns(hold, warns):
    assert bool(warnings(PRT, {**PRT_OK, "hold_seconds": hold})) is warns


def test_prt_baseline_scale_means_tenderness_before_is_ten():
    baseline = {**PRT_OK, "tenderness_scale": "baseline_10", "tenderness_before": "10"}
    assert validate_entry(PRT, baseline).values["tenderness_before"] == 10
    errors = refused(PRT, {**baseline, "tenderness_before": "8"})
    assert set(errors) == {"tenderness_before"}


def test_prt_hold_longer_than_minutes_is_refused():
    assert "hold_seconds" in refused(PRT, {**PRT_OK, "hold_seconds": "90", "minutes": "1"})


def test_prt_tenderness_rising_warns():
    assert warnings(PRT, {**PRT_OK, "tenderness_after": "9"})


@pytest.mark.parametrize("reduction, warns", [("69", True), ("70", False), ("100", False)])
def test_prt_below_the_target_reduction_asks_about_the_hold(reduction, warns):
    found = warnings(PRT, {**PRT_OK, "percent_reduction": reduction})
    assert any("held long enough" in w for w in found) is warns


def test_prt_target_reduction_is_a_setting():
    raw = {**PRT_OK, "percent_reduction": "75"}
    assert warnings(PRT, raw, settings={"prt_target_reduction_percent": 80})
    assert not warnings(PRT, raw)


def test_nmt_and_prt_entries_record_the_regions_treated():
    for spec, raw in ((NMT, NMT_OK), (PRT, PRT_OK)):
        assert "regions" in refused(spec, {**raw, "regions": ""})
        assert "regions" in refused(spec, {**raw, "regions": "the_moon"})


@pytest.mark.parametrize(
    "response, follow_up, problem",
    [
        ("normal_redness", "", False),
        ("persistent_redness", "", True),
        ("mottling", "", True),
        ("blister", "", True),
        ("blister", "Cooled, dressed, GP informed", False),
    ],
)
def test_a_hot_pack_skin_reaction_needs_its_follow_up_before_signing(response, follow_up, problem):
    values = validate_entry(
        HOT_PACK, {**HOT_OK, "skin_response": response, "follow_up": follow_up}
    ).values
    assert bool(HOT_PACK.sign_check(values)) is problem


# -- hot pack -------------------------------------------------------------------------


def test_a_routine_hot_pack_entry_is_accepted_typed():
    result = validate_entry(HOT_PACK, HOT_OK)
    assert result.warnings == ()
    assert result.values["tank_temp_c"] == 72.0
    assert result.values["skin_checks"] == [
        {"minute": 5, "finding": "even pink"},
        {"minute": 10, "finding": "even pink"},
        {"minute": 15, "finding": "even redness"},
    ]
    assert result.values["adverse_event"] is False
    assert result.values["screen_confirmed"] is True


@pytest.mark.parametrize(
    "temp, outcome",
    [
        ("-0.1", "refused"),
        ("0", "warn"),
        ("69.9", "warn"),
        ("70", "ok"),
        ("72,5", "ok"),
        ("75", "ok"),
        ("75.1", "warn"),
        ("100", "warn"),
        ("100.1", "refused"),
        ("165", "refused"),  # Fahrenheit typed into a Celsius field
        ("nan", "refused"),
        ("inf", "refused"),
    ],
)
def test_tank_temperature_edges(temp, outcome):
    raw = {**HOT_OK, "tank_temp_c": temp}
    if outcome == "refused":
        assert "tank_temp_c" in refused(HOT_PACK, raw)
    else:
        assert bool(warnings(HOT_PACK, raw)) is (outcome == "warn")


@pytest.mark.parametrize(
    "layers, outcome",
    [("-1", "refused"), ("5", "warn"), ("6", "ok"), ("8", "ok"), ("9", "warn"), ("21", "refused")],
)
def test_towel_layer_edges(layers, outcome):
    raw = {**HOT_OK, "towel_layers": layers}
    if outcome == "refused":
        assert "towel_layers" in refused(HOT_PACK, raw)
    else:
        assert bool(warnings(HOT_PACK, raw)) is (outcome == "warn")


@pytest.mark.parametrize(
    "minutes, checks, outcome",
    [
        ("14", "5: ok\n10: ok", "warn"),
        ("15", "5: ok\n10: ok", "ok"),
        ("20", "5: ok\n10: ok\n15: ok", "ok"),
        ("21", "5: ok\n10: ok\n15: ok\n20: ok", "warn"),
        ("0", "5: ok", "refused"),
        ("121", "5: ok", "refused"),
    ],
)
def test_hot_pack_minutes_edges(minutes, checks, outcome):
    raw = {**HOT_OK, "minutes": minutes, "skin_checks": checks}
    if outcome == "refused":
        assert "minutes" in refused(HOT_PACK, raw)
    else:
        assert bool(warnings(HOT_PACK, raw)) is (outcome == "warn")


def test_hot_pack_ranges_follow_clinic_settings():
    settings = {
        "hot_pack_tank_temp_min": 71,
        "hot_pack_tank_temp_max": 77,
        "hot_pack_towel_layers_min": 4,
        "hot_pack_minutes_max": 30,
    }
    raw = {
        **HOT_OK,
        "tank_temp_c": "76",
        "towel_layers": "4",
        "minutes": "25",
        "skin_checks": "5: ok\n10: ok\n15: ok\n20: ok\n25: ok",
    }
    assert len(warnings(HOT_PACK, raw)) == 3
    assert warnings(HOT_PACK, raw, settings=settings) == ()
    assert warnings(HOT_PACK, {**raw, "tank_temp_c": "70.5"}, settings=settings)


@pytest.mark.parametrize("first, warns", [("5", False), ("6", True), ("0", False)])
def test_first_skin_check_later_than_five_minutes_warns(first, warns):
    raw = {**HOT_OK, "skin_checks": f"{first}: ok\n10: ok\n15: ok"}
    assert any("first skin check" in w.lower() for w in warnings(HOT_PACK, raw)) is warns


def test_first_skin_check_minute_is_a_setting():
    raw = {**HOT_OK, "skin_checks": "7: ok\n10: ok\n15: ok"}
    assert warnings(HOT_PACK, raw)
    assert warnings(HOT_PACK, raw, settings={"hot_pack_first_skin_check_minute": 7}) == ()


def test_gaps_between_skin_checks_longer_than_the_setting_warn():
    raw = {**HOT_OK, "skin_checks": "5: ok\n15: ok"}
    assert any("apart" in w for w in warnings(HOT_PACK, raw))
    assert warnings(HOT_PACK, raw, settings={"hot_pack_skin_check_every": 10}) == ()


def test_skin_checks_must_fall_within_the_application_time():
    errors = refused(HOT_PACK, {**HOT_OK, "skin_checks": "5: ok\n10: ok\n16: ok"})
    assert "minute 16" in errors["skin_checks"]
    validate_entry(HOT_PACK, {**HOT_OK, "skin_checks": "5: ok\n10: ok\n15: ok"})


@pytest.mark.parametrize(
    "checks",
    [
        "",
        [],
        "5",
        "five: fine",
        "5: ok\n5: ok",
        [{"minute": "x", "finding": "ok"}],
        [{"minute": 5}],
        [{"minute": 5, "finding": "ok", "extra": 1}],
        [{"minute": -1, "finding": "ok"}],
        "not a list at all",
        42,
    ],
)
def test_malformed_skin_checks_are_refused(checks):
    assert "skin_checks" in refused(HOT_PACK, {**HOT_OK, "skin_checks": checks})


def test_skin_checks_are_sorted_and_accept_stored_json_form():
    stored = [{"minute": 10, "finding": "pink"}, {"minute": "5", "finding": " pink "}]
    values = validate_entry(HOT_PACK, {**HOT_OK, "skin_checks": stored}).values
    assert values["skin_checks"] == [
        {"minute": 5, "finding": "pink"},
        {"minute": 10, "finding": "pink"},
    ]


def test_skin_check_lines_may_say_min():
    values = validate_entry(HOT_PACK, {**HOT_OK, "skin_checks": "5 min: ok\n10 - ok\n15 ok"})
    assert [c["minute"] for c in values.values["skin_checks"]] == [5, 10, 15]


@pytest.mark.parametrize("response", ["mottling", "blister"])
def test_mottling_or_blister_is_an_adverse_event_demanding_follow_up(response):
    result = validate_entry(HOT_PACK, {**HOT_OK, "skin_response": response})
    assert result.values["adverse_event"] is True
    assert any("adverse event" in w and "follow-up" in w for w in result.warnings)


def test_normal_redness_is_not_an_adverse_event_even_if_input_claims_so():
    result = validate_entry(HOT_PACK, {**HOT_OK, "adverse_event": "true"})
    assert result.values["adverse_event"] is False


@pytest.mark.parametrize("confirmed", ["", "off", None, "0"])
def test_hot_pack_without_the_contraindication_screen_is_refused(confirmed):
    errors = refused(HOT_PACK, {**HOT_OK, "screen_confirmed": confirmed})
    assert set(errors) == {"screen_confirmed"}


def test_hot_pack_region_must_be_a_shared_body_region():
    assert "region" in refused(HOT_PACK, {**HOT_OK, "region": "lumbar"})


def test_hot_pack_plan_parameters_warn_like_the_session():
    plan = {"regions": "lower_back_l,lower_back_r", "minutes": "25"}
    assert validate_entry(HOT_PACK, plan, plan=True).warnings
    assert validate_entry(HOT_PACK, {**plan, "minutes": "20"}, plan=True).warnings == ()
